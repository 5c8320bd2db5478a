  // A small C++ service: the same rules apply to calls written with std:: or ::.
#include <openssl/evp.h>
#include <openssl/md5.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

    namespace archive {

  int compress(const std::string& directory) {
    const std::string command = "tar czf out.tgz " + directory;
    std::system("sync");
    return std::system(command.c_str());
  }

  void report(const std::string& message) {
    std::printf("%s\n", message.c_str());
    std::printf(message.c_str());
    std::fprintf(stderr, "%s\n", message.c_str());
  }

  void copy_name(char(&out)[32], const char* name) {
    ::strcpy(out, name);
    std::strncpy(out, name, sizeof out - 1);
    out[sizeof out - 1] = '\0';
  }

  unsigned pick_shard(unsigned shards) {
    std::random_device device;
    std::uniform_int_distribution<unsigned> distribution(0, shards - 1);
    unsigned legacy = static_cast<unsigned>(std::rand()) % shards;  // ward-expect: c.weak-random
    return legacy ^ distribution(device);
  }

  class Checksum {
   public:
    Checksum() { MD5_Init(&context_); }  // ward-expect: c.weak-hash
    const EVP_MD* modern() const { return EVP_sha256(); }
    const EVP_MD* legacy() const { return EVP_sha1(); }        // ward-expect: c.weak-hash
    const EVP_CIPHER* cipher() const { return EVP_bf_cbc(); }  // ward-expect: c.weak-cipher

   private:
    MD5_CTX context_;
  };

}  // namespace archive

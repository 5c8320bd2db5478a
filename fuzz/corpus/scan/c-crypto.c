/* Hashes, ciphers, random numbers and TLS with OpenSSL and libcurl. */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <time.h>

    void
    fingerprint(const unsigned char* data, size_t n, unsigned char* out) {
  MD5_CTX md5;
  MD5_Init(&md5);  // ward-expect: c.weak-hash
  MD5_Update(&md5, data, n);
  MD5_Final(out, &md5);
  SHA1(data, n, out);  // ward-expect: c.weak-hash
  SHA256(data, n, out);
}

const EVP_MD* digest_for(int legacy) {
  if (legacy) return EVP_md5();  // ward-expect: c.weak-hash
  EVP_get_digestbyname("sha1");  // ward-expect: c.weak-hash
  EVP_get_digestbyname("sha256");
  return EVP_sha256();
}

int encrypt(EVP_CIPHER_CTX* ctx, const unsigned char* key, const unsigned char* iv) {
  EVP_EncryptInit_ex(ctx, EVP_des_ede3_cbc(), NULL, key, iv);   // ward-expect: c.weak-cipher
  EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL);  // ward-expect: c.weak-cipher
  EVP_EncryptInit_ex(ctx, EVP_rc4(), NULL, key, NULL);          // ward-expect: c.weak-cipher
  EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, (const unsigned char*)"0123456789abcdef",
                     iv);  // ward-expect: c.hardcoded-key
  return EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, iv);
}

unsigned int session_token(void) {
  unsigned int token;
  srand(time(NULL));  // ward-expect: c.weak-random
  srand(42);
  token = (unsigned int)rand();  // ward-expect: c.weak-random
  if (RAND_bytes((unsigned char*)&token, sizeof token) != 1) abort();
  return token;
}

void configure_tls(SSL_CTX* ctx, CURL* curl, int insecure) {
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  if (insecure)
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);    // ward-expect: c.tls-verification-disabled
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);  // ward-expect: c.tls-verification-disabled
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 0L);
}

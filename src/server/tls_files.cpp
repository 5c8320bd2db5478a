#include "server/tls_files.h"

#include <spdlog/spdlog.h>

#include "core/file.h"
#include "crypto/tls.h"

namespace ward::server {
namespace fs = std::filesystem;

namespace {
constexpr int kSelfSignedValidDays = 365;
}

TlsFiles tls_files_for(const core::Config& config) {
  if (!config.server.tls_cert.empty()) {
    return {config.server.tls_cert, config.server.tls_key, false};
  }
  const fs::path dir = config.data_dir / "tls";
  return {dir / "server.crt", dir / "server.key", true};
}

core::Result<TlsFiles> prepare_tls_files(const core::Config& config) {
  TlsFiles files = tls_files_for(config);
  std::error_code ec;
  if (!files.self_signed) {
    for (const auto& [path, key] :
         {std::pair{files.cert, "server.tls_cert"}, std::pair{files.key, "server.tls_key"}}) {
      if (!fs::exists(path, ec)) {
        return core::Error(core::Code::kNotFound, path.string(),
                           std::string("the file set in ") + key +
                               " does not exist; fix the path or unset it to use a generated "
                               "self-signed certificate");
      }
    }
    return files;
  }
  if (fs::exists(files.cert, ec) && fs::exists(files.key, ec)) return files;
  if (auto status = core::ensure_writable_directory(files.cert.parent_path()); !status) {
    return status.error();
  }
  if (auto status = crypto::generate_self_signed_certificate(files.cert, files.key, "localhost",
                                                             kSelfSignedValidDays);
      !status) {
    return status.error();
  }
  spdlog::info("generated a self-signed certificate for localhost at {}", files.cert.string());
  return files;
}

}  // namespace ward::server

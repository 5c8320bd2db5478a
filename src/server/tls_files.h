#pragma once
// Where `ward serve` finds its certificate and key: the configured files, or a self-signed pair
// for localhost kept in the data directory and generated on first start. Thread-compatible.

#include <filesystem>

#include "core/config.h"
#include "core/error.h"

namespace ward::server {

struct TlsFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
  bool self_signed = false;  // true when Ward manages the pair in the data directory
};

// The files the configuration points at, without touching the disk.
TlsFiles tls_files_for(const core::Config& config);

// As tls_files_for, and generates the self-signed pair when it is Ward's to manage and missing.
// A configured certificate that is missing is an error naming the setting to fix.
core::Result<TlsFiles> prepare_tls_files(const core::Config& config);

}  // namespace ward::server

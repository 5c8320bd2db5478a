#pragma once
// The audit log's checkpoint signing key is held, sealed, by the keyring
// (gov::Keyring::audit_signing_key). Its public half is published as
// <data dir>/keys/audit-signing.pub (64 hex digits, 0644) so that `ward audit verify` works offline
// from the public key alone. Keep a copy of the .pub file elsewhere: whoever can write the data
// directory could replace the keyring and the file and re-sign; `verify --public-key COPY` catches
// that.
//
// Thread-safety: safe; writers of the same key leave the same file.

#include <filesystem>

#include "core/error.h"
#include "crypto/sign.h"

namespace ward::gov {

std::filesystem::path audit_public_key_file(const std::filesystem::path& data_dir);

// Writes the public key file when it is missing or holds another key (the keyring's key is the one
// that signs from now on; verification of older checkpoints needs the old file, see docs/audit.md).
core::Status publish_audit_public_key(const std::filesystem::path& data_dir,
                                      const crypto::Ed25519PublicKey& key);

// Reads a public key file: 64 hex digits, surrounding white space ignored.
core::Result<crypto::Ed25519PublicKey> read_audit_public_key(const std::filesystem::path& file);

}  // namespace ward::gov

#pragma once
// The checkpoint signing key for commands that run without the keyring (the CLI, for now): an
// Ed25519 seed in <data dir>/keys/audit-signing.key (64 hex digits, mode 0600) and its public key
// in <data dir>/keys/audit-signing.pub (64 hex digits, 0644), so that `ward audit verify` works
// offline from the public key alone. Keep a copy of the .pub file elsewhere: whoever can write
// the data directory could replace both files and re-sign; `verify --public-key COPY` catches it.
// When the keyring exists, it supplies the key instead and this file goes away.
//
// Thread-safety: safe; several processes creating the key at once agree on one key (the first
// file linked into place wins).

#include <filesystem>

#include "core/error.h"
#include "crypto/sign.h"

namespace ward::gov {

std::filesystem::path audit_private_key_file(const std::filesystem::path& data_dir);
std::filesystem::path audit_public_key_file(const std::filesystem::path& data_dir);

// Loads the signing key, or creates it (and its .pub file) on first use. Refuses a private key
// file that other users may read (kFailedPrecondition, with the chmod to run).
core::Result<crypto::Ed25519KeyPair> load_or_create_audit_signing_key(
    const std::filesystem::path& data_dir);

// Reads a public key file: 64 hex digits, surrounding white space ignored.
core::Result<crypto::Ed25519PublicKey> read_audit_public_key(const std::filesystem::path& file);

}  // namespace ward::gov

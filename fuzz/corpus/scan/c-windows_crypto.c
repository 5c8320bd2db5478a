/* Windows CryptoAPI and CNG algorithm choices. */
#include <bcrypt.h>
#include <wincrypt.h>
#include <windows.h>

    BOOL
    hash_password(HCRYPTPROV provider, HCRYPTHASH* hash, int legacy) {
  if (legacy) return CryptCreateHash(provider, CALG_MD5, 0, 0, hash);  // ward-expect: c.weak-hash
  return CryptCreateHash(provider, CALG_SHA_256, 0, 0, hash);
}

BOOL derive_key(HCRYPTPROV provider, HCRYPTHASH hash, HCRYPTKEY* key, int legacy) {
  if (legacy)
    return CryptDeriveKey(provider, CALG_3DES, hash, 0, key);  // ward-expect: c.weak-cipher
  return CryptDeriveKey(provider, CALG_AES_256, hash, 0, key);
}

NTSTATUS open_algorithms(BCRYPT_ALG_HANDLE* hash, BCRYPT_ALG_HANDLE* cipher) {
  BCryptOpenAlgorithmProvider(hash, BCRYPT_SHA1_ALGORITHM, NULL, 0);   // ward-expect: c.weak-hash
  BCryptOpenAlgorithmProvider(cipher, BCRYPT_DES_ALGORITHM, NULL, 0);  // ward-expect: c.weak-cipher
  BCryptOpenAlgorithmProvider(hash, BCRYPT_SHA256_ALGORITHM, NULL, 0);
  return BCryptOpenAlgorithmProvider(cipher, BCRYPT_AES_ALGORITHM, NULL, 0);
}

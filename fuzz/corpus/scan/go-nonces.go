package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"io"
)

func Seal(key, message []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	fixed := gcm.Seal(nil, []byte("0123456789ab"), message, nil) // ward-expect: go.static-iv
	zero := gcm.Seal(nil, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, message, nil) // ward-expect: go.static-iv
	stream := cipher.NewCTR(block, []byte("0123456789abcdef")) // ward-expect: go.static-iv
	nonce := make([]byte, gcm.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	sealed := gcm.Seal(nonce, nonce, message, nil)
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rand.Reader, iv); err != nil {
		return nil, err
	}
	cbc := cipher.NewCBCEncrypter(block, iv)
	_, _, _ = fixed, zero, stream
	_ = cbc
	return sealed, nil
}

func Open(gcm cipher.AEAD, block cipher.Block, sealed []byte) ([]byte, error) {
	legacy := cipher.NewCBCDecrypter(block, []byte("0123456789abcdef"))
	_ = legacy
	return gcm.Open(nil, []byte("0123456789ab"), sealed, nil)
}

package legacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rc4"
)

func Ciphers(key []byte) (cipher.Block, cipher.Block, *rc4.Cipher, error) {
	block, err := des.NewTripleDESCipher(key) // ward-expect: go.weak-cipher
	if err != nil {
		return nil, nil, nil, err
	}
	stream, err := rc4.NewCipher(key) // ward-expect: go.weak-cipher
	if err != nil {
		return nil, nil, nil, err
	}
	modern, err := aes.NewCipher(key)
	return block, modern, stream, err
}

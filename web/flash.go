package web

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
)

// A flash message can carry a newly created secret from the POST that
// made it to the page after the redirect, through the store. It is sealed
// (AES-256-GCM) with a key derived from the session's token, which the
// store never holds: a copy of the database shows no message and no
// secret. The session's token hash is the additional data, so a sealed
// message moved to another session does not open.

// flashAEAD returns the cipher of the session's flash messages.
func flashAEAD(token string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(derive(token, "flash"))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealFlash encrypts f for the session of token: nonce || ciphertext.
func sealFlash(token string, hash []byte, f *flash) ([]byte, error) {
	if f == nil {
		return nil, nil
	}
	plain, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("seal flash: %w", err)
	}
	aead, err := flashAEAD(token)
	if err != nil {
		return nil, fmt.Errorf("seal flash: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, hash), nil
}

// openFlash decrypts a message sealed by sealFlash for the same session.
func openFlash(token string, hash, sealed []byte) (*flash, error) {
	aead, err := flashAEAD(token)
	if err != nil {
		return nil, fmt.Errorf("open flash: %w", err)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("open flash: too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], hash)
	if err != nil {
		return nil, fmt.Errorf("open flash: %w", err)
	}
	var f flash
	if err := json.Unmarshal(plain, &f); err != nil {
		return nil, fmt.Errorf("open flash: %w", err)
	}
	return &f, nil
}

// Package token makes the unguessable secrets behind private links, sessions
// and API tokens. Only their SHA-256 hash is stored: a leaked database does
// not give access to anyone's page.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// New returns a random 256-bit token, URL-safe, and its hash to store.
func New() (plain string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, Hash(plain)
}

// Hash is the stored form of a token.
func Hash(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

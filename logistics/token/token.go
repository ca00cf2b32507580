// Package token makes the unguessable secrets behind private links, sessions
// and API tokens. Only their SHA-256 hash is stored: a leaked database does
// not give access to anyone's page.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
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

// plainInURL is a token as New writes it (43 URL-safe characters) ending a
// path segment of a link.
var plainInURL = regexp.MustCompile(`/[A-Za-z0-9_-]{43}(?:[^A-Za-z0-9_-]|$)`)

// MaskLinks hides the tokens of the private links in a message's text
// ("…/t/…"): whoever reads a message already delivered must not be able
// to open its recipient's page.
func MaskLinks(text string) string {
	return plainInURL.ReplaceAllStringFunc(text, func(m string) string {
		last := m[len(m)-1:]
		if len(m) == 44 { // the token ends the text
			last = ""
		}
		return "/…" + last
	})
}

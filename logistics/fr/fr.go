// Package fr writes the small pieces of French that pages, messages and
// documents share: counts with their noun, "de" before a name.
package fr

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Count writes n and its noun: singular below 2 ("0 personne désignée",
// "1 commune"), plural from 2 ("3 heures").
func Count(n int, one, many string) string {
	if n < 2 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + many
}

// De is "de" before a name or place, elided before a vowel: "de Paul",
// "d'Anne", "d'Aix-en-Provence". An initial h is left alone: whether it
// elides depends on the word ("d'Hélène", "de Hugo").
func De(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if strings.ContainsRune("AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸaeiouyàâäéèêëîïôöùûüÿ", r) {
		return "d'" + s
	}
	return "de " + s
}

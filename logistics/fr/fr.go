// Package fr writes the small pieces of French that pages, messages and
// documents share: numbers, counts with their noun, "de" before a name or
// a commune, the name of a round.
package fr

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Count writes n and its noun: singular below 2 ("0 personne désignée",
// "1 commune"), plural from 2 ("3 heures", "1 200 tracts").
func Count(n int, one, many string) string {
	return Number(n) + " " + Noun(n, one, many)
}

// Noun is the noun of Count without the number: one below 2, else many
// (« 2 volontaires inscrit·es »: the agreement of a word after the count).
func Noun(n int, one, many string) string {
	if n < 2 {
		return one
	}
	return many
}

// Number writes an integer the French way: 1 000, 20 000 (a narrow
// no-break space between thousands, so that a quantity never wraps).
func Number(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u202f')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Round names a round of an election as pages and documents abbreviate
// it: "1er tour", "2d tour".
func Round(n int) string {
	switch n {
	case 1:
		return "1er tour"
	case 2:
		return "2d tour"
	}
	if n < 1 { // no such round: a number a client sent, said as it came
		return "tour " + strconv.Itoa(n)
	}
	return strconv.Itoa(n) + "e tour"
}

// TheRound is Round in running text, with its article contracted with the
// preposition before it: TheRound("le", 1) "le 1er tour", TheRound("à", 2)
// "au 2d tour", TheRound("de", 1) "du 1er tour", and any other preposition
// before the article: TheRound("pour", 1) "pour le 1er tour". A capital
// carries over, for a sentence that starts with the round: TheRound("Le",
// 1) "Le 1er tour", TheRound("À", 2) "Au 2d tour". The ordinal starts with
// a digit: "le" is never elided.
func TheRound(prep string, n int) string {
	switch prep {
	case "le", "Le":
		return prep + " " + Round(n)
	case "à":
		return "au " + Round(n)
	case "À":
		return "Au " + Round(n)
	case "de":
		return "du " + Round(n)
	case "De":
		return "Du " + Round(n)
	}
	return prep + " le " + Round(n)
}

// List joins items the French way, with conj ("et", "ou") before the
// last: "a", "a et b", "a, b et c".
func List(items []string, conj string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}

// De is "de" before a name or e-mail, elided before a vowel: "de Paul",
// "d'Anne", "d'Aix-en-Provence". An initial h is left alone: whether it
// elides depends on the word ("d'Hélène", "de Hugo"). Before a commune,
// whose name may start with an article, OfPlace.
func De(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if strings.ContainsRune("AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸaeiouyàâäéèêëîïôöùûüÿ", r) {
		return "d'" + s
	}
	return "de " + s
}

// OfPlace is "de" before a commune's name: De, but contracted with a
// leading article "Le" or "Les" (as INSEE writes them, capitalised and
// followed by a space): "du Havre", "des Abymes", while "de La Rochelle",
// "de L'Haÿ-les-Roses", "d'Arles", "de Paris". The rest of the name is
// kept as it is.
func OfPlace(name string) string { return contracted(name, "du ", "des ", De) }

// AtPlace is "à" before a commune's name, contracted as OfPlace is: "au
// Havre", "aux Abymes", "à La Rochelle", "à Paris".
func AtPlace(name string) string {
	return contracted(name, "au ", "aux ", func(s string) string { return "à " + s })
}

// contracted is a preposition before a commune's name: le before the rest
// of a name that starts with "Le ", les before one that starts with "Les ",
// else other(name).
func contracted(name, le, les string, other func(string) string) string {
	if rest, ok := strings.CutPrefix(name, "Le "); ok {
		return le + rest
	}
	if rest, ok := strings.CutPrefix(name, "Les "); ok {
		return les + rest
	}
	return other(name)
}

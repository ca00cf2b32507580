package notify

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// An SMS carries 140 bytes. In the GSM 03.38 7-bit alphabet that is 160
// characters; one character outside it (a French "ç", "ê", "’" or "«")
// sends the whole text in UCS-2, 70 characters. A longer text goes in
// parts, each billed, that lose room to the header joining them.
const (
	gsmSingle  = 160 // septets in one SMS
	gsmPart    = 153 // septets in each part of a longer one
	ucs2Single = 70  // UTF-16 units in one SMS
	ucs2Part   = 67  // UTF-16 units in each part of a longer one
)

// gsmBasic is the GSM 03.38 default alphabet: one septet each.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is its extension table: an escape septet, then the
// character's, so two each.
const gsmExtension = "\f^{}\\[~]|€"

// gsmSeptets is the septets of each character of the GSM alphabet: the
// Latin-1 range in an array (nearly every character of a French text),
// the Greek capitals and "€" in a map.
var gsmLatin1, gsmOther = func() (latin1 [256]uint8, other map[rune]uint8) {
	other = map[rune]uint8{}
	add := func(chars string, septets uint8) {
		for _, r := range chars {
			if r < 256 {
				latin1[r] = septets
			} else {
				other[r] = septets
			}
		}
	}
	add(gsmBasic, 1)
	add(gsmExtension, 2)
	return latin1, other
}()

// septets is how many septets r takes in the GSM alphabet, 0 when it is
// not in it.
func septets(r rune) int {
	if r < 256 {
		return int(gsmLatin1[r])
	}
	return int(gsmOther[r])
}

// utf16Units is how many UTF-16 units r takes in UCS-2: two for a
// character beyond the Basic Multilingual Plane (an emoji).
func utf16Units(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1 // invalid UTF-8 travels as U+FFFD
}

// IsGSM reports whether text is all in the GSM alphabet (with its
// extension table): it then goes at 160 characters an SMS.
func IsGSM(text string) bool {
	for _, r := range text {
		if septets(r) == 0 {
			return false
		}
	}
	return true
}

// SMSSegments is how many SMS text is sent in, each billed: one up to
// 160 septets of the GSM alphabet (an extension character such as "€"
// or "[" takes two), else parts of 153; with any character outside that
// alphabet, one up to 70 UTF-16 units, else parts of 67. An empty text is
// still one SMS.
func SMSSegments(text string) int {
	// One pass for both counts: a batch measures a hundred thousand texts.
	gsm, septetCount, units := true, 0, 0
	for _, r := range text {
		n := septets(r)
		gsm = gsm && n > 0
		septetCount += n
		units += utf16Units(r)
	}
	switch {
	case gsm && septetCount <= gsmSingle, !gsm && units <= ucs2Single:
		return 1
	case gsm:
		return parts(text, septets, gsmPart)
	}
	return parts(text, utf16Units, ucs2Part)
}

// parts counts the parts of a text too long for one SMS, each character
// taking width(r) units of the size units of a part. A character never
// straddles two parts (an escape septet and its character, or a surrogate
// pair, travel together), so a part may end one unit short.
func parts(text string, width func(rune) int, size int) int {
	n, used := 1, 0
	for _, r := range text {
		w := width(r)
		if used+w > size {
			n, used = n+1, 0
		}
		used += w
	}
	return n
}

// gsmPlain is the GSM replacement of the typographic characters that
// French text brings and the GSM alphabet lacks. Accented letters are
// not listed: GSMText takes their base letter.
var gsmPlain = map[rune]string{
	'\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u2032': "'", '`': "'", '\u00B4': "'",
	'\u00AB': `"`, '\u00BB': `"`, '\u201C': `"`, '\u201D': `"`, '\u201E': `"`, '\u2033': `"`,
	'\u2039': "'", '\u203A': "'",
	'\u00A0': " ", '\u202F': " ", '\u2007': " ", '\u2009': " ", '\u200A': " ", '\u2002': " ", '\u2003': " ", '\t': " ",
	'\u2026': "...",
	'\u2010': "-", '\u2011': "-", '\u2012': "-", '\u2013': "-", '\u2014': "-", '\u2212': "-",
	'\u00B7': ".", // inclusive writing, "inscrit·e": "inscrit.e"
	'\u0153': "oe", '\u0152': "OE",
	'\u00AD': "", '\u200B': "", '\u200C': "", '\u200D': "", '\u2060': "", '\uFEFF': "",
}

// GSMText is text in the GSM alphabet when it can be: typographic
// quotes, spaces, dashes and ellipses in their plain forms, "œ" as "oe",
// and each accented letter outside the alphabet ("ç", "ê", "ô", "ï", "À")
// as its base letter, so that a name typed on a phone does not cut an
// SMS into 70-character parts. A text that would still need UCS-2 (a
// name in another script) is returned as written: it goes in UCS-2
// anyway, and there its letters are exact.
func GSMText(text string) string {
	if IsGSM(text) {
		return text
	}
	// Composed first: a letter typed as "e" and a combining accent
	// becomes "é", which the alphabet has.
	composed := norm.NFC.String(text)
	var b strings.Builder
	b.Grow(len(composed))
	for _, r := range composed {
		if septets(r) > 0 {
			b.WriteRune(r)
			continue
		}
		plain, ok := gsmPlain[r]
		if !ok {
			if plain, ok = baseLetters(r); !ok {
				return text
			}
		}
		b.WriteString(plain)
	}
	return b.String()
}

// baseLetters is r without its diacritics ("ê": "e"), when what is left
// is in the GSM alphabet.
func baseLetters(r rune) (string, bool) {
	var b strings.Builder
	for _, d := range norm.NFD.String(string(r)) {
		switch {
		case unicode.Is(unicode.Mn, d):
		case septets(d) > 0:
			b.WriteRune(d)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

package contact

import (
	"strings"
	"testing"
	"time"

	"scrutin/logistics/check"
)

func TestPhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"06 12 34 56 78", "+33612345678", true},
		{"+33 6 12 34 56 78", "+33612345678", true},
		{"0033612345678", "+33612345678", true},
		{"0262 12 34 56", "+262262123456", true}, // La Réunion
		{"12", "", false},
		{"not a phone", "", false},
	}
	for _, tt := range tests {
		errs := check.Errors{}
		got := Phone(errs, "phone", tt.in, true)
		if ok := len(errs) == 0; ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Phone(%q) = %q, errs %v; want %q ok=%v", tt.in, got, errs, tt.want, tt.ok)
		}
	}
}

func TestVoterNumber(t *testing.T) {
	for in, ok := range map[string]bool{"12345678": true, "123 456 789": true, "012345678": true, "1234567": false, "1234567890": false, "12a45678": false, "": false} {
		errs := check.Errors{}
		VoterNumber(errs, "voter_number", in)
		if (len(errs) == 0) != ok {
			t.Errorf("VoterNumber(%q): errs %v, want ok=%v", in, errs, ok)
		}
	}
}

func TestBirthDateAdultOnRoundDay(t *testing.T) {
	round := time.Date(2027, 4, 11, 0, 0, 0, 0, time.UTC)
	for in, ok := range map[string]bool{
		"2009-04-11": true,  // 18 that very day
		"2009-04-12": false, // 18 the day after
		"11/04/2009": true,
		"1990-13-01": false,
		"":           false,
	} {
		errs := check.Errors{}
		BirthDate(errs, "birth_date", in, round)
		if (len(errs) == 0) != ok {
			t.Errorf("BirthDate(%q): errs %v, want ok=%v", in, errs, ok)
		}
	}
}

func TestEmail(t *testing.T) {
	errs := check.Errors{}
	if got := Email(errs, "email", "  Marie.Dupont@Example.FR "); got != "marie.dupont@example.fr" || len(errs) != 0 {
		t.Errorf("got %q %v", got, errs)
	}
	Email(errs, "email", "marie@")
	if errs["email"] == "" {
		t.Error("malformed address accepted")
	}
}

// NUL bytes, other control characters and invalid UTF-8 are refused with a
// message rather than reaching PostgreSQL, which rejects them (a 500).
func TestControlCharactersAndInvalidUTF8Refused(t *testing.T) {
	for _, s := range []string{"a\x00b", "a\x1bb", "a\xffb", "12 rue\x00 du Port"} {
		errs := check.Errors{}
		Email(errs, "email", "x"+s+"@example.org")
		Name(errs, "name", "Le nom", s, true)
		Text(errs, "address", "L'adresse", s, true, 200)
		for _, f := range []string{"email", "name", "address"} {
			if errs[f] == "" {
				t.Errorf("%q accepted in %s", s, f)
			}
		}
	}
	errs := check.Errors{}
	Text(errs, "address", "L'adresse", "12 rue de l'Église, bât. B", true, 200)
	Name(errs, "name", "Le nom", "Zoé Brûlé-Nguyễn", true)
	if len(errs) != 0 {
		t.Errorf("ordinary text refused: %v", errs)
	}
}

// Messages agree with their label: "Les prénoms sont obligatoires".
func TestMessagesAgreeWithTheirLabel(t *testing.T) {
	for _, tc := range []struct {
		check func(check.Errors)
		want  string
	}{
		{func(e check.Errors) { Name(e, "f", "Le nom", "", true) }, "Le nom est obligatoire."},
		{func(e check.Errors) { Name(e, "f", "Les prénoms", " ", true) }, "Les prénoms sont obligatoires."},
		{func(e check.Errors) { Name(e, "f", "Les prénoms", strings.Repeat("é", 101), true) }, "Les prénoms dépassent 100 caractères."},
		{func(e check.Errors) { Name(e, "f", "Les prénoms", "Zoé <b>", true) }, "Les prénoms contiennent des caractères non autorisés."},
		{func(e check.Errors) { Text(e, "f", "L'adresse", strings.Repeat("a", 201), true, 200) }, "L'adresse dépasse 200 caractères."},
		{func(e check.Errors) { Text(e, "f", "L'adresse", "", true, 200) }, "L'adresse est obligatoire."},
	} {
		errs := check.Errors{}
		tc.check(errs)
		if errs["f"] != tc.want {
			t.Errorf("%q, want %q", errs["f"], tc.want)
		}
	}
}

// Invisible format characters (Unicode Cf and the other default-ignorable
// code points) are removed: a required value made only of them is missing.
// Bidi controls, which would reverse the text around the value where staff
// read it, and U+FFFD (invalid UTF-8 once decoded by JSON) are refused.
// Name, Text and Email go through the same filters, so every caller
// (proxies, delegates, materials) gets the same behaviour.
func TestInvisibleAndBidiCharacters(t *testing.T) {
	const (
		missingName  = "Le nom est obligatoire."
		missingFirst = "Les prénoms sont obligatoires."
		missingAddr  = "L'adresse est obligatoire."
		badName      = "Le nom contient des caractères non autorisés."
		badFirst     = "Les prénoms contiennent des caractères non autorisés."
		badAddr      = "L'adresse contient des caractères non autorisés."
	)
	name := func(e check.Errors, s string) string { return Name(e, "f", "Le nom", s, true) }
	first := func(e check.Errors, s string) string { return Name(e, "f", "Les prénoms", s, true) }
	optional := func(e check.Errors, s string) string { return Name(e, "f", "Le nom de naissance", s, false) }
	address := func(e check.Errors, s string) string { return Text(e, "f", "L'adresse", s, true, 300) }
	for _, tc := range []struct {
		name  string
		check func(check.Errors, string) string
		in    string
		want  string // value returned when accepted
		msg   string // message expected, "" when accepted
	}{
		// Only invisible characters: missing.
		{"zero-width space as last name", name, "\u200b", "", missingName},
		{"zero-width spaces and blanks as first names", first, " \u200b \u200b ", "", missingFirst},
		{"zero-width space as address", address, "\u200b\u200b", "", missingAddr},
		{"BOM, word joiner, joiners", name, "\ufeff\u2060\u200c\u200d", "", missingName},
		{"soft hyphen", address, "\u00ad", "", missingAddr},
		{"Hangul filler", name, "\u3164", "", missingName},
		{"Mongolian vowel separator and tag characters", first, "\u180e\U000e0041", "", missingFirst},
		{"optional value only invisible", optional, "\u200b", "", ""},

		// Invisible characters inside a value: removed.
		{"zero-width space inside a name", name, "Dup\u200bont", "Dupont", ""},
		{"zero-width space between words", first, "Jean \u200b Pierre", "Jean Pierre", ""},
		{"soft hyphen inside a name", name, "Brû\u00adlé", "Brûlé", ""},
		{"BOM before an address", address, "\ufeff12 rue du Port", "12 rue du Port", ""},
		{"variation selector", first, "Zoé\ufe0f", "Zoé", ""},

		// Bidi controls: refused, even beside letters.
		{"right-to-left override", name, "Martin\u202e", "", badName},
		{"left-to-right override", first, "\u202dZoé", "", badFirst},
		{"embedding and pop", address, "\u202a12 rue\u202c", "", badAddr},
		{"isolates", name, "\u2066Martin\u2069", "", badName},
		{"right-to-left mark", first, "Zoé\u200f", "", badFirst},
		{"left-to-right mark", address, "\u200e12 rue", "", badAddr},
		{"Arabic letter mark", name, "Martin\u061c", "", badName},
		{"only a bidi control", name, "\u202e", "", badName},

		// Replacement character and invalid UTF-8: refused.
		{"U+FFFD from JSON", name, "Mart\ufffdin", "", badName},
		{"invalid UTF-8 byte", first, "Zo\xe9", "", badFirst},
		{"U+FFFD in an address", address, "12 rue \ufffd", "", badAddr},
		{"line separator in an address", address, "12 rue\u2028du Port", "", badAddr},

		// Legitimate names and addresses.
		{"accents and hyphen", name, "Brûlé-Nguyễn", "Brûlé-Nguyễn", ""},
		{"typographic apostrophe", name, "N’Diaye", "N’Diaye", ""},
		{"straight apostrophe", name, "O'Connor", "O'Connor", ""},
		{"several first names", first, "  Marie-Ève   Léa ", "Marie-Ève Léa", ""},
		{"non-Latin script", name, "Ζωή Παπαδοπούλου", "Ζωή Παπαδοπούλου", ""},
		{"Arabic name", name, "بن علي", "بن علي", ""},
		{"address with no-break space", address, "12\u00a0rue de l'Église, bât. B", "12\u00a0rue de l'Église, bât. B", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := check.Errors{}
			got := tc.check(errs, tc.in)
			if errs["f"] != tc.msg {
				t.Fatalf("%q: message %q, want %q", tc.in, errs["f"], tc.msg)
			}
			if tc.msg == "" && got != tc.want {
				t.Fatalf("%q: got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The e-mail address goes through the same filters.
func TestEmailInvisibleAndBidiCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"marie@example.org\u200b": "marie@example.org",
		"\ufeffMarie@Example.org": "marie@example.org",
		"ma\u202erie@example.org": "",
		"marie@exa\ufffdmple.org": "",
		"\u200b":                  "",
	} {
		errs := check.Errors{}
		got := Email(errs, "email", in)
		if ok := errs["email"] == ""; ok != (want != "") || (ok && got != want) {
			t.Errorf("Email(%q) = %q, errs %v; want %q", in, got, errs, want)
		}
	}
}

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

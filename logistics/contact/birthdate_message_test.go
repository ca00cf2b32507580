package contact

import (
	"testing"
	"time"

	"scrutin/logistics/check"
)

// TestBirthDateMessageNamesNoFormat: the date input and the API send
// AAAA-MM-JJ, people may type JJ/MM/AAAA; both are read, so a refusal
// names neither.
func TestBirthDateMessageNamesNoFormat(t *testing.T) {
	for _, in := range []string{"1990-05-17", "17/05/1990"} {
		errs := check.Errors{}
		if d := BirthDate(errs, "birth_date", in, time.Time{}); len(errs) != 0 || d != time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC) {
			t.Errorf("BirthDate(%q) = %v, %v", in, d, errs)
		}
	}
	for _, in := range []string{"17.05.1990", "1990-13-01", "demain", "1850-01-01"} {
		errs := check.Errors{}
		BirthDate(errs, "birth_date", in, time.Time{})
		if errs["birth_date"] != "Date de naissance invalide." {
			t.Errorf("BirthDate(%q): %q", in, errs["birth_date"])
		}
	}
}

package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/logistics/check"
)

// TestRefusalsReadInFrench: the domain's refusals without a message of
// their own (check.ErrForbidden, check.ErrNotFound) read in words on the
// command line, as validation errors and conflicts already do; other
// errors are left as they are.
func TestRefusalsReadInFrench(t *testing.T) {
	const (
		forbidden = "Accès refusé : cet élément est hors du périmètre ou du rôle du compte utilisé."
		notFound  = "Élément introuvable, ou hors du périmètre du compte utilisé."
	)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{check.ErrForbidden, forbidden},
		{check.ErrNotFound, notFound},
		{fmt.Errorf("demo-2027: %w", check.ErrNotFound), "demo-2027: " + notFound},
		{errors.Join(fmt.Errorf("a: %w", check.ErrForbidden), errors.New("b: disk full"), fmt.Errorf("c: %w", check.ErrNotFound)),
			"a: " + forbidden + "\nb: disk full\nc: " + notFound},
		{check.Field("email", "Adresse e-mail invalide."), "Certaines informations sont à corriger. email : Adresse e-mail invalide."},
		{&check.Conflict{Msg: "Déjà annulée."}, "Déjà annulée."},
		{errors.New(`no staff account "x@example.org"`), `no staff account "x@example.org"`},
		{errors.New("file not found"), "file not found"},
	} {
		if got := errorText(tc.err); got != tc.want {
			t.Errorf("errorText(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestExportAsAnAccountOutOfScope: an export refused for the account of
// --as gives the reason (the place outside its scope, as the API says it)
// and names the account and its scope, in French, not "forbidden"; a dry
// run of the matching says what it would do, every verb in that mood.
func TestExportAsAnAccountOutOfScopeAndDryRunWording(t *testing.T) {
	t.Setenv("DATABASE_URL", dbtest.NewURL(t))
	if code, _, stderr := runCLI(t, "", "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "staff", "add", "--email", "org75@example.org", "--role", "organizer", "--scope", "75"); code != 0 {
		t.Fatalf("staff add: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "", "export", "--as", "org75@example.org", "proxies", "departement=04", "-o", "-")
	if want := "scrutin export: Le département 04 est hors de votre périmètre (compte org75@example.org, périmètre : 75).\n"; code != 1 || stdout != "" || stderr != want {
		t.Errorf("export out of scope: exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
	code, stdout, stderr = runCLI(t, "", "match", "proxies", "--dry-run")
	if code != 0 || !regexp.MustCompile(`would propose \d+ new offers?, move \d+, withdraw \d+, keep \d+; \d+ unmatched`).MatchString(stdout) ||
		strings.Contains(stdout, "moved") || strings.Contains(stdout, "withdrew") || strings.Contains(stdout, "kept") {
		t.Errorf("match proxies --dry-run: exit %d, %q\n%s", code, stdout, stderr)
	}
}

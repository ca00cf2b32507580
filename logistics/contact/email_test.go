package contact

import (
	"strings"
	"testing"

	"scrutin/logistics/check"
)

// TestEmailShape: an address is refused, with what to fix, when it is not
// a plain local-part@domain (a display name, brackets, dots where mail
// servers refuse them, no domain...); unusual but valid addresses pass.
func TestEmailShape(t *testing.T) {
	const (
		generic   = "Adresse e-mail invalide."
		alone     = "Adresse e-mail invalide : indiquez l'adresse seule, sans nom, guillemets ni chevrons (par exemple marie.dupont@exemple.fr)."
		space     = "Adresse e-mail invalide : elle ne doit pas contenir d'espace."
		dots      = "Adresse e-mail invalide : la partie avant « @ » ne peut ni commencer ni finir par un point, ni en avoir deux de suite."
		localChar = "Adresse e-mail invalide : la partie avant « @ » contient des caractères non autorisés."
		noLocal   = "Adresse e-mail invalide : il manque la partie avant « @ »."
		twoAts    = "Adresse e-mail invalide : elle ne doit contenir qu'un seul « @ »."
		dotless   = "Adresse e-mail invalide : le domaine après « @ » est incomplet (par exemple exemple.fr)."
		domain    = "Adresse e-mail invalide : le domaine après « @ » est mal formé."
		mailto    = "Adresse e-mail invalide : indiquez l'adresse sans « mailto: » devant."
		tooLong   = "Adresse e-mail invalide : elle dépasse 254 caractères."
		longLocal = "Adresse e-mail invalide : la partie avant « @ » dépasse 64 caractères."
		badChars  = "Adresse e-mail invalide : elle contient des caractères non autorisés."
	)
	for _, tc := range []struct {
		in, want, msg string // want: the stored value when accepted (msg "")
	}{
		// Accepted.
		{"marie.dupont@example.fr", "marie.dupont@example.fr", ""},
		{"  Marie.Dupont@Example.FR ", "marie.dupont@example.fr", ""},
		{"marie+procuration@example.org", "marie+procuration@example.org", ""},
		{"o'brien@example.org", "o'brien@example.org", ""},
		{"jean-pierre_2@mail.sub.example.co.uk", "jean-pierre_2@mail.sub.example.co.uk", ""},
		{"1984@example.org", "1984@example.org", ""},
		{"a@b-c.fr", "a@b-c.fr", ""},
		{"x@123.example.org", "x@123.example.org", ""},
		{"tout!#$%&*/=?^`{|}~@example.org", "tout!#$%&*/=?^`{|}~@example.org", ""},
		{"zoé@exemple.fr", "zoé@exemple.fr", ""},
		{"marie@élysée.fr", "marie@élysée.fr", ""},
		{"marie@xn--lyse-bsab.fr", "marie@xn--lyse-bsab.fr", ""},
		{"δοκιμή@παράδειγμα.δοκιμή", "δοκιμή@παράδειγμα.δοκιμή", ""},
		{strings.Repeat("a", 64) + "@example.org", strings.Repeat("a", 64) + "@example.org", ""},

		// Missing or unfinished.
		{"", "", "L'adresse e-mail est obligatoire."},
		{"marie", "", generic},
		{"marie@", "", generic},
		{"@example.org", "", noLocal},
		{"marie@gmail", "", dotless},
		{"marie@@example.org", "", twoAts},
		{"marie@example@org.fr", "", twoAts},

		// Copied with what surrounds it.
		{"<a@example.org>", "", alone},
		{"Marie Dupont <marie@example.org>", "", alone},
		{`"Marie" marie@example.org`, "", alone},
		{`"marie dupont"@example.org`, "", alone},
		{"mailto:marie@example.org", "", mailto},
		{"marie @example.org", "", space},
		{"marie@example .org", "", space},
		{"ma rie@example.org", "", space},
		{"marie\u00a0dupont@example.org", "", space},
		{"marie@example.org,paul@example.org", "", twoAts},

		// Dots in the local part.
		{"a..b@example.org", "", dots},
		{".marie@example.org", "", dots},
		{"marie.@example.org", "", dots},
		{".@example.org", "", dots},

		// Other characters in the local part.
		{"ma(rie)@example.org", "", localChar},
		{"ma,rie@example.org", "", localChar},
		{"ma;rie@example.org", "", localChar},
		{"ma\\rie@example.org", "", localChar},
		{"o’brien@example.org", "", localChar},
		{"marie€@example.org", "", localChar},

		// Domain.
		{"marie@example..org", "", domain},
		{"marie@.example.org", "", domain},
		{"marie@example.org.", "", domain},
		{"marie@-example.org", "", domain},
		{"marie@example-.org", "", domain},
		{"marie@exa_mple.org", "", domain},
		{"marie@example,org", "", dotless},
		{"marie@gmail,com.fr", "", domain},
		{"marie@[192.0.2.1]", "", domain},
		{"marie@192.0.2.1", "", domain},
		{"marie@example.f", "", domain},
		{"marie@" + strings.Repeat("a", 64) + ".org", "", domain},

		// Length.
		{strings.Repeat("a", 65) + "@example.org", "", longLocal},
		{"marie@" + strings.Repeat(strings.Repeat("a", 60)+".", 5) + "org", "", tooLong},

		// Not printable.
		{"ma\x00rie@example.org", "", badChars},
		{"ma\u202erie@example.org", "", badChars},
	} {
		errs := check.Errors{}
		got := Email(errs, "email", tc.in)
		if errs["email"] != tc.msg {
			t.Errorf("Email(%q): message %q, want %q", tc.in, errs["email"], tc.msg)
			continue
		}
		if tc.msg == "" && got != tc.want {
			t.Errorf("Email(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

package check

import "testing"

func TestInvalidErrorReadsAsSentences(t *testing.T) {
	for _, tc := range []struct {
		err  *Invalid
		want string
	}{
		{&Invalid{Fields: Errors{"role": "Rôle inconnu : admin, organizer ou viewer."}},
			"Certaines informations sont à corriger. role : Rôle inconnu : admin, organizer ou viewer."},
		{&Invalid{Fields: Errors{"scope": "Code invalide", "email": "Adresse e-mail invalide."}},
			"Certaines informations sont à corriger. email : Adresse e-mail invalide. scope : Code invalide."},
		{&Invalid{Summary: "Élection inconnue.", Fields: Errors{"election": "Est-ce la bonne ?"}},
			"Élection inconnue. election : Est-ce la bonne ?"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

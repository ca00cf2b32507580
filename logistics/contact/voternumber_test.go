package contact

import (
	"strings"
	"testing"

	"scrutin/logistics/notify"
)

func TestMaskEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"marie.dupont@gmail.com", "m***@g***.com"},
		{" Marie.Dupont@Exemple.FR ", "m***@e***.fr"},
		{"a@b.co.uk", "a***@b***.uk"},
		{"élodie@laposte.net", "é***@l***.net"},
		{"x@localhost", "x***@l***"},
		{"nobody", "n***"},
		{"", "***"},
	} {
		if got := MaskEmail(tc.in); got != tc.want {
			t.Errorf("MaskEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The messages of a sign-up whose voter number is taken: one to each
// address on record, which shows the sender's address masked only, and
// one to the sender, which names no other address; neither quotes a voter
// number or carries a link (the page link is not sent anywhere).
func TestTakenVoterNumberMessages(t *testing.T) {
	msgs := TakenVoterNumber{Election: "Élection de démonstration", Form: "le formulaire d'inscription des assesseurs et délégués",
		Team: "L'équipe assesseurs et délégués", Kind: "delegate.voter_number", Sender: "usurpateur.bien.connu@exemple.fr",
		Owners: []string{"victime@example.org", "victime.ancienne@example.org"}}.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want one per owner and one to the sender", len(msgs))
	}
	for i, m := range msgs {
		if m.Channel != notify.Email || m.Kind != "delegate.voter_number" || m.Subject == "" ||
			!strings.Contains(m.Body, "Élection de démonstration") || !strings.Contains(m.Body, "le formulaire d'inscription des assesseurs et délégués") ||
			!strings.Contains(m.Body, "\n\nL'équipe assesseurs et délégués\n(Vous recevez ce message parce qu") ||
			strings.Contains(m.Body, "http") || strings.Contains(m.Body, "usurpateur.bien.connu") || strings.Contains(m.Body, "exemple.fr") {
			t.Errorf("message %d to %s: %q\n%s", i, m.Recipient, m.Subject, m.Body)
		}
	}
	for i, owner := range []string{"victime@example.org", "victime.ancienne@example.org"} {
		m := msgs[i]
		if m.Recipient != owner || !strings.Contains(m.Body, "u***@e***.fr") || !strings.Contains(m.Body, "votre numéro national d'électeur") ||
			!strings.Contains(m.Body, "répondez à ce message") || !strings.Contains(m.Body, "Le lien vers votre page n'a pas été envoyé à l'autre adresse") {
			t.Errorf("to the owner %s: %s", owner, m.Body)
		}
	}
	m := msgs[2]
	if m.Recipient != "usurpateur.bien.connu@exemple.fr" || m.Subject != "Votre inscription n'a pas pu être enregistrée" ||
		!strings.Contains(m.Body, "n'a pas pu être enregistrée avec le numéro national d'électeur indiqué") ||
		!strings.Contains(m.Body, "lien reçu à cette adresse-là lors de votre première inscription") ||
		strings.Contains(m.Body, "victime") || strings.Contains(m.Body, "***") {
		t.Errorf("to the sender: %s", m.Body)
	}
}

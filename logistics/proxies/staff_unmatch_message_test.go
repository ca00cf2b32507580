package proxies

import (
	"strings"
	"testing"
)

// Staff's « Désapparier » puts the round back to open: the volunteer is
// told the team withdrew the proposal (or the pair), not that the request
// went to someone else; the other reasons keep their wording.
func TestStaffUnmatchTellsTheTeamWithdrewTheProposal(t *testing.T) {
	p := messagePair()
	p.status = OfferPending
	body := withdrawnVolunteerNote([]withdrawal{{pair: p, reason: "unmatched"}}, "https://x/l")
	if !strings.Contains(body, "L'équipe a retiré cette proposition : vous n'avez plus à y répondre.") ||
		strings.Contains(body, "quelqu'un d'autre") || strings.Contains(body, "réattribuée") || strings.Contains(body, "plus à voter") ||
		strings.Contains(body, "résiliée") {
		t.Errorf("pending offer unmatched:\n%s", body)
	}
	if s := withdrawnVolunteerNoteSubject([]withdrawal{{pair: p, reason: "unmatched"}}); s != "Procuration : l'équipe a retiré la proposition" {
		t.Errorf("subject: %q", s)
	}

	p.status = OfferAccepted
	body = withdrawnVolunteerNote([]withdrawal{{pair: p, reason: "unmatched"}}, "https://x/l")
	if !strings.Contains(body, "L'équipe a annulé cette mise en relation.") || !strings.Contains(body, "Vous n'avez donc plus à voter pour cette personne.") ||
		!strings.Contains(body, "avant d'en accepter une autre pour ce tour, vérifiez sur service-public.fr") ||
		strings.Contains(body, "appariement") || strings.Contains(body, "quelqu'un d'autre") {
		t.Errorf("accepted offer unmatched:\n%s", body)
	}

	p.status = OfferPending
	if body := withdrawnVolunteerNote([]withdrawal{{pair: p, reason: "reassigned"}}, "https://x/l"); !strings.Contains(body, "a été confiée par l'équipe à un·e autre volontaire") {
		t.Errorf("reassigned:\n%s", body)
	}
	if s := withdrawnVolunteerNoteSubject([]withdrawal{{pair: p, reason: "reassigned"}}); s != "Procuration : la demande est confiée à quelqu'un d'autre" {
		t.Errorf("reassigned subject: %q", s)
	}
}

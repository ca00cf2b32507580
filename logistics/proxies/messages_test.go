package proxies

import (
	"strings"
	"testing"
	"time"
)

func messagePair() pair {
	return pair{round: 1, roundDate: time.Date(2027, 4, 11, 0, 0, 0, 0, time.UTC),
		expiresAt: time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC),
		rFirst:    "Jeanne", rLast: "Moreau", rPhone: "+33612345678", rCommuneName: "Digne-les-Bains", rBureau: "2",
		vFirst: "Paul", vLast: "Petit", vPhone: "+442079460958"}
}

// TestMessagesShowPhonesAsReadInFrance: the accepted messages show each
// side's phone as fr.Phone writes it, not in E.164.
func TestMessagesShowPhonesAsReadInFrance(t *testing.T) {
	p := messagePair()
	if body := acceptedMandantBody([]pair{p}, "https://x/l"); !strings.Contains(body, "Téléphone : +44 20 7946 0958\n") {
		t.Errorf("mandant's message:\n%s", body)
	}
	if body := acceptedVolunteerBody([]pair{p}, "https://x/l"); !strings.Contains(body, "(téléphone : 06 12 34 56 78)") {
		t.Errorf("volunteer's message:\n%s", body)
	}
}

// TestExpiredMessageNestsNoBrackets: "la demande de Jeanne pour le tour 1
// (11/04/2027)", not "(le tour 1 (11/04/2027))".
func TestExpiredMessageNestsNoBrackets(t *testing.T) {
	p, p2 := messagePair(), messagePair()
	p2.round, p2.roundDate = 2, time.Date(2027, 4, 25, 0, 0, 0, 0, time.UTC)
	body := expiredVolunteerBody([]pair{p, p2}, "https://x/l")
	if !strings.Contains(body, "la demande de Jeanne pour le tour 1 (11/04/2027) et le tour 2 (25/04/2027) a été proposée") || strings.Contains(body, "))") {
		t.Errorf("expired message:\n%s", body)
	}
}

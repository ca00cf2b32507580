package proxies_test

import (
	"regexp"
	"strings"
	"testing"

	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// withdrawnTo is the proxy.withdrawn messages to recipient, oldest first:
// subject and body.
func (f *fixture) withdrawnTo(t *testing.T, recipient string) [][2]string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT subject, body FROM outbox WHERE recipient = $1 AND kind = 'proxy.withdrawn' ORDER BY id`, recipient)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var m [2]string
		if err := rows.Scan(&m[0], &m[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// bothRounds matches a message naming both rounds in one sentence.
var bothRounds = regexp.MustCompile(`pour le 1er tour \(\d\d/\d\d/\d{4}\) et le 2d tour \(\d\d/\d\d/\d{4}\)`)

// twoRoundPair is a two-round request and a volunteer holding both rounds
// of it, accepted when accept is set (pending otherwise).
func twoRoundPair(t *testing.T, f *fixture, accept bool) (rp, vp proxies.Person, req, vol int64) {
	t.Helper()
	rp = f.person("Jeanne", "04070", "2", 1, 2)
	req = f.request(t, rp)
	vp = f.person("Paul", "04070", "2", 1, 2)
	vol = f.volunteer(t, vp, 10)
	if live := f.liveOffers(t); live[[2]int64{req, 1}] != vol || live[[2]int64{req, 2}] != vol {
		t.Fatalf("offers %v, want both rounds of %d to %d", live, req, vol)
	}
	if accept {
		if err := f.desk.Accept(f.ctx, vol, req); err != nil {
			t.Fatal(err)
		}
	}
	return rp, vp, req, vol
}

// A mandant cancelling a two-round request: the volunteer who held both
// rounds gets one message naming both, not one per round.
func TestCancellingBothRoundsIsOneMessageToTheVolunteer(t *testing.T) {
	for _, accept := range []bool{true, false} {
		f := setup(t)
		_, vp, req, _ := twoRoundPair(t, f, accept)
		if err := f.desk.CancelRequest(f.ctx, req); err != nil {
			t.Fatal(err)
		}
		msgs := f.withdrawnTo(t, vp.Email)
		if len(msgs) != 1 {
			t.Fatalf("accepted %v: %d messages to the volunteer, want 1: %q", accept, len(msgs), msgs)
		}
		subject, body := msgs[0][0], msgs[0][1]
		if subject != "Procuration : la demande est annulée" || !bothRounds.MatchString(body) ||
			!strings.Contains(body, "a été annulée par la personne.") || strings.Count(body, "La demande de procuration") != 1 ||
			strings.Contains(body, "Vous n'avez donc plus à voter pour cette personne.") != accept ||
			strings.Contains(body, "avant d'en accepter une autre pour ces tours, vérifiez sur service-public.fr") != accept {
			t.Fatalf("accepted %v: %q\n%s", accept, subject, body)
		}
	}
}

// A volunteer withdrawing from a two-round proxy: the mandant gets one
// message naming both rounds.
func TestWithdrawingFromBothRoundsIsOneMessageToTheMandant(t *testing.T) {
	f := setup(t)
	rp, _, _, vol := twoRoundPair(t, f, true)
	if err := f.desk.WithdrawVolunteer(f.ctx, vol, staff.ActorPublic); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	msgs := f.withdrawnTo(t, rp.Email)
	if len(msgs) != 1 {
		t.Fatalf("%d messages to the mandant, want 1: %q", len(msgs), msgs)
	}
	subject, body := msgs[0][0], msgs[0][1]
	if subject != "Procuration : votre mandataire se désiste" || !bothRounds.MatchString(body) ||
		!strings.Contains(body, "Paul Test ne peut plus porter votre procuration pour le 1er tour") {
		t.Fatalf("%q\n%s", subject, body)
	}
}

// A mandant moving to another bureau ends both rounds the volunteer held:
// one message; moving and dropping a round at once, still one, a line
// for each reason.
func TestResubmissionEndingBothRoundsIsOneMessage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rounds  []int
		subject string
		lines   []string
	}{
		{"new bureau", []int{1, 2}, "Procuration : la demande a changé",
			[]string{"et le 2d tour", "a changé (autre bureau de vote ou autres tours)."}},
		{"new bureau, round 2 dropped", []int{1}, "Procuration : la demande a changé",
			[]string{"pour le 1er tour (", "a changé (autre bureau de vote ou autres tours).", "pour le 2d tour (", "a été annulée par la personne."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			rp, vp, _, _ := twoRoundPair(t, f, true)
			rp.BureauCode, rp.Rounds = "3", tc.rounds
			if _, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(rp)); err != nil {
				t.Fatal(err)
			}
			f.confirmChange(t, rp.Email)
			msgs := f.withdrawnTo(t, vp.Email)
			if len(msgs) != 1 {
				t.Fatalf("%d messages to the volunteer, want 1: %q", len(msgs), msgs)
			}
			subject, body := msgs[0][0], msgs[0][1]
			rest := body
			for _, l := range tc.lines {
				i := strings.Index(rest, l)
				if i < 0 {
					t.Fatalf("%q missing (or out of order) in:\n%s", l, body)
				}
				rest = rest[i+len(l):]
			}
			if subject != tc.subject || strings.Count(body, "Vous n'avez donc plus à voter pour cette personne.") != 1 {
				t.Fatalf("%q\n%s", subject, body)
			}
		})
	}
}

// A matching run that moves both rounds of a volunteer's offer to another
// volunteer tells them once, naming both rounds, in the message of the
// offer it gives them instead (the swap of
// TestUnansweredOfferIsSwappedSoThatBothAreServed, on two rounds).
func TestMovingBothRoundsIsOneMessageToTheVolunteer(t *testing.T) {
	f := setup(t)
	v1p := f.person("Vera", "04070", "1", 1, 2)
	v1 := f.volunteer(t, v1p, 20)
	r1 := f.request(t, f.person("Rita", "04070", "4", 1, 2))
	f.volunteer(t, f.person("Victor", "04070", "2", 1, 2), 1) // Digne only
	r2 := f.request(t, f.person("Rémi", "04049", "1", 1, 2))
	if live := f.liveOffers(t); live[[2]int64{r2, 1}] != v1 || live[[2]int64{r2, 2}] != v1 || live[[2]int64{r1, 1}] == v1 {
		t.Fatalf("offers %v: R2 %d should have moved to V1 %d on both rounds", live, r2, v1)
	}
	if msgs := f.withdrawnTo(t, v1p.Email); len(msgs) != 0 {
		t.Fatalf("V1 told of the move apart from the new offer: %v", msgs)
	}
	var offers []string
	for _, m := range f.outboxSince(t, 0, v1p.Email) {
		if m.kind == "proxy.offer" {
			offers = append(offers, m.body)
		}
	}
	// Rita's offer, then Rémi's with the move.
	if len(offers) != 2 || strings.Count(offers[1], "La demande de procuration de Rita") != 1 ||
		!regexp.MustCompile(bothRounds.String()+`, que nous vous avions proposée, est confiée à quelqu'un d'autre`).MatchString(offers[1]) ||
		!regexp.MustCompile(`Rémi \(Château-Arnoux-Saint-Auban\) cherche un·e mandataire pour le 1er tour \(\d\d/\d\d/\d{4}\) et le 2d tour`).MatchString(offers[1]) {
		t.Fatalf("V1's %d offer messages: %q", len(offers), offers)
	}
}

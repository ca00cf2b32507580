package proxies_test

import (
	"strings"
	"testing"

	"scrutin/logistics/notify"
	"scrutin/logistics/proxies"
)

// outboxMsg is one outbox row, as the moved-offer tests read them.
type outboxMsg struct {
	channel, kind, subject, body string
}

// outboxSince is the messages written after id to any of recipients (an
// e-mail address, a phone): the e-mails, then the SMS, each oldest first
// (a batch writes on two connections at once: the ids of one run do not
// follow the order of its messages).
func (f *fixture) outboxSince(t *testing.T, id int64, recipients ...string) []outboxMsg {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT channel, kind, coalesce(subject, ''), body FROM outbox
		WHERE id > $1 AND recipient = ANY ($2) ORDER BY channel, id`, id, recipients)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxMsg
	for rows.Next() {
		var m outboxMsg
		if err := rows.Scan(&m.channel, &m.kind, &m.subject, &m.body); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// lastOutboxID is the newest outbox row's id (0 when empty).
func (f *fixture) lastOutboxID(t *testing.T) int64 {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(f.ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// mobile is a fixture person's phone as the outbox holds it (E.164).
func mobile(p proxies.Person) string { return "+33" + p.Phone[1:] }

// swap is the situation of TestUnansweredOfferIsSwappedSoThatBothAreServed:
// V1 (Digne, 20 km) holds R1's (Digne) unanswered offer, V2 can serve
// only Digne, and R2 arrives in Château-Arnoux (19 km), which only V1
// can serve. arrive adds R2 and plans (the instant path, or a batch).
type swap struct {
	v1p, v2p proxies.Person
	v1, v2   int64
	r1, r2   int64
	before   int64 // the outbox before R2's run
}

func setupSwap(t *testing.T, f *fixture, batch bool) *swap {
	t.Helper()
	s := &swap{v1p: f.person("Vera", "04070", "1"), v2p: f.person("Victor", "04070", "2")}
	s.v1 = f.volunteer(t, s.v1p, 20)
	s.r1 = f.request(t, f.person("Rita", "04070", "4"))
	if batch {
		if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	s.v2 = f.volunteer(t, s.v2p, 1) // Digne only
	if got := f.liveOffers(t)[[2]int64{s.r1, 1}]; got != s.v1 {
		t.Fatalf("R1 offered to %d, want V1 %d", got, s.v1)
	}
	s.before = f.lastOutboxID(t)
	s.r2 = f.request(t, f.person("Rémi", "04049", "1"))
	if batch {
		res, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Moved != 1 || res.Proposed != 1 {
			t.Fatalf("batch %+v, want R1 moved and R2 proposed", res)
		}
	}
	live := f.liveOffers(t)
	if live[[2]int64{s.r1, 1}] != s.v2 || live[[2]int64{s.r2, 1}] != s.v1 {
		t.Fatalf("R1→%d R2→%d, want R1→V2 %d, R2→V1 %d", live[[2]int64{s.r1, 1}], live[[2]int64{s.r2, 1}], s.v2, s.v1)
	}
	return s
}

// checkSwapMessages: V1 gets one e-mail and one SMS that say Rita's
// request went to someone else and propose Rémi's, with one link to V1's
// page and the deadline; V2 gets Rita's offer as any offer.
func checkSwapMessages(t *testing.T, f *fixture, s *swap) {
	t.Helper()
	msgs := f.outboxSince(t, s.before, s.v1p.Email, mobile(s.v1p))
	if len(msgs) != 2 || msgs[0].channel != "email" || msgs[1].channel != "sms" {
		t.Fatalf("V1 got %d messages for the run, want one e-mail and one SMS: %+v", len(msgs), msgs)
	}
	mail, text := msgs[0], msgs[1]
	if mail.kind != "proxy.offer" || text.kind != "proxy.offer" {
		t.Fatalf("kinds %q and %q, want proxy.offer", mail.kind, text.kind)
	}
	for _, want := range []string{
		"Bonjour Vera,",
		"La demande de procuration de Rita pour le 1er tour (",
		"confiée à quelqu'un d'autre",
		"Rémi (Château-Arnoux-Saint-Auban) cherche",
		"Acceptez ou refusez avant le ",
	} {
		if !strings.Contains(mail.body, want) {
			t.Errorf("e-mail lacks %q:\n%s", want, mail.body)
		}
	}
	if strings.Index(mail.body, "Rita") > strings.Index(mail.body, "Rémi") {
		t.Errorf("e-mail proposes Rémi before it says Rita's request is gone:\n%s", mail.body)
	}
	if mail.subject != "Proposition modifiée : une autre personne a besoin de vous pour voter" {
		t.Errorf("subject %q", mail.subject)
	}
	tok := linkRe.FindStringSubmatch(mail.body)
	if tok == nil {
		t.Fatalf("no link in the e-mail:\n%s", mail.body)
	}
	owner, err := proxies.ResolveLink(f.ctx, f.pool, tok[1], f.clock.Now())
	if err != nil || owner.VolunteerID != s.v1 {
		t.Fatalf("the link opens %+v (%v), want V1's page", owner, err)
	}
	// The SMS names nobody (the e-mail does): one SMS, in the GSM alphabet.
	if !strings.HasPrefix(text.body, "Proposition modifiée : ") || !strings.Contains(text.body, "répondez avant le ") ||
		!strings.HasSuffix(text.body, "\n"+tok[0]) || notify.SMSSegments(text.body) != 1 {
		t.Errorf("SMS: %q", text.body)
	}

	msgs = f.outboxSince(t, s.before, s.v2p.Email, mobile(s.v2p))
	if len(msgs) != 2 || msgs[0].kind != "proxy.offer" || msgs[0].subject != "Une personne a besoin de vous pour voter" ||
		!strings.HasPrefix(msgs[0].body, "Bonjour Victor,\n\nRita (Digne-les-Bains) cherche") || strings.Contains(msgs[0].body, "confiée") ||
		msgs[1].channel != "sms" || !strings.HasPrefix(msgs[1].body, "Procuration à porter le ") {
		t.Fatalf("V2 got %+v, want Rita's offer alone (e-mail and SMS)", msgs)
	}
}

// The instant path moves V1's unanswered offer to V2 to serve a new
// request only V1 can serve: V1 is told once, the move and the new
// offer together.
func TestInstantMovedOfferIsOneMessage(t *testing.T) {
	f := setup(t)
	f.desk.SMS = true
	checkSwapMessages(t, f, setupSwap(t, f, false))
}

// The batch does the same swap through the same write: the same single
// message.
func TestBatchMovedOfferIsOneMessage(t *testing.T) {
	f := batchSetup(t)
	f.desk.SMS = true
	checkSwapMessages(t, f, setupSwap(t, f, true))
}

// A volunteer whose unanswered offer goes to someone nearer, with nothing
// else for them, gets the withdrawal alone, and no offer.
func TestMovedOfferWithoutNewOneIsAWithdrawal(t *testing.T) {
	f := setup(t)
	f.desk.SMS = true
	v1p := f.person("Vera", "04049", "1") // Château-Arnoux, 19 km from Digne
	v1 := f.volunteer(t, v1p, 20)
	r1 := f.request(t, f.person("Rita", "04070", "4"))
	if got := f.liveOffers(t)[[2]int64{r1, 1}]; got != v1 {
		t.Fatalf("R1 offered to %d, want V1 %d", got, v1)
	}
	before := f.lastOutboxID(t)
	v2 := f.volunteer(t, f.person("Victor", "04070", "4"), 1) // Rita's bureau
	if got := f.liveOffers(t)[[2]int64{r1, 1}]; got != v2 {
		t.Fatalf("R1 offered to %d, want V2 %d (same bureau)", got, v2)
	}
	msgs := f.outboxSince(t, before, v1p.Email, mobile(v1p))
	if len(msgs) != 1 || msgs[0].kind != "proxy.withdrawn" || !strings.Contains(msgs[0].body, "La demande de procuration de Rita pour le 1er tour") ||
		!strings.Contains(msgs[0].body, "confiée à un·e autre volontaire") || strings.Contains(msgs[0].body, "cherche") {
		t.Fatalf("V1 got %+v, want the withdrawal alone", msgs)
	}
}

// A batch writes early the offers its plan settles first (earlyOffers),
// before it knows which unanswered offers it moves: a volunteer holding
// one waits for the write, so that losing it in one round and getting a
// request in the other is still one message. V1 (Château-Arnoux, both
// rounds) holds Rita's round 1 in Digne; V2 joins Rita's bureau, and
// Château-Arnoux has requests and volunteers to spare in round 2.
func TestBatchMovedOfferIsOneMessageWithEarlyOffers(t *testing.T) {
	f := batchSetup(t)
	f.desk.SMS = true
	v1p := f.person("Vera", "04049", "1", 1, 2)
	v1 := f.volunteer(t, v1p, 20)
	r1 := f.request(t, f.person("Rita", "04070", "4", 1))
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.liveOffers(t)[[2]int64{r1, 1}]; got != v1 {
		t.Fatalf("R1 offered to %d, want V1 %d", got, v1)
	}
	v2 := f.volunteer(t, f.person("Victor", "04070", "4", 1), 1)
	for i := 0; i < 3; i++ {
		f.request(t, f.person("Marie", "04049", "1", 2))
	}
	for i := 0; i < 6; i++ {
		f.volunteer(t, f.person("Luc", "04049", "1", 2), 10)
	}
	before := f.lastOutboxID(t)
	res, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Moved != 1 || res.Early == 0 {
		t.Fatalf("batch %+v, want R1 moved and offers written early", res)
	}
	got := 0
	for k, v := range f.liveOffers(t) {
		if v == v1 && k[1] == 2 {
			got++
		}
	}
	if f.liveOffers(t)[[2]int64{r1, 1}] != v2 || got != 1 {
		t.Fatalf("R1 to %d, want V2 %d; V1 has %d offers in round 2, want 1", f.liveOffers(t)[[2]int64{r1, 1}], v2, got)
	}
	msgs := f.outboxSince(t, before, v1p.Email, mobile(v1p))
	if len(msgs) != 2 || msgs[0].channel != "email" || msgs[1].channel != "sms" || msgs[0].kind != "proxy.offer" ||
		!strings.Contains(msgs[0].body, "La demande de procuration de Rita pour le 1er tour (") ||
		!strings.Contains(msgs[0].body, "confiée à quelqu'un d'autre") ||
		!strings.Contains(msgs[0].body, "Marie (Château-Arnoux-Saint-Auban) cherche un·e mandataire pour le 2d tour (") ||
		!strings.HasPrefix(msgs[1].body, "Proposition modifiée : procuration à porter le ") {
		t.Fatalf("V1 got %+v, want one e-mail and one SMS: Rita's request gone, Marie's proposed", msgs)
	}
}

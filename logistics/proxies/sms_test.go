package proxies

import (
	"strings"
	"testing"
	"time"

	"scrutin/logistics/notify"
	"scrutin/logistics/token"
)

// smsBases are base URLs (SCRUTIN_BASE_URL) from the tests' to the
// longest with which every text still fits one SMS: 46 characters, the
// private link then 104 (token.New's secrets are 43).
var smsBases = []string{
	"http://test",
	"http://127.0.0.1:8080",
	"https://procurations.example.org",
	"https://procurations.mon-mouvement-citoyens.fr",
}

// smsWorstPair is a pair whose every name would break an SMS: too long,
// and outside the GSM alphabet ("ç", "ë", "ï", "ô", "â", "’", "·").
func smsWorstPair(round int, day time.Time) pair {
	p := messagePair()
	p.round, p.roundDate = round, day
	p.rFirst, p.rLast = "Marie-Françoise-Gaëlle", "D’Alembert-Saint-Exupéry de la Tour-Maubourg"
	p.rCommuneName, p.rBureau, p.rBureauName = "Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson", "1234", "École élémentaire Jean-Jaurès · salle n°2"
	p.vFirst, p.vLast = "Jean-Loïc-Côme", "Château-Brûlé de Montaigu·e"
	p.vPhone = "+33612345678"
	return p
}

var (
	smsRound1 = time.Date(2027, 4, 11, 0, 0, 0, 0, time.UTC)
	smsRound2 = time.Date(2027, 4, 25, 0, 0, 0, 0, time.UTC)
	// 18h30 in Paris (summer time): the deadline reads "30/03 à 18h30".
	smsExpiry = time.Date(2027, 3, 30, 16, 30, 0, 0, time.UTC)
)

// smsOffer renders the SMS of an offer of both rounds as a batch or a
// manual match does (offerRenderer), with a real secret; moved when it
// also tells of a moved offer.
func smsOffer(t *testing.T, base string, rounds []int, moved bool) (text, link string) {
	t.Helper()
	d := &Desk{BaseURL: base, SMS: true}
	p := smsWorstPair(1, smsRound1)
	note := offerNote{volunteerID: 1, requestID: 2, rounds: rounds, expires: smsExpiry}
	if moved {
		gone := smsWorstPair(1, smsRound1)
		gone.requestID, gone.rFirst = 3, "Anne-Sophie-Bérénice"
		note.moved = []withdrawal{{gone, "moved"}}
	}
	o := d.offerRenderer(func(offerNote) pair { return p }, map[int]time.Time{1: smsRound1, 2: smsRound2}, []offerNote{note})
	secret, _ := token.New()
	m := o.render(note, secret, true)
	if m.Channel != notify.SMS || m.Recipient != p.vPhone || m.Kind != "proxy.offer" {
		t.Fatalf("rendered %+v, want an SMS offer to %s", m, p.vPhone)
	}
	return m.Body, d.url(secret)
}

// TestSMSTextsFitOneSMSWithALongLink: every text message, with the
// private link it carries, the longest base URL, both rounds and names
// that would each break it, is one SMS in the GSM alphabet, names nobody
// and ends with its link.
func TestSMSTextsFitOneSMSWithALongLink(t *testing.T) {
	p1, p2 := smsWorstPair(1, smsRound1), smsWorstPair(2, smsRound2)
	for _, base := range smsBases {
		d := &Desk{BaseURL: base}
		secret, _ := token.New()
		link := d.url(secret)
		type text struct{ name, body, link string }
		texts := []text{
			{"accepted, one round", acceptedMandantSMS([]pair{p1}, link), link},
			{"accepted, both rounds", acceptedMandantSMS([]pair{p1, p2}, link), link},
			{"reminder", reminderMandantSMS(p2, link), link},
		}
		for _, tc := range []struct {
			name   string
			rounds []int
			moved  bool
		}{
			{"offer, one round", []int{1}, false},
			{"offer, both rounds", []int{1, 2}, false},
			{"moved offer, one round", []int{2}, true},
			{"moved offer, both rounds", []int{1, 2}, true},
		} {
			body, link := smsOffer(t, base, tc.rounds, tc.moved)
			texts = append(texts, text{tc.name, body, link})
		}
		for _, tc := range texts {
			t.Run(base+"/"+tc.name, func(t *testing.T) {
				if n := notify.SMSSegments(tc.body); n != 1 || !notify.IsGSM(tc.body) {
					t.Errorf("%d SMS (GSM alphabet: %v), %d characters:\n%s", n, notify.IsGSM(tc.body), len([]rune(tc.body)), tc.body)
				}
				if !strings.HasSuffix(tc.body, "\n"+tc.link) {
					t.Errorf("does not end with its link %s:\n%s", tc.link, tc.body)
				}
				for _, name := range []string{"Marie", "Alembert", "Saint-Rémy", "Jean", "Montaigu", "Anne", "1234"} {
					if strings.Contains(tc.body, name) {
						t.Errorf("names %q:\n%s", name, tc.body)
					}
				}
				t.Logf("%d characters: %q", len([]rune(tc.body)), tc.body)
			})
		}
	}
}

// TestSMSTextsGiveTheDatesWhenTheyFit: a text says the vote dates when
// the link leaves room for them, else only what to do and by when.
func TestSMSTextsGiveTheDatesWhenTheyFit(t *testing.T) {
	const short, long = "http://127.0.0.1:8080", "https://procurations.mon-mouvement-citoyens.fr"
	p1, p2 := smsWorstPair(1, smsRound1), smsWorstPair(2, smsRound2)
	for _, tc := range []struct {
		name, base string
		text       func(link string) string // "" for an offer
		rounds     []int
		moved      bool
		want       string // before "\n" and the link
	}{
		{"offer, both rounds", short, nil, []int{1, 2}, false,
			"Procuration à porter le 11/04 et le 25/04 : répondez avant le 30/03 à 18h30."},
		{"offer, long link", long, nil, []int{1, 2}, false,
			"Procuration à porter : répondez avant le 30/03 à 18h30."},
		{"moved offer", "http://test", nil, []int{1}, true,
			"Proposition modifiée : procuration à porter le 11/04, répondez avant le 30/03 à 18h30."},
		{"moved offer, long link", short, nil, []int{1, 2}, true,
			"Proposition modifiée : répondez avant le 30/03 à 18h30."},
		{"accepted", short, func(l string) string { return acceptedMandantSMS([]pair{p1}, l) }, nil, false,
			"Votre mandataire a accepté pour le 11/04 : établissez la procuration."},
		{"accepted, both rounds", "http://test", func(l string) string { return acceptedMandantSMS([]pair{p1, p2}, l) }, nil, false,
			"Votre mandataire a accepté pour le 11/04 et le 25/04 : établissez la procuration."},
		{"accepted, long link", long, func(l string) string { return acceptedMandantSMS([]pair{p1, p2}, l) }, nil, false,
			"Votre mandataire a accepté : établissez la procuration."},
		{"reminder", short, func(l string) string { return reminderMandantSMS(p2, l) }, nil, false,
			"Vote le 25/04 : procuration établie ? Sinon, faites-la aujourd'hui."},
		{"reminder, long link", long, func(l string) string { return reminderMandantSMS(p2, l) }, nil, false,
			"Vote le 25/04 : faites la procuration aujourd'hui."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body, link string
			if tc.text == nil {
				body, link = smsOffer(t, tc.base, tc.rounds, tc.moved)
			} else {
				secret, _ := token.New()
				link = (&Desk{BaseURL: tc.base}).url(secret)
				body = tc.text(link)
			}
			if want := tc.want + "\n" + link; body != want || notify.SMSSegments(body) != 1 {
				t.Errorf("SMS (%d):\n%s\nwant:\n%s", notify.SMSSegments(body), body, want)
			}
		})
	}
}

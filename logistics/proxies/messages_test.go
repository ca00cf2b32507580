package proxies

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"scrutin/logistics/elections"
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

// TestExpiredMessageNestsNoBrackets: "la demande de Jeanne pour le 1er tour
// (11/04/2027)", not "(le 1er tour (11/04/2027))".
func TestExpiredMessageNestsNoBrackets(t *testing.T) {
	p, p2 := messagePair(), messagePair()
	p2.round, p2.roundDate = 2, time.Date(2027, 4, 25, 0, 0, 0, 0, time.UTC)
	body := expiredVolunteerBody([]pair{p, p2}, "https://x/l")
	if !strings.Contains(body, "la demande de Jeanne pour le 1er tour (11/04/2027) et le 2d tour (25/04/2027) a été proposée") || strings.Contains(body, "))") {
		t.Errorf("expired message:\n%s", body)
	}
}

// TestWithdrawnNoteNamesEveryRoundOnce: the offers of one pair withdrawn
// together make one message, a sentence per reason in round order.
func TestWithdrawnNoteNamesEveryRoundOnce(t *testing.T) {
	p, p2 := messagePair(), messagePair()
	p2.round, p2.roundDate = 2, time.Date(2027, 4, 25, 0, 0, 0, 0, time.UTC)
	p.status, p2.status = OfferAccepted, OfferPending
	body := withdrawnVolunteerNote([]withdrawal{{p2, "cancelled"}, {p, "cancelled"}}, "https://x/l")
	if !strings.Contains(body, "La demande de procuration de Jeanne pour le 1er tour (11/04/2027) et le 2d tour (25/04/2027) a été annulée par la personne.\n"+
		"Vous n'avez donc plus à voter pour cette personne.\n"+
		"Si la procuration avait déjà été établie, elle reste valable tant que la personne ne l'a pas résiliée. "+
		"Comme on ne peut porter qu'une procuration établie en France par tour, avant d'en accepter une autre pour le 1er tour (11/04/2027), "+
		"vérifiez sur service-public.fr (« Interroger sa situation électorale ») qu'elle n'y figure plus.\n"+
		"Vous restez inscrit·e") {
		t.Errorf("both rounds cancelled, the 1st accepted:\n%s", body)
	}
	// Every round named accepted: "ce tour", "ces tours".
	p2.status = OfferAccepted
	for _, tc := range []struct {
		ws   []withdrawal
		want string
	}{
		{[]withdrawal{{p, "cancelled"}}, "avant d'en accepter une autre pour ce tour, vérifiez"},
		{[]withdrawal{{p2, "cancelled"}, {p, "cancelled"}}, "avant d'en accepter une autre pour ces tours, vérifiez"},
		{[]withdrawal{{p2, "cancelled"}, {p, "request_changed"}}, "avant d'en accepter une autre pour ces tours, vérifiez"},
	} {
		if body := withdrawnVolunteerNote(tc.ws, "https://x/l"); strings.Count(body, tc.want) != 1 || strings.Count(body, "résiliée") != 1 {
			t.Errorf("%d rounds accepted: want %q once:\n%s", len(tc.ws), tc.want, body)
		}
	}
	p2.status = OfferPending
	// Nothing accepted, nothing to warn of.
	if body := withdrawnVolunteerNote([]withdrawal{{p2, "cancelled"}}, "https://x/l"); strings.Contains(body, "résiliée") || strings.Contains(body, "plus à voter") {
		t.Errorf("pending offer cancelled:\n%s", body)
	}
	mixed := []withdrawal{{p2, "cancelled"}, {p, "request_changed"}}
	body = withdrawnVolunteerNote(mixed, "https://x/l")
	if !strings.Contains(body, "pour le 1er tour (11/04/2027) a changé (autre bureau de vote ou autres tours).\n"+
		"La demande de procuration de Jeanne pour le 2d tour (25/04/2027) a été annulée par la personne.\n") ||
		withdrawnVolunteerNoteSubject(mixed) != "Procuration : la demande a changé" {
		t.Errorf("rounds ended for two reasons: %q\n%s", withdrawnVolunteerNoteSubject(mixed), body)
	}
	body = withdrawnMandantBody([]withdrawal{{p2, "volunteer_withdrew"}, {p, "volunteer_withdrew"}}, "https://x/l")
	if !strings.Contains(body, "Paul Petit ne peut plus porter votre procuration pour le 1er tour (11/04/2027) et le 2d tour (25/04/2027).\n") {
		t.Errorf("mandant's message:\n%s", body)
	}
}

// TestMessagesQuoteButtonsAsThePagesLabelThem: every « … » a message
// tells people to click is the label of a button on the page its link
// opens (templates/proxies), word for word, or of a service elsewhere
// (outside).
func TestMessagesQuoteButtonsAsThePagesLabelThem(t *testing.T) {
	// A button's label is what it shows: words for screen readers only
	// (a round, a name) follow it in a span.
	buttonRe := regexp.MustCompile(`<button[^>]*>([^<]+)(?:<span class="sr-only">[^<]*</span>)?</button>`)
	quoteRe := regexp.MustCompile(`« ([^»]+) »`)
	labels := func(page string) map[string]bool {
		b, err := os.ReadFile(filepath.Join("..", "..", "templates", "proxies", page))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, m := range buttonRe.FindAllStringSubmatch(string(b), -1) {
			out[strings.TrimSpace(html.UnescapeString(m[1]))] = true
		}
		return out
	}
	mandantPage, volunteerPage := labels("request_page.html"), labels("volunteer_page.html")
	// service-public.fr's, where a mandataire checks their proxies.
	outside := map[string]bool{"Interroger sa situation électorale": true}
	p, p2 := messagePair(), messagePair()
	p2.round = 2
	p.status = OfferAccepted
	link := "https://x/l"
	for _, tc := range []struct {
		name    string
		body    string
		buttons map[string]bool
		quotes  int // how many buttons the message names, at least
	}{
		{"accepted, to the mandant", acceptedMandantBody([]pair{p}, link), mandantPage, 2},
		{"accepted both rounds, to the mandant", acceptedMandantBody([]pair{p, p2}, link), mandantPage, 2},
		{"accepted, SMS", acceptedMandantSMS([]pair{p}, link), mandantPage, 0},
		{"reminder", reminderMandantBody(p, link), mandantPage, 0},
		{"reminder, SMS", reminderMandantSMS(p, link), mandantPage, 0},
		{"cancelled", cancelledMandantBody("Jeanne", link), mandantPage, 0},
		{"volunteer gone", withdrawnMandantBody([]withdrawal{{p, "volunteer_withdrew"}}, link), mandantPage, 0},
		{"accepted, to the volunteer", acceptedVolunteerBody([]pair{p}, link), volunteerPage, 0},
		{"established", establishedVolunteerBody(p, link), volunteerPage, 0},
		{"expired", expiredVolunteerBody([]pair{p}, link), volunteerPage, 0},
		{"withdrawn", withdrawnVolunteerNote([]withdrawal{{pair: p, reason: "cancelled"}}, link), volunteerPage, 0},
		{"withdrawn self", withdrawnSelfBody("Paul", link), volunteerPage, 0},
		{"offer", offerVolunteerBody(p, "", "le 1er tour (11/04/2027)", nil, "30/03/2027 à 18h00", link), volunteerPage, 0},
		{"offer, SMS", offerVolunteerSMS(false, "le 11/04", "30/03 à 18h00", link), volunteerPage, 0},
		{"offer after a move", offerVolunteerBody(p, movedVolunteerLines([]withdrawal{{p2, "moved"}}), "le 1er tour (11/04/2027)", nil, "30/03/2027 à 18h00", link), volunteerPage, 0},
		{"offer after a move, SMS", offerVolunteerSMS(true, "le 11/04", "30/03 à 18h00", link), volunteerPage, 0},
	} {
		quotes := quoteRe.FindAllStringSubmatch(tc.body, -1)
		if len(quotes) < tc.quotes {
			t.Errorf("%s: %d buttons named, want %d:\n%s", tc.name, len(quotes), tc.quotes, tc.body)
		}
		for _, q := range quotes {
			if !tc.buttons[q[1]] && !outside[q[1]] {
				t.Errorf("%s: « %s » is no button of the page (%v)", tc.name, q[1], tc.buttons)
			}
		}
	}
	if body := acceptedMandantBody([]pair{p, p2}, link); !strings.Contains(body, "« J'ai établi la procuration » sur la ligne de chaque tour.") {
		t.Errorf("two rounds, two buttons:\n%s", body)
	}
}

// TestMovedOfferTellsTheMoveThenTheOffer: the message of a volunteer
// whose unanswered offers a run gave to others, and who gets a new one,
// says first what went (a line per request, naming its rounds), then
// proposes the new request as any offer does (its SMS: sms_test.go).
// Without moves, the offer is the plain one.
func TestMovedOfferTellsTheMoveThenTheOffer(t *testing.T) {
	p, p2 := messagePair(), messagePair()
	p.requestID, p2.requestID = 1, 1
	p2.round, p2.roundDate = 2, time.Date(2027, 4, 25, 0, 0, 0, 0, time.UTC)
	anne := messagePair()
	anne.requestID, anne.rFirst = 2, "Anne"
	offer := messagePair()
	offer.requestID, offer.rFirst, offer.rCommuneName, offer.rBureau = 3, "Rémi", "Château-Arnoux-Saint-Auban", ""
	rounds, deadline, link := "le 1er tour (11/04/2027)", "30/03/2027 à 18h00", "https://x/l"

	both := []withdrawal{{p2, "moved"}, {p, "moved"}}
	body := offerVolunteerBody(offer, movedVolunteerLines(both), rounds, nil, deadline, link)
	want := "Bonjour Paul,\n\nLa demande de procuration de Jeanne pour le 1er tour (11/04/2027) et le 2d tour (25/04/2027), que nous vous avions proposée, " +
		"est confiée à quelqu'un d'autre : vous n'avez plus à y répondre.\n"
	if !strings.HasPrefix(body, want) || strings.Count(body, "La demande de procuration") != 1 ||
		!strings.Contains(body, "nous vous proposons celle-ci :\n\nRémi (Château-Arnoux-Saint-Auban) cherche") ||
		!strings.Contains(body, "Acceptez ou refusez avant le 30/03/2027 à 18h00, sinon la demande ira à quelqu'un d'autre : https://x/l\n") {
		t.Errorf("both rounds of one request moved:\n%s", body)
	}
	if plain := offerVolunteerBody(offer, movedVolunteerLines(nil), rounds, nil, deadline, link); !strings.HasPrefix(plain, "Bonjour Paul,\n\nRémi (") ||
		offerVolunteerSubject(false) != "Une personne a besoin de vous pour voter" || offerVolunteerSubject(true) == offerVolunteerSubject(false) {
		t.Errorf("no move, a plain offer:\n%s", plain)
	}

	two := []withdrawal{{p, "moved"}, {anne, "moved"}}
	if body := movedVolunteerLines(two); strings.Count(body, "La demande de procuration") != 2 ||
		!strings.Contains(body, "La demande de procuration d'Anne pour le 1er tour (11/04/2027), que nous") {
		t.Errorf("two requests moved:\n%s", body)
	}
}

// TestTellMovedGivesTheMoveToOneOffer: a volunteer given two new requests
// hears of the move once, in the first one's message; the others' offers
// are plain.
func TestTellMovedGivesTheMoveToOneOffer(t *testing.T) {
	notes := []offerNote{{volunteerID: 1, requestID: 10}, {volunteerID: 2, requestID: 11}, {volunteerID: 1, requestID: 12}}
	w := withdrawal{pair: pair{volunteerID: 1, requestID: 9}, reason: "moved"}
	tellMoved(notes, map[int64][]withdrawal{1: {w}})
	if len(notes[0].moved) != 1 || notes[1].moved != nil || notes[2].moved != nil {
		t.Fatalf("moved given to %v, %v, %v; want the first note only", notes[0].moved, notes[1].moved, notes[2].moved)
	}
}

// TestSignUpMessagesNameTheElection: the acknowledgements name the
// election as a title after « l'élection », not bare after « pour ».
func TestSignUpMessagesNameTheElection(t *testing.T) {
	e := &elections.Election{Name: "Élection de démonstration", Rounds: []elections.Round{
		{Number: 1, Date: time.Date(2027, 4, 11, 0, 0, 0, 0, time.UTC)}}}
	v := &validPerson{election: e, first: "Jeanne", rounds: []int{1}}
	for name, body := range map[string]string{
		"request created":   requestCreatedBody(v, "https://x/l"),
		"request updated":   requestUpdatedBody(v, "https://x/l"),
		"volunteer created": volunteerCreatedBody(&validVolunteer{validPerson: v}, "https://x/l"),
	} {
		if !strings.Contains(body, "pour l'élection « Élection de démonstration »") || strings.Contains(body, "pour Élection") {
			t.Errorf("%s:\n%s", name, body)
		}
	}
	for name, body := range map[string]string{
		"request created":   requestCreatedBody(v, "https://x/l"),
		"volunteer created": volunteerCreatedBody(&validVolunteer{validPerson: v}, "https://x/l"),
	} {
		if !strings.Contains(body, "« Élection de démonstration », pour le 1er tour (11/04/2027).") {
			t.Errorf("%s, the rounds after « pour »:\n%s", name, body)
		}
	}
}

// TestMessagesSayDeBeforeACommune: a commune after « de » takes its
// article's contraction (fr.OfPlace): « du Havre », « d'Arles ».
func TestMessagesSayDeBeforeACommune(t *testing.T) {
	p := messagePair()
	for _, tc := range []struct{ commune, bureau, want string }{
		{"Le Havre", "", "voter pour cette personne dans un bureau du Havre (à préciser avec elle)."},
		{"Les Abymes", "", "dans un bureau des Abymes (à préciser avec elle)."},
		{"Arles", "", "dans un bureau d'Arles (à préciser avec elle)."},
		{"La Rochelle", "", "dans un bureau de La Rochelle (à préciser avec elle)."},
		{"Le Havre", "3", "voter pour cette personne au bureau 3 du Havre."},
	} {
		p.rCommuneName, p.rBureau = tc.commune, tc.bureau
		if body := offerVolunteerBody(p, "", "le 1er tour (11/04/2027)", nil, "30/03/2027 à 18h00", "https://x/l"); !strings.Contains(body, tc.want) {
			t.Errorf("offer in %s:\n%s", tc.commune, body)
		}
	}
	p.rCommuneName, p.rBureau = "Les Abymes", ""
	if s := p.bureauText(); s != "dans un bureau de vote des Abymes (la personne ne connaît pas son bureau : elle vous le précisera)" {
		t.Errorf("no bureau: %q", s)
	}
}

// TestAcceptedMessagesSayWhatIsDone: before the mandant establishes the
// proxy, the volunteer has accepted to carry it; the steps name the
// rounds to choose and what to bring to the police; once established,
// the volunteer can check it on service-public.fr.
func TestAcceptedMessagesSayWhatIsDone(t *testing.T) {
	p := messagePair()
	if body := acceptedVolunteerBody([]pair{p}, "https://x/l"); !strings.Contains(body, "Merci ! Vous avez accepté de porter la procuration de Jeanne Moreau") ||
		strings.Contains(body, "Vous portez") {
		t.Errorf("accepted, to the volunteer:\n%s", body)
	}
	body := acceptedMandantBody([]pair{p}, "https://x/l")
	for _, want := range []string{
		"2. Faites la demande sur https://www.maprocuration.gouv.fr avec ces informations, pour le 1er tour (11/04/2027) seulement.\n",
		"au commissariat, à la gendarmerie ou au consulat avec votre pièce d'identité et la référence reçue par e-mail.\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("accepted, to the mandant: no %q in\n%s", want, body)
		}
	}
	if body := establishedVolunteerBody(p, "https://x/l"); !strings.Contains(body, "Vous pouvez vérifier que la procuration est bien enregistrée sur service-public.fr (« Interroger sa situation électorale »).") {
		t.Errorf("established:\n%s", body)
	}
	if body := withdrawnMandantBody([]withdrawal{{p, "unmatched"}}, "https://x/l"); !strings.Contains(body, "L'équipe a annulé cette mise en relation.") || strings.Contains(body, "appariement") {
		t.Errorf("unmatched, to the mandant:\n%s", body)
	}
}

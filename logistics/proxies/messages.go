package proxies

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
)

// Every message a voter or volunteer receives, in French. Bodies are plain
// text; each carries a fresh private link to the person's own page.

const signature = "\n\nL'équipe procurations\n(Ce lien est personnel : ne le transférez pas.)"

func frDate(t time.Time) string { return t.Format("02/01/2006") }

func roundsText(e interface{ roundLine(int) string }, rounds []int) string {
	parts := make([]string, len(rounds))
	for i, r := range rounds {
		parts[i] = e.roundLine(r)
	}
	return strings.Join(parts, " et ")
}

func (v *validPerson) roundLine(n int) string {
	r, _ := v.election.Round(n)
	return fr.TheRound("le", n) + " (" + frDate(r.Date) + ")"
}

func requestCreatedBody(v *validPerson, link string) string {
	return fmt.Sprintf(`Bonjour %s,

Nous avons bien reçu votre demande de procuration pour l'élection « %s », pour %s.
Nous cherchons un·e volontaire qui votera pour vous dans votre bureau de vote. Vous recevrez un message dès qu'une personne aura accepté.

Suivre ou annuler votre demande : %s`, v.first, v.election.Name, roundsText(v, v.rounds), link) + signature
}

func requestUpdatedBody(v *validPerson, link string) string {
	return fmt.Sprintf(`Bonjour %s,

Comme vous l'avez confirmé, votre demande de procuration pour l'élection « %s » est mise à jour : %s.

Votre page : %s`, v.first, v.election.Name, roundsText(v, v.rounds), link) + signature
}

func volunteerCreatedBody(v *validVolunteer, link string) string {
	return fmt.Sprintf(`Bonjour %s,

Merci de proposer de porter une procuration pour l'élection « %s », pour %s.
Dès qu'une personne près de chez vous en aura besoin, nous vous écrirons : vous pourrez alors accepter ou refuser.

Votre page (pour vous retirer à tout moment) : %s`, v.first, v.election.Name, roundsText(v, v.rounds), link) + signature
}

func volunteerUpdatedBody(v *validVolunteer, link string) string {
	return fmt.Sprintf(`Bonjour %s,

Comme vous l'avez confirmé, votre inscription pour porter une procuration pour l'élection « %s » est mise à jour : %s, jusqu'à %d km.

Votre page : %s`, v.first, v.election.Name, roundsText(v, v.rounds), v.distance, link) + signature
}

// pairRounds describes the rounds of a group of offers of one pair.
func pairRounds(ps []pair) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fr.TheRound("le", p.round) + " (" + frDate(p.roundDate) + ")"
	}
	return strings.Join(parts, " et ")
}

func (p pair) bureauText() string {
	if p.rBureau == "" {
		return fmt.Sprintf("dans un bureau de vote %s (la personne ne connaît pas son bureau : elle vous le précisera)", fr.OfPlace(p.rCommuneName))
	}
	s := fmt.Sprintf("au bureau %s %s", p.rBureau, fr.OfPlace(p.rCommuneName))
	if p.rBureauName != "" {
		s += " (" + p.rBureauName
		if p.rBureauAddress != "" {
			s += ", " + p.rBureauAddress
		}
		s += ")"
	}
	return s
}

// offerVolunteerBody proposes a request to a volunteer, for the rounds
// described, to be answered before deadline (elections.Moment); moved
// (movedVolunteerLines) first tells them of the unanswered offers the same
// run gave to others, "" when none. A batch writes a hundred thousand of
// them at once: hence its brevity, where the mandant votes said in one
// line, and one concatenation (a single allocation) rather than fmt,
// three times faster.
func offerVolunteerBody(p pair, moved, rounds string, km *float64, deadline, link string) string {
	where := "dans un bureau " + fr.OfPlace(p.rCommuneName) + " (à préciser avec elle)"
	if p.rBureau != "" {
		where = p.bureauText()
	}
	distance := ""
	if km != nil && *km >= 0.1 {
		distance = ", à " + strings.Replace(strconv.FormatFloat(*km, 'f', 1, 64), ".", ",", 1) + " km"
	}
	return "Bonjour " + p.vFirst + ",\n\n" + moved +
		p.rFirst + " (" + p.rCommuneName + ") cherche un·e mandataire pour " + rounds + " : voter pour cette personne " + where + distance + ".\n" +
		"Acceptez ou refusez avant le " + deadline + ", sinon la demande ira à quelqu'un d'autre : " + link + "\n" +
		"Si vous acceptez, elle recevra vos nom, téléphone, date de naissance et numéro d'électeur pour établir la procuration." + signature
}

// Text messages (Desk.SMS): offers, acceptances and reminders. One SMS
// holds 160 characters of the GSM alphabet, but only 70 once any other
// character appears ("ç", "ê", "ô", "·", "’", "«", a non-breaking space),
// and each part of a longer text is billed. So these texts are in the GSM
// alphabet, name nobody (a name may bring any letter; the e-mail tells who
// and where) and end with the private link, about 100 of the 160
// characters: each gives the vote dates when they fit, else only what to
// do and by when. With a base URL of up to 46 characters, each is one SMS
// (sms_test.go).

// smsDay is a date in a text message: the year goes without saying.
func smsDay(t time.Time) string { return t.Format("02/01") }

// smsDays is the vote dates of rounds in a text message: "le 11/04 et
// le 25/04".
func smsDays(days ...time.Time) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = "le " + smsDay(d)
	}
	return strings.Join(parts, " et ")
}

// smsDeadline is an offer's deadline in a text message, Paris time.
func smsDeadline(t time.Time) string { return t.In(elections.Paris).Format("02/01 à 15h04") }

// offerVolunteerSMS is the offer as a text message: the vote dates (days,
// smsDays), the deadline (smsDeadline) and the link; moved when the same
// message tells that the volunteer's unanswered offers went to others
// (movedVolunteerLines), which the e-mail details. A batch writes a
// hundred thousand: each text is one concatenation.
func offerVolunteerSMS(moved bool, days, deadline, link string) string {
	if moved {
		if s := "Proposition modifiée : procuration à porter " + days + ", répondez avant le " + deadline + ".\n" + link; notify.SMSSegments(s) == 1 {
			return s
		}
		return "Proposition modifiée : répondez avant le " + deadline + ".\n" + link
	}
	if s := "Procuration à porter " + days + " : répondez avant le " + deadline + ".\n" + link; notify.SMSSegments(s) == 1 {
		return s
	}
	return "Procuration à porter : répondez avant le " + deadline + ".\n" + link
}

// offerVolunteerSubject is the subject of an offer's e-mail: another one
// when the same message tells of offers moved (movedVolunteerLines).
func offerVolunteerSubject(moved bool) string {
	if moved {
		return "Proposition modifiée : une autre personne a besoin de vous pour voter"
	}
	return "Une personne a besoin de vous pour voter"
}

// movedVolunteerLines opens the offer message (offerVolunteerBody) of a
// volunteer whose unanswered offers ws (reason "moved") the same matching
// run gave to others: a line per request, naming its rounds, then the
// new proposal. "" when ws is empty: a plain offer.
func movedVolunteerLines(ws []withdrawal) string {
	if len(ws) == 0 {
		return ""
	}
	var b strings.Builder
	for _, g := range byPair(ws) {
		ps := make([]pair, len(g))
		for i, w := range g {
			ps[i] = w.pair
		}
		slices.SortFunc(ps, func(a, b pair) int { return a.round - b.round })
		fmt.Fprintf(&b, "La demande de procuration %s pour %s, que nous vous avions proposée, est confiée à quelqu'un d'autre : vous n'avez plus à y répondre.\n",
			fr.De(ps[0].rFirst), pairRounds(ps))
	}
	b.WriteString("Nous avons réparti autrement les demandes, pour que chaque personne trouve quelqu'un au plus près. À la place, nous vous proposons celle-ci :\n\n")
	return b.String()
}

// The buttons of the mandant's page (templates/proxies/request_page.html)
// that messages name, as the page labels them.
const (
	buttonShowDetails = "« Afficher le numéro d'électeur et la date de naissance »"
	buttonEstablished = "« J'ai établi la procuration »"
)

func acceptedMandantBody(ps []pair, link string) string {
	p, rounds := ps[0], pairRounds(ps)
	eachRound := ""
	if len(ps) > 1 {
		eachRound = " sur la ligne de chaque tour" // the page has one button per round
	}
	return fmt.Sprintf(`Bonjour %s,

Bonne nouvelle : %s %s accepte de porter votre procuration pour %s.
Téléphone : %s

Pour établir la procuration :
1. Ouvrez votre page personnelle : %s
   Cliquez sur %s : ce sont ceux de votre mandataire (affichage limité à %d fois : notez-les).
2. Faites la demande sur https://www.maprocuration.gouv.fr avec ces informations, pour %s seulement.
3. Validez-la en ligne avec votre identité numérique certifiée, ou au commissariat, à la gendarmerie ou au consulat avec votre pièce d'identité et la référence reçue par e-mail.
4. Revenez sur votre page et cliquez sur %s%s.

Pensez à prévenir votre mandataire : ce n'est pas l'administration qui le fait.`,
		p.rFirst, p.vFirst, p.vLast, rounds, fr.Phone(p.vPhone), link, buttonShowDetails, MaxDetailViews, rounds, buttonEstablished, eachRound) + signature
}

func acceptedVolunteerBody(ps []pair, link string) string {
	p := ps[0]
	return fmt.Sprintf(`Bonjour %s,

Merci ! Vous avez accepté de porter la procuration %s (téléphone : %s) pour %s.
Vous voterez %s.
%s va maintenant établir la procuration sur maprocuration.gouv.fr ; nous vous préviendrons quand ce sera fait.
Le jour du scrutin, présentez-vous avec une pièce d'identité.

Votre page : %s`, p.vFirst, fr.De(p.rFirst+" "+p.rLast), fr.Phone(p.rPhone), pairRounds(ps), p.bureauText(), p.rFirst, link) + signature
}

func establishedVolunteerBody(p pair, link string) string {
	return fmt.Sprintf(`Bonjour %s,

%s %s nous confirme avoir établi la procuration %s (%s).
Ce jour-là, vous voterez pour cette personne %s, avec une pièce d'identité. Si elle vient voter elle-même avant vous, la procuration tombe : c'est normal.
Vous pouvez vérifier que la procuration est bien enregistrée sur service-public.fr (« Interroger sa situation électorale »).

Votre page : %s`, p.vFirst, p.rFirst, p.rLast, fr.TheRound("pour", p.round), frDate(p.roundDate), p.bureauText(), link) + signature
}

func expiredVolunteerBody(ps []pair, link string) string {
	p := ps[0]
	return fmt.Sprintf(`Bonjour %s,

Faute de réponse avant le %s, la demande %s pour %s a été proposée à quelqu'un d'autre.
Vous restez inscrit·e : nous pourrons vous proposer une autre demande.

Votre page : %s`, p.vFirst, elections.Moment(p.expiresAt), fr.De(p.rFirst), pairRounds(ps), link) + signature
}

// withdrawnVolunteerSubject says in a word why an offer a volunteer held
// is gone.
func withdrawnVolunteerSubject(reason string) string {
	switch reason {
	case "cancelled":
		return "Procuration : la demande est annulée"
	case "moved", "reassigned":
		return "Procuration : la demande est confiée à quelqu'un d'autre"
	case "unmatched":
		return "Procuration : l'équipe a retiré la proposition"
	}
	return "Procuration : la demande a changé"
}

// withdrawnWhy is why a request a volunteer held is gone, after "La
// demande de procuration de X pour le tour N (date)".
func withdrawnWhy(reason string) string {
	switch reason {
	case "moved":
		return "a été confiée à un·e autre volontaire plus proche, pour que chacun·e trouve quelqu'un"
	case "request_changed":
		return "a changé (autre bureau de vote ou autres tours)"
	case "reassigned":
		return "a été confiée par l'équipe à un·e autre volontaire"
	case "cancelled":
		return "a été annulée par la personne"
	}
	return "n'a plus besoin de votre aide"
}

// withdrawnVolunteerNote tells a volunteer that the offers they held for
// one request are gone (ws: one per round, of one volunteer and request):
// one message naming every round, a line per reason when the rounds went
// for different ones (a new bureau for one, the other dropped).
func withdrawnVolunteerNote(ws []withdrawal, link string) string {
	p := ws[0].pair
	var lines []string
	var accepted []pair // the rounds the volunteer had accepted
	for _, g := range byReason(ws) {
		held := false
		for _, q := range g.pairs {
			if q.status == OfferAccepted {
				held = true
				accepted = append(accepted, q)
			}
		}
		switch {
		case g.reason == "unmatched" && held:
			// Staff undid the pair (« Désapparier »): the round is open
			// again, not given to anyone yet.
			lines = append(lines, fmt.Sprintf("Vous aviez accepté la demande de procuration %s pour %s. L'équipe a annulé cette mise en relation.",
				fr.De(p.rFirst), pairRounds(g.pairs)))
		case g.reason == "unmatched":
			lines = append(lines, fmt.Sprintf("Nous vous avions proposé la demande de procuration %s pour %s. L'équipe a retiré cette proposition : vous n'avez plus à y répondre.",
				fr.De(p.rFirst), pairRounds(g.pairs)))
		default:
			lines = append(lines, fmt.Sprintf("La demande de procuration %s pour %s %s.", fr.De(p.rFirst), pairRounds(g.pairs), withdrawnWhy(g.reason)))
		}
	}
	if len(accepted) > 0 {
		lines[len(lines)-1] += "\nVous n'avez donc plus à voter pour cette personne.\n" + stillValidNote(accepted, len(accepted) == len(ws))
	}
	return fmt.Sprintf(`Bonjour %s,

%s
Vous restez inscrit·e : nous pourrons vous proposer une autre demande.

Votre page : %s`, p.vFirst, strings.Join(lines, "\n"), link) + signature
}

// stillValidNote warns a volunteer whose accepted rounds ps are
// withdrawn that a proxy the mandant had already established
// stays valid until they cancel it, while a mandataire may hold only one
// proxy established in France per round (Code électoral L73; a second
// one is void): they check it is gone before accepting another. all
// when ps are every round the message names ("ce tour", "ces tours"),
// else the rounds are named.
func stillValidNote(ps []pair, all bool) string {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b pair) int { return a.round - b.round })
	rounds := "ce tour"
	switch {
	case !all:
		rounds = pairRounds(ps)
	case len(ps) > 1:
		rounds = "ces tours"
	}
	return "Si la procuration avait déjà été établie, elle reste valable tant que la personne ne l'a pas résiliée. " +
		"Comme on ne peut porter qu'une procuration établie en France par tour, avant d'en accepter une autre pour " + rounds +
		", vérifiez sur service-public.fr (« Interroger sa situation électorale ») qu'elle n'y figure plus."
}

// withdrawnVolunteerNoteSubject is the subject of withdrawnVolunteerNote:
// the reason's, or a word for all when the rounds went for different ones.
func withdrawnVolunteerNoteSubject(ws []withdrawal) string {
	for _, w := range ws[1:] {
		if w.reason != ws[0].reason {
			return withdrawnVolunteerSubject("")
		}
	}
	return withdrawnVolunteerSubject(ws[0].reason)
}

// reasonGroup is the rounds of one pair withdrawn for one reason.
type reasonGroup struct {
	reason string
	pairs  []pair
}

// byReason groups withdrawals by reason, each group's rounds in ascending
// order, the groups by their first round.
func byReason(ws []withdrawal) []reasonGroup {
	ws = slices.Clone(ws)
	slices.SortStableFunc(ws, func(a, b withdrawal) int { return a.round - b.round })
	var out []reasonGroup
	for _, w := range ws {
		i := slices.IndexFunc(out, func(g reasonGroup) bool { return g.reason == w.reason })
		if i < 0 {
			i = len(out)
			out = append(out, reasonGroup{reason: w.reason})
		}
		out[i].pairs = append(out[i].pairs, w.pair)
	}
	return out
}

// withdrawnMandantBody tells a mandant that their accepted volunteer is
// gone, for the rounds of ws (one volunteer and request): one message
// whatever their number.
func withdrawnMandantBody(ws []withdrawal, link string) string {
	p := ws[0].pair
	var ps []pair
	extra := ""
	for _, w := range ws {
		ps = append(ps, w.pair)
		if w.reason == "unmatched" {
			extra = " L'équipe a annulé cette mise en relation."
		}
	}
	slices.SortFunc(ps, func(a, b pair) int { return a.round - b.round })
	return fmt.Sprintf(`Bonjour %s,

%s %s ne peut plus porter votre procuration pour %s.%s
Si vous aviez déjà établi la procuration à son nom, résiliez-la sur https://www.maprocuration.gouv.fr.
Nous cherchons un·e autre volontaire et vous écrirons dès que possible.

Votre page : %s`, p.rFirst, p.vFirst, p.vLast, pairRounds(ps), extra, link) + signature
}

func cancelledMandantBody(first, link string) string {
	return fmt.Sprintf(`Bonjour %s,

Votre demande de procuration est annulée. Si vous aviez établi une procuration, vous pouvez la résilier sur https://www.maprocuration.gouv.fr ; vous pouvez aussi voter vous-même si vous arrivez au bureau avant votre mandataire.

Votre page : %s`, first, link) + signature
}

func withdrawnSelfBody(first, link string) string {
	return fmt.Sprintf(`Bonjour %s,

Vous êtes retiré·e de la liste des volontaires : nous ne vous proposerons plus de procuration. Les personnes dont vous aviez accepté la procuration sont prévenues.
Merci pour votre engagement.

Votre page : %s`, first, link) + signature
}

// acceptedMandantSMS and reminderMandantSMS are the mandant's texts
// (Desk.SMS): the news and the link to their page, which says how to
// establish the proxy.
func acceptedMandantSMS(ps []pair, link string) string {
	days := make([]time.Time, len(ps))
	for i, p := range ps {
		days[i] = p.roundDate
	}
	// The rounds accepted: a volunteer may carry one of the two asked for.
	if s := "Votre mandataire a accepté pour " + smsDays(days...) + " : établissez la procuration.\n" + link; notify.SMSSegments(s) == 1 {
		return s
	}
	return "Votre mandataire a accepté : établissez la procuration.\n" + link
}

func reminderMandantSMS(p pair, link string) string {
	vote := "Vote le " + smsDay(p.roundDate) + " : "
	if s := vote + "procuration établie ? Sinon, faites-la aujourd'hui.\n" + link; notify.SMSSegments(s) == 1 {
		return s
	}
	return vote + "faites la procuration aujourd'hui.\n" + link
}

func reminderMandantBody(p pair, link string) string {
	return fmt.Sprintf(`Bonjour %s,

%s a lieu le %s. Avez-vous établi la procuration au nom %s ?
Si ce n'est pas encore fait, faites-le dès aujourd'hui sur https://www.maprocuration.gouv.fr : une procuration tardive risque de ne pas arriver au bureau de vote à temps.
Une fois faite, confirmez-le sur votre page : %s`, p.rFirst, fr.TheRound("Le", p.round), frDate(p.roundDate), fr.De(p.vFirst+" "+p.vLast), link) + signature
}

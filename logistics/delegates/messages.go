package delegates

import (
	"fmt"
	"strings"
	"time"

	"scrutin/logistics/changes"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
)

// Every message a volunteer receives, in French, plain text. Each one that
// calls for an action carries a fresh private link.

const signature = "\n\nL'équipe assesseurs et délégués\n(Vous recevez ce message parce que vous vous êtes inscrit·e sur notre formulaire. Ne transférez pas ce lien : il donne accès à votre page.)"

// changeSignature ends the message with a confirmation link: the link
// changes the entry, it does not open the private page.
const changeSignature = "\n\nL'équipe assesseurs et délégués\n(Vous recevez ce message parce qu'une inscription existe à cette adresse sur notre formulaire. Ne transférez pas ce lien : il permet de modifier votre inscription.)"

func frDate(t time.Time) string { return t.Format("02/01/2006") }

func roundsLine(v *validSignup) string {
	parts := make([]string, len(v.rounds))
	for i, n := range v.rounds {
		r, _ := v.election.Round(n)
		parts[i] = fr.Round(n) + " (" + frDate(r.Date) + ")"
	}
	return strings.Join(parts, " et ")
}

func rolesLine(roles []Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = strings.ToLower(r.Label())
	}
	return strings.Join(parts, ", ")
}

func signupBody(v *validSignup, link string, updated bool) string {
	head := "Merci de vous proposer comme assesseur·e ou délégué·e pour l'élection « " + v.election.Name + " »."
	if updated {
		head = "Votre inscription pour l'élection « " + v.election.Name + " » a été mise à jour, comme vous l'avez confirmé."
	}
	return fmt.Sprintf(`Bonjour %s,

%s

Rôles acceptés : %s.
Disponibilité : %s.
Bureaux acceptés : %s.

Nous vous écrirons dès que vous serez affecté·e à un bureau de vote. Sur votre page vous pourrez voir votre affectation, la confirmer, ou vous retirer : %s

Pour modifier votre inscription, envoyez de nouveau le formulaire avec la même adresse e-mail : nous vous écrirons pour que vous confirmiez la modification.`,
		v.first, head, rolesLine(v.roles), roundsLine(v), reachYours(v.maxKm), link) + signature
}

// reachYours is ReachText addressed to the volunteer.
func reachYours(km *float64) string {
	return strings.ReplaceAll(strings.ReplaceAll(ReachText(km), "sa commune", "votre commune"), "son bureau", "votre bureau")
}

// changeBody asks to confirm a form sent again with the address of an
// entry. It quotes nothing of the form: whoever sent it wrote it.
func changeBody(election, link string) string {
	return fmt.Sprintf(`Bonjour,

Le formulaire d'inscription des assesseurs et délégués pour l'élection « %s » vient d'être envoyé de nouveau avec votre adresse e-mail, à laquelle une inscription existe déjà.

Rien ne change tant que vous ne confirmez pas la modification, ici (lien valable %d heures) :
%s

Si vous n'êtes pas à l'origine de cet envoi, ignorez ce message : votre inscription reste telle qu'elle est.`,
		election, int(changes.TTL.Hours()), link) + changeSignature
}

func withdrawnBody(first string) string {
	return fmt.Sprintf(`Bonjour %s,

Votre retrait est enregistré : vous n'êtes plus affecté·e à aucun bureau de vote. Merci de nous avoir prévenus.
Vous pouvez revenir à tout moment : envoyez de nouveau le formulaire d'inscription avec la même adresse e-mail, puis confirmez avec le lien que nous vous enverrons.`, first) + signature
}

// appendSeatLine appends the line that describes one seat to its holder:
// a national run writes 160,000 of them, with no garbage but the message.
// The town is said once: the bureau's address names it when it ends with
// a postal code and its town (« 2 place Baudoyer, 75004 Paris »), else the
// commune ends the line (« Place de la Mairie, Sisteron »).
func appendSeatLine(buf []byte, s Seat) []byte {
	buf = append(buf, "- "...)
	buf = append(buf, fr.Round(s.Round)...)
	buf = append(buf, ", le "...)
	buf = s.RoundDate.AppendFormat(buf, "02/01/2006")
	buf = append(buf, " : "...)
	buf = append(buf, s.Role.Label()...)
	buf = append(buf, ", bureau "...)
	buf = append(buf, s.BureauCode...)
	if s.BureauName != "" {
		buf = append(buf, " « "...)
		buf = append(buf, s.BureauName...)
		buf = append(buf, " »"...)
	}
	if s.Address != "" {
		buf = append(buf, ", "...)
		buf = append(buf, s.Address...)
	}
	if namesTown(s.Address, s.CommuneName) {
		return buf
	}
	buf = append(buf, ", "...)
	if s.CommuneName == "" || s.CommuneName == s.CommuneCode { // a commune the communes table lacks
		buf = append(buf, "commune "...)
		return append(buf, s.CommuneCode...)
	}
	return append(buf, s.CommuneName...)
}

// namesTown reports whether a bureau's address already says its town: it
// ends with the commune's name (« Place du Bourguet, Forcalquier »), or
// has a postal code followed by a town (« 97133 Saint-Barthélemy »,
// « 75004 Paris » for Paris 4e Arrondissement). A street named after a
// town (« Avenue de Sisteron ») is not the town.
func namesTown(address, commune string) bool {
	if address == "" {
		return false
	}
	if commune != "" && strings.HasSuffix(address, commune) {
		return true
	}
	digits := 0 // of the number being read
	for i := 0; i < len(address); i++ {
		c := address[i]
		if c >= '0' && c <= '9' {
			digits++
			continue
		}
		if digits == 5 && c == ' ' && i+1 < len(address) && startsWord(address[i+1]) {
			return true
		}
		digits = 0
	}
	return false
}

// startsWord reports whether a byte may start a town's name: a letter, or
// the first byte of a non-ASCII one (« Évry »).
func startsWord(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80
}

// The texts of assignedBody, cut at their blanks (%s) once.
var (
	assignedText = strings.Split(`Bonjour %s,

Vous êtes désigné·e pour l'élection « %s » :
%s

Merci de confirmer dès maintenant votre présence sur votre page (ou de vous retirer si vous ne pouvez plus) : %s

Les noms des assesseurs et délégués doivent parvenir à la mairie %s : plus vous confirmez tôt, mieux c'est. Le jour du vote, venez avec une pièce d'identité et votre carte électorale.`+signature, "%s")
	unassignedText = strings.Split(`Bonjour %s,

Votre affectation pour l'élection « %s » a changé : vous n'êtes plus affecté·e à un bureau de vote pour l'instant. Nous vous écrirons si une place se libère près de chez vous.

Votre page : %s`+signature, "%s")
)

// assignedBody tells a volunteer their seats after a change (run or staff).
func assignedBody(first, election string, seats []Seat, link string) string {
	return string(appendAssignedBody(nil, first, election, seats, link))
}

// appendAssignedBody appends assignedBody(...) to buf.
func appendAssignedBody(buf []byte, first, election string, seats []Seat, link string) []byte {
	if len(seats) == 0 {
		return fill(buf, unassignedText, first, election, link)
	}
	t := assignedText
	buf = fill(buf, t[:3], first, election)
	for i, s := range seats {
		if i > 0 {
			buf = append(buf, '\n')
		}
		buf = appendSeatLine(buf, s)
	}
	buf = fill(buf, t[3:5], link)
	buf = appendDeadlines(buf, seats)
	return append(buf, t[5]...)
}

// appendDeadlines appends when the names of the seats' rounds must reach
// the mairie (Deadline), with the day of the week it falls on: "au plus
// tard le jeudi 10/12/2026 à 18 heures", and for two rounds "… pour le
// 1er tour, et le jeudi 17/12/2026 à 18 heures pour le 2d tour".
func appendDeadlines(buf []byte, seats []Seat) []byte {
	type roundDay struct {
		number int
		date   time.Time
	}
	var rounds [2]roundDay // an election has one or two rounds
	n := 0
next:
	for _, s := range seats {
		for _, r := range rounds[:n] {
			if r.number == s.Round {
				continue next
			}
		}
		if n < len(rounds) {
			rounds[n] = roundDay{s.Round, s.RoundDate}
			n++
		}
	}
	if n == 2 && rounds[1].number < rounds[0].number {
		rounds[0], rounds[1] = rounds[1], rounds[0]
	}
	buf = append(buf, "au plus tard"...)
	for i, r := range rounds[:n] {
		if i > 0 {
			buf = append(buf, ", et"...)
		}
		dl := Deadline(r.date)
		buf = append(buf, " le "...)
		buf = append(buf, elections.Weekday(dl)...)
		buf = append(buf, ' ')
		buf = dl.AppendFormat(buf, "02/01/2006 à 15 heures")
		if n > 1 {
			buf = append(buf, ' ')
			buf = append(buf, fr.TheRound("pour", r.number)...)
		}
	}
	return buf
}

// fill appends the parts of a text with the values in its blanks.
func fill(buf []byte, parts []string, values ...string) []byte {
	for i, p := range parts {
		buf = append(buf, p...)
		if i < len(values) {
			buf = append(buf, values[i]...)
		}
	}
	return buf
}

package delegates

import (
	"fmt"
	"strings"
	"time"
)

// Every message a volunteer receives, in French, plain text. Each one that
// calls for an action carries a fresh private link.

const signature = "\n\nL'équipe assesseurs et délégués\n(Vous recevez ce message parce que vous vous êtes inscrit·e sur notre formulaire. Ne transférez pas ce lien : il donne accès à votre page.)"

func frDate(t time.Time) string { return t.Format("02/01/2006") }

func roundsLine(v *validSignup) string {
	parts := make([]string, len(v.rounds))
	for i, n := range v.rounds {
		r, _ := v.election.Round(n)
		parts[i] = fmt.Sprintf("tour %d (%s)", n, frDate(r.Date))
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
	head := "Merci de vous proposer comme assesseur·e ou délégué·e pour " + v.election.Name + "."
	if updated {
		head = "Votre inscription pour " + v.election.Name + " a été mise à jour. Si vous n'êtes pas à l'origine de cette modification, ouvrez votre page et retirez-vous, puis écrivez-nous."
	}
	return fmt.Sprintf(`Bonjour %s,

%s

Rôles acceptés : %s.
Disponibilité : %s.
Bureaux acceptés : %s.

Nous vous écrirons dès que vous serez affecté·e à un bureau de vote. Sur votre page vous pourrez voir votre affectation, la confirmer, ou vous retirer : %s`,
		v.first, head, rolesLine(v.roles), roundsLine(v), strings.ReplaceAll(strings.ReplaceAll(ReachText(v.maxKm), "sa commune", "votre commune"), "son bureau", "votre bureau"), link) + signature
}

func withdrawnBody(first string) string {
	return fmt.Sprintf(`Bonjour %s,

Votre retrait est enregistré : vous n'êtes plus affecté·e à aucun bureau de vote. Merci de nous avoir prévenus.
Vous pouvez vous réinscrire à tout moment avec le même formulaire.`, first) + signature
}

// seatLine describes one seat for its holder.
func seatLine(s Seat) string {
	place := "bureau " + s.BureauCode
	if s.BureauName != "" {
		place += " « " + s.BureauName + " »"
	}
	if s.Address != "" {
		place += ", " + s.Address
	}
	return fmt.Sprintf("- tour %d, le %s : %s, %s (%s)", s.Round, frDate(s.RoundDate), s.Role.Label(), place, s.CommuneName)
}

// assignedBody tells a volunteer their seats after a change (run or staff).
func assignedBody(first, election string, seats []Seat, link string) string {
	if len(seats) == 0 {
		return fmt.Sprintf(`Bonjour %s,

Votre affectation pour %s a changé : vous n'êtes plus affecté·e à un bureau de vote pour l'instant. Nous vous écrirons si une place se libère près de chez vous.

Votre page : %s`, first, election, link) + signature
	}
	lines := make([]string, len(seats))
	for i, s := range seats {
		lines[i] = seatLine(s)
	}
	return fmt.Sprintf(`Bonjour %s,

Vous êtes désigné·e pour %s :
%s

Merci de confirmer dès maintenant votre présence sur votre page (ou de vous retirer si vous ne pouvez plus) : %s

Les noms des assesseurs et délégués doivent parvenir à la mairie avant le jeudi précédant le scrutin à 18 heures : plus vous confirmez tôt, mieux c'est. Le jour du vote, venez avec une pièce d'identité et votre carte électorale.`,
		first, election, strings.Join(lines, "\n"), link) + signature
}

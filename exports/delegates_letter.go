package exports

// The designation letter to the mayor (R46): the delegates' export
// "designations", one commune's appointments listed bureau by bureau, with
// the receipt the mairie fills in.

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/staff"
)

func writeDesignations(ctx context.Context, pool *pgxpool.Pool, u *staff.User, a *dlgArea, w io.Writer) (int, error) {
	el := a.election
	rounds := a.rounds()
	representative, err := a.representative(ctx, pool)
	if err != nil {
		return 0, err
	}
	d := newDlgDoc("Désignation des assesseurs et délégués — "+a.communeName,
		"Désignation des assesseurs et délégués — "+el.Name+" — "+a.communeName+" ("+a.commune+")")
	pdf := d.pdf
	pdf.AddPage()

	// Sender and addressee.
	candidate := dlgOrDash(el.Candidate)
	d.para("B", 11, 5, candidate)
	if representative != "" {
		d.para("", 10, 5, "R"+dlgRepresented(el.Candidate)[1:]+" par "+representative)
	}
	pdf.Ln(6)
	left, _, _, _ := pdf.GetMargins()
	pdf.SetX(left + d.w/2)
	d.font("", 10.5)
	for _, l := range []string{"Madame, Monsieur le Maire", "Mairie " + fr.OfPlace(a.communeName), "(" + a.commune + ")"} {
		pdf.SetX(left + d.w/2)
		pdf.CellFormat(d.w/2, 5, dlgText(l), "", 2, "L", false, 0, "")
	}
	pdf.Ln(6)
	d.para("", 10, 5, "Le "+dlgDate(time.Now().In(elections.Paris)))
	pdf.Ln(4)
	d.para("B", 10.5, 5.2, "Objet : désignation des assesseurs et délégués — "+el.Name)
	pdf.Ln(3)

	d.para("", 10, 5, "Madame, Monsieur le Maire "+fr.OfPlace(a.communeName)+",")
	pdf.Ln(2)
	// Within a sentence a list takes its article: « la liste « … » ».
	named := dlgOrDash(delegates.CandidateName(el.Candidate))
	who := named
	if representative != "" {
		who += ", " + dlgRepresented(el.Candidate) + " par " + representative + ","
	}
	d.para("", 10, 5, "En application des articles R44 à R47 du code électoral, "+who+
		" a l'honneur de vous notifier la liste des assesseurs et délégués désignés dans les bureaux de vote de votre commune en vue du scrutin « "+
		el.Name+" » : "+dlgRoundsText(rounds)+".")
	pdf.Ln(1.5)
	if a.round == 0 && len(rounds) > 1 {
		d.para("", 10, 5, "Sauf mention contraire portée à côté du nom, chaque désignation vaut pour les deux tours de scrutin.")
	} else if len(el.Rounds) > 1 {
		d.para("", 10, 5, "Cette désignation vaut pour le "+dlgRoundName(a.round)+" uniquement.")
	}
	pdf.Ln(1.5)
	var deadlines []string
	for _, r := range rounds {
		deadlines = append(deadlines, dlgDeadline(r)+" pour le "+dlgRoundName(r.Number))
	}
	d.para("", 10, 5, "Conformément à l'article R46, cette liste vous est notifiée au plus tard à 18 heures le troisième jour précédant le scrutin, soit le "+
		strings.Join(deadlines, ", et le ")+". Nous vous remercions de bien vouloir en délivrer récépissé : il servira de titre aux personnes désignées et garantira les droits attachés à leur qualité.")
	pdf.Ln(4)

	// Bureaux and people.
	widths := []float64{45, d.w - 45}
	n, people := 0, map[int64]bool{} // rows; distinct people
	var bureauHeading func(cont bool)
	err = delegates.EachDocDesignation(ctx, pool, u, a.filter(), func(b *delegates.DocDesignation) error {
		bureauHeading = func(cont bool) {
			title := dlgBureauTitle(b.BureauCode, b.BureauName)
			if cont {
				title += " (suite)"
			}
			d.band("B", 10.5, 6, title, 226, 232, 243)
			if b.BureauAddress != "" && !cont {
				d.para("", 9, 4.5, b.BureauAddress)
			}
			pdf.Ln(1)
		}
		d.heading = func() { bureauHeading(true) }
		// Keep the heading with the first person.
		first := dlgPersonCells(&b.Appointments[0], rounds)
		h, _ := d.rowHeight(widths, first, 4.4)
		if !d.room(h + 18) {
			pdf.AddPage()
		}
		bureauHeading(false)
		for i := range b.Appointments {
			d.row(widths, dlgPersonCells(&b.Appointments[i], rounds), 4.4, true)
			people[b.Appointments[i].Person.VolunteerID] = true
			n++
		}
		pdf.Ln(3)
		d.heading = nil
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n == 0 {
		d.para("B", 10, 5, "Aucun assesseur ni délégué n'est désigné à ce jour dans les bureaux de cette commune.")
		pdf.Ln(3)
	}

	// Closing, signature and receipt, kept together.
	d.need(82)
	d.para("", 10, 5, "Nous vous prions d'agréer, Madame, Monsieur le Maire, l'expression de notre haute considération.")
	pdf.Ln(6)
	pdf.SetX(left + d.w/2)
	d.font("", 10)
	// The département's representative signs for the candidate; without
	// one, the candidate signs in person.
	signature := []string{"Fait à ………………………………, le ………………", candidate}
	if representative != "" {
		signature = []string{signature[0], "Pour " + named, representative}
	}
	for _, l := range append(signature, "Signature :") {
		pdf.SetX(left + d.w/2)
		pdf.CellFormat(d.w/2, 5.5, dlgText(l), "", 2, "L", false, 0, "")
	}
	pdf.Ln(18)
	d.font("B", 9.5)
	pdf.SetFillColor(245, 245, 245)
	pdf.CellFormat(d.w, 6, dlgText("Récépissé de la mairie (article R46 du code électoral)"), "LTR", 2, "L", true, 0, "")
	d.font("", 9.5)
	// A délégué covering three bureaux is one person, named three times.
	pdf.CellFormat(d.w, 6, dlgText("Reçu le ………………………… à ……… h ………   Nombre de personnes désignées : "+strconv.Itoa(len(people))), "LR", 2, "L", false, 0, "")
	pdf.CellFormat(d.w, 14, dlgText("Cachet de la mairie et signature :"), "LRB", 2, "LT", false, 0, "")
	return n, d.output(w)
}

// dlgPersonCells: the role (and rounds) on the left, the person's civil
// status, address and registration on the right.
func dlgPersonCells(ap *delegates.DocAppointment, rounds []elections.Round) []dlgCell {
	p := ap.Person
	role := ap.Role.Label()
	if note := dlgRoundsNote(ap.Rounds, rounds); note != "" {
		role += "\n" + note
	}
	var b strings.Builder
	b.WriteString(dlgFullName(p))
	if p.BirthName != "" && !strings.EqualFold(p.BirthName, p.LastName) {
		b.WriteString(" (nom de naissance : " + strings.ToUpper(p.BirthName) + ")")
	}
	b.WriteString("\nNé(e) le " + dlgShortDate(p.BirthDate) + " à " + p.BirthPlace)
	b.WriteString("\nDomicile : " + dlgAddress(p))
	b.WriteString("\nInscrit·e " + fr.AtPlace(dlgRegistration(p)))
	return []dlgCell{{text: role, style: "B", size: 9.5}, {text: b.String(), size: 9.5}}
}

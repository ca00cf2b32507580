package exports

// The credentials (export "credentials"): one page per appointed person,
// saying who they are, where and when they sit and what to bring.

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/delegates"
	"scrutin/logistics/fr"
	"scrutin/logistics/staff"
)

func writeCredentials(ctx context.Context, pool *pgxpool.Pool, u *staff.User, a *dlgArea, w io.Writer) (int, error) {
	el := a.election
	representative, err := a.representative(ctx, pool)
	if err != nil {
		return 0, err
	}
	d := newDlgDoc("Accréditations — "+el.Name, "Accréditation personnelle — "+el.Name+" — à présenter au bureau de vote")
	pdf := d.pdf
	dates := map[int]time.Time{}
	for _, r := range el.Rounds {
		dates[r.Number] = r.Date
	}
	bring := []string{
		"une pièce d'identité (carte d'identité, passeport, permis de conduire...) : le président du bureau vérifie votre identité ;",
		"votre carte électorale, ou à défaut une attestation d'inscription sur les listes électorales ;",
		"cette accréditation et le récépissé de la mairie (la personne qui vous a désigné(e) vous le remet) ;",
		"un stylo à encre noire ou bleue, de quoi noter (heures, observations) ;",
		"de quoi boire et manger : la journée est longue, du matin jusqu'à la fin du dépouillement.",
	}
	pages := 0
	err = delegates.EachDocVolunteer(ctx, pool, u, a.filter(), true, false, func(v *delegates.DocVolunteer) error {
		pages++
		pdf.AddPage()
		var roles []string
		assesseur, delegue := false, false
		for _, ps := range v.Postings {
			if l := ps.Role.Label(); !dlgContains(roles, l) {
				roles = append(roles, l)
			}
			assesseur = assesseur || ps.Role.Assesseur()
			delegue = delegue || ps.Role.Delegue()
		}
		d.band("B", 18, 11, "Accréditation", 226, 232, 243)
		d.para("B", 13, 7, strings.Join(roles, " · "))
		pdf.Ln(1)
		d.para("", 10, 5, el.Name)
		d.para("", 10, 5, "Désigné(e) par "+dlgOrDash(delegates.CandidateName(el.Candidate))+dlgIf(representative != "", ", "+dlgRepresented(el.Candidate)+" par "+representative, "")+
			", en application des articles R44 à R47 du code électoral.")
		pdf.Ln(4)
		d.para("B", 15, 7.5, dlgFullName(&v.DocPerson))
		if v.BirthName != "" && !strings.EqualFold(v.BirthName, v.LastName) {
			d.para("", 10, 5, "Nom de naissance : "+strings.ToUpper(v.BirthName))
		}
		d.para("", 10, 5, "Né(e) le "+dlgShortDate(v.BirthDate)+" à "+v.BirthPlace)
		d.para("", 10, 5, "Inscrit·e "+fr.AtPlace(dlgRegistration(&v.DocPerson)))
		pdf.Ln(4)
		d.para("B", 11, 6, "Où et quand")
		widths := []float64{48, 40, d.w - 88}
		d.row(widths, []dlgCell{{text: "Tour", style: "B", size: 9}, {text: "Rôle", style: "B", size: 9}, {text: "Bureau de vote", style: "B", size: 9}}, 4.6, true)
		for _, ps := range v.Postings {
			when := fr.Round(ps.Round) + "\n" + dlgLongDate(dates[ps.Round])
			where := dlgBureauTitle(ps.BureauCode, ps.BureauName) + "\n" + dlgIf(ps.BureauAddress != "", ps.BureauAddress+"\n", "") + ps.CommuneName + " (" + ps.CommuneCode + ")"
			d.row(widths, []dlgCell{{text: when, size: 9.5}, {text: ps.Role.Label(), style: "B", size: 9.5}, {text: where, size: 9.5}}, 4.6, true)
		}
		pdf.Ln(4)
		d.para("B", 11, 6, "À apporter")
		for _, item := range bring {
			d.para("", 9.5, 4.8, "•  "+item)
		}
		pdf.Ln(3)
		d.para("B", 11, 6, "Le jour du scrutin")
		d.para("", 9.5, 4.8, "Présentez-vous au président du bureau de vote au moins trente minutes avant l'ouverture du scrutin, avec cette accréditation, le récépissé de la mairie et votre pièce d'identité.")
		if assesseur {
			d.para("", 9.5, 4.8, "Assesseur : vous siégez au bureau de vote. Vous contrôlez l'émargement, pouvez tenir la liste d'émargement ou l'urne, et signez le procès-verbal. Le suppléant remplace le titulaire absent ; il ne siège pas en même temps que lui.")
		}
		if delegue {
			d.para("", 9.5, 4.8, "Délégué : vous pouvez contrôler toutes les opérations de vote, de dépouillement et de décompte des voix, dans tous les locaux où elles se déroulent, et faire inscrire vos observations au procès-verbal (article R47).")
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if pages == 0 {
		pdf.AddPage()
		d.para("B", 11, 6, "Aucun assesseur ni délégué n'est désigné dans ce périmètre.")
	}
	return pages, d.output(w)
}

func dlgContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

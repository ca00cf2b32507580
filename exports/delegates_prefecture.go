package exports

// The département summary for the prefecture (export "prefecture"): a
// cover page with the coverage of each round, then the appointed people
// commune by commune and bureau by bureau.

import (
	"context"
	"fmt"
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

func writePrefecture(ctx context.Context, pool *pgxpool.Pool, u *staff.User, a *dlgArea, w io.Writer) (int, error) {
	el := a.election
	rounds := a.rounds()
	depName := dlgDepartementName(a.departement)
	representative, err := a.representative(ctx, pool)
	if err != nil {
		return 0, err
	}
	if representative == "" {
		representative = el.Candidate // nobody represents the candidate: they answer for themselves
	}
	d := newDlgDoc("Assesseurs et délégués — "+depName, "Assesseurs et délégués désignés — "+el.Name+" — "+depName)
	pdf := d.pdf

	// Cover page.
	pdf.AddPage()
	pdf.Ln(18)
	d.para("B", 20, 10, "Assesseurs et délégués désignés")
	d.para("", 13, 7, "Récapitulatif départemental à l'attention de la préfecture")
	pdf.Ln(8)
	info := [][2]string{
		{dlgAreaWord(a.departement, "Département", "Collectivité"), depName},
		{"Élection", el.Name},
		{"Scrutin", strings.ToUpper(dlgRoundsText(rounds)[:1]) + dlgRoundsText(rounds)[1:]},
		{"Candidat ou liste", dlgOrDash(el.Candidate)},
		{"Représentant(e)", dlgOrDash(representative)}, // in the département: the cover is the département's
		{"Établi le", dlgDate(time.Now().In(elections.Paris))},
	}
	for _, kv := range info {
		d.row([]float64{45, d.w - 45}, []dlgCell{{text: kv[0], style: "B", size: 11}, {text: kv[1], size: 11}}, 5.6, false)
	}
	pdf.Ln(8)
	for _, r := range rounds {
		f := a.filter()
		f.Round = r.Number
		cov, err := delegates.DocCoverageOf(ctx, pool, u, f)
		if err != nil {
			return 0, err
		}
		d.para("B", 12, 7, "Couverture — "+dlgRoundName(r.Number)+" ("+dlgLongDate(r.Date)+")")
		d.para("", 10, 5, fr.Count(cov.Communes, "commune", "communes")+", "+fr.Count(cov.Bureaux, "bureau de vote", "bureaux de vote")+", "+
			fr.Count(cov.People, "personne désignée", "personnes désignées")+".")
		pdf.Ln(1)
		tw := []float64{60, 35, 35, 35}
		d.row(tw, []dlgCell{{text: "Rôle", style: "B", size: 10}, {text: "Places", style: "B", size: 10}, {text: "Pourvues", style: "B", size: 10}, {text: "Non pourvues", style: "B", size: 10}}, 5.5, true)
		for _, rc := range cov.Roles {
			if rc.Needed == 0 && rc.Extra == 0 {
				continue
			}
			covered := strconv.Itoa(rc.Covered)
			if rc.Extra > 0 {
				covered += fmt.Sprintf(" (+%d hors besoin)", rc.Extra)
			}
			d.row(tw, []dlgCell{{text: rc.Role.Label(), size: 10}, {text: strconv.Itoa(rc.Needed), size: 10}, {text: covered, size: 10}, {text: strconv.Itoa(rc.Uncovered()), size: 10}}, 5.5, true)
		}
		d.row(tw, []dlgCell{{text: "Total", style: "B", size: 10}, {text: strconv.Itoa(cov.Needed()), style: "B", size: 10},
			{text: strconv.Itoa(cov.Covered()), style: "B", size: 10}, {text: strconv.Itoa(cov.Needed() - cov.Covered()), style: "B", size: 10}}, 5.5, true)
		pdf.Ln(6)
	}
	d.para("", 9, 4.5, "Les désignations ont été notifiées aux maires dans les conditions de l'article R46 du code électoral (au plus tard à 18 heures le troisième jour précédant le scrutin). Les pages suivantes indiquent, par commune et par bureau, qui siège où et dans quel rôle.")

	// Who sits where.
	pdf.AddPage()
	widths := []float64{44, 62, 22, d.w - 128}
	lineH := 4.3
	header := []dlgCell{{text: "Rôle", style: "B", size: 8.5}, {text: "Nom et prénoms", style: "B", size: 8.5}, {text: "Né(e) le", style: "B", size: 8.5}, {text: "Inscrit·e à", style: "B", size: 8.5}}
	n := 0
	commune := ""
	err = delegates.EachDocDesignation(ctx, pool, u, a.filter(), func(b *delegates.DocDesignation) error {
		communeTitle := b.CommuneName + " (" + b.CommuneCode + ")"
		bureauTitle := dlgBureauTitle(b.BureauCode, b.BureauName)
		d.heading = func() {
			d.band("B", 11, 6.5, communeTitle+" (suite)", 210, 220, 236)
			d.band("B", 9.5, 5.5, bureauTitle+" (suite)", 238, 241, 247)
			d.row(widths, header, lineH, true)
		}
		first := dlgPrefectureCells(&b.Appointments[0], rounds)
		h, _ := d.rowHeight(widths, first, lineH)
		newCommune := b.CommuneCode != commune
		if !d.room(h + 6 + 5.5 + lineH + 1.2 + dlgIfF(newCommune, 9, 0)) {
			pdf.AddPage()
			newCommune = true
		}
		if newCommune {
			pdf.Ln(2)
			d.band("B", 11, 6.5, communeTitle, 210, 220, 236)
			commune = b.CommuneCode
		}
		d.band("B", 9.5, 5.5, bureauTitle+dlgIf(b.BureauAddress != "", " — "+b.BureauAddress, ""), 238, 241, 247)
		d.row(widths, header, lineH, true)
		for i := range b.Appointments {
			d.row(widths, dlgPrefectureCells(&b.Appointments[i], rounds), lineH, true)
			n++
		}
		pdf.Ln(2)
		d.heading = nil
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n == 0 {
		d.para("B", 10, 5, "Aucun assesseur ni délégué n'est désigné à ce jour dans "+dlgAreaWord(a.departement, "ce département", "cette collectivité")+".")
	}
	return n, d.output(w)
}

func dlgIfF(cond bool, yes, no float64) float64 {
	if cond {
		return yes
	}
	return no
}

func dlgPrefectureCells(ap *delegates.DocAppointment, rounds []elections.Round) []dlgCell {
	p := ap.Person
	role := ap.Role.Label()
	if note := dlgRoundsNote(ap.Rounds, rounds); note != "" {
		role += " " + note
	}
	name := dlgFullName(p)
	if p.BirthName != "" && !strings.EqualFold(p.BirthName, p.LastName) {
		name += " (nom de naissance : " + strings.ToUpper(p.BirthName) + ")"
	}
	return []dlgCell{{text: role, size: 8.5}, {text: name, style: "B", size: 8.5}, {text: dlgShortDate(p.BirthDate), size: 8.5},
		{text: dlgRegistration(p), size: 8.5}}
}

// dlgDepartementName: "Alpes-de-Haute-Provence (04)", "Polynésie
// française (987)".
func dlgDepartementName(code string) string {
	for _, kv := range strings.Split(dlgDepartements, "|") {
		if c, name, _ := strings.Cut(kv, ":"); c == code {
			return name + " (" + code + ")"
		}
	}
	return dlgAreaWord(code, "Département", "Collectivité") + " " + code
}

const dlgDepartements = "01:Ain|02:Aisne|03:Allier|04:Alpes-de-Haute-Provence|05:Hautes-Alpes|06:Alpes-Maritimes|07:Ardèche|08:Ardennes|" +
	"09:Ariège|10:Aube|11:Aude|12:Aveyron|13:Bouches-du-Rhône|14:Calvados|15:Cantal|16:Charente|17:Charente-Maritime|18:Cher|" +
	"19:Corrèze|2A:Corse-du-Sud|2B:Haute-Corse|21:Côte-d'Or|22:Côtes-d'Armor|23:Creuse|24:Dordogne|25:Doubs|26:Drôme|27:Eure|" +
	"28:Eure-et-Loir|29:Finistère|30:Gard|31:Haute-Garonne|32:Gers|33:Gironde|34:Hérault|35:Ille-et-Vilaine|36:Indre|" +
	"37:Indre-et-Loire|38:Isère|39:Jura|40:Landes|41:Loir-et-Cher|42:Loire|43:Haute-Loire|44:Loire-Atlantique|45:Loiret|46:Lot|" +
	"47:Lot-et-Garonne|48:Lozère|49:Maine-et-Loire|50:Manche|51:Marne|52:Haute-Marne|53:Mayenne|54:Meurthe-et-Moselle|55:Meuse|" +
	"56:Morbihan|57:Moselle|58:Nièvre|59:Nord|60:Oise|61:Orne|62:Pas-de-Calais|63:Puy-de-Dôme|64:Pyrénées-Atlantiques|" +
	"65:Hautes-Pyrénées|66:Pyrénées-Orientales|67:Bas-Rhin|68:Haut-Rhin|69:Rhône|70:Haute-Saône|71:Saône-et-Loire|72:Sarthe|" +
	"73:Savoie|74:Haute-Savoie|75:Paris|76:Seine-Maritime|77:Seine-et-Marne|78:Yvelines|79:Deux-Sèvres|80:Somme|81:Tarn|" +
	"82:Tarn-et-Garonne|83:Var|84:Vaucluse|85:Vendée|86:Vienne|87:Haute-Vienne|88:Vosges|89:Yonne|90:Territoire de Belfort|" +
	"91:Essonne|92:Hauts-de-Seine|93:Seine-Saint-Denis|94:Val-de-Marne|95:Val-d'Oise|971:Guadeloupe|972:Martinique|973:Guyane|" +
	"974:La Réunion|975:Saint-Pierre-et-Miquelon|976:Mayotte|977:Saint-Barthélemy|978:Saint-Martin|" +
	// the overseas collectivities of 98x communes (insee.KnownCollectivity)
	"984:Terres australes et antarctiques françaises|986:Wallis-et-Futuna|987:Polynésie française|988:Nouvelle-Calédonie"

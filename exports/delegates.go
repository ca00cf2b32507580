package exports

// Poll-delegate documents (Code électoral R44-R47): the designation letter
// sent to each mayor, one credential page per person, the staff workbook and
// the département summary for the prefecture. The data comes from the read
// models in logistics/delegates (documents.go), streamed and scoped there.
//
// This file registers the four exports and holds what they share: the
// parameters (dlgArea) and the French wording. The PDF layout tools are in
// delegates_pdf.go; each document has its own file: delegates_letter.go,
// delegates_credentials.go, delegates_workbook.go and
// delegates_prefecture.go.

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

const (
	contentPDF  = "application/pdf"
	contentXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func init() {
	Register(Export{
		Name:        "designations",
		Title:       "lettre de désignation au maire",
		Params:      []string{"election", "commune", "round"},
		Description: "Lettre de désignation des assesseurs et délégués au maire d'une commune (PDF) ; commune=C election=S [round=N]",
		ContentType: contentPDF,
		Personal:    true,
		File:        Naming{Kind: "designation", Ext: "pdf", Filters: []string{"round"}},
		Write:       dlgWrite("commune", writeDesignations),
	})
	Register(Export{
		Name:        "credentials",
		Title:       "accréditations des assesseurs et délégués",
		Params:      []string{"election", "commune", "departement", "round"},
		Description: "Accréditations, une page par assesseur ou délégué (PDF) ; commune=C ou departement=D, election=S [round=N]",
		ContentType: contentPDF,
		Personal:    true,
		File:        Naming{Kind: "accreditations", Ext: "pdf", Filters: []string{"round"}},
		Write:       dlgWrite("either", writeCredentials),
	})
	Register(Export{
		Name:        "delegates",
		Title:       "classeur des assesseurs et délégués",
		Params:      []string{"election", "departement", "commune", "round"},
		Description: "Classeur des assesseurs et délégués : bureaux, bénévoles, places à pourvoir (Excel) ; election=S [departement=D|commune=C] [round=N]",
		ContentType: contentXLSX,
		Personal:    true,
		File:        Naming{Kind: "assesseurs-delegues", Ext: "xlsx", Filters: []string{"round"}},
		Write:       dlgWrite("", writeDelegatesWorkbook),
	})
	Register(Export{
		Name:        "prefecture",
		Title:       "récapitulatif pour la préfecture",
		Params:      []string{"election", "departement", "round"},
		Description: "Récapitulatif départemental des assesseurs et délégués pour la préfecture (PDF) ; departement=D election=S [round=N]",
		ContentType: contentPDF,
		Personal:    true,
		File:        Naming{Kind: "prefecture", Ext: "pdf", Filters: []string{"round"}},
		Write:       dlgWrite("departement", writePrefecture),
	})
}

// ---------------------------------------------------------------------------
// Parameters

// dlgArea is what a delegate document is about, checked against the scope.
type dlgArea struct {
	election    *elections.Election
	round       int // 0: every round
	commune     string
	communeName string
	departement string
}

func (a *dlgArea) filter() delegates.DocFilter {
	return delegates.DocFilter{ElectionID: a.election.ID, Round: a.round, Commune: a.commune, Departement: a.departement}
}

// dep is the département of the area: the one asked for, or the commune's.
func (a *dlgArea) dep() string {
	if a.departement != "" {
		return a.departement
	}
	return places.Departement(a.commune)
}

// representative is who signs for the candidate or list in the area's
// département: its representative, else the election's, else "" (the
// candidate signs).
func (a *dlgArea) representative(ctx context.Context, q pgdb.Q) (string, error) {
	return delegates.RepresentativeOf(ctx, q, a.election, a.dep())
}

// rounds lists the rounds the document covers.
func (a *dlgArea) rounds() []elections.Round {
	if a.round == 0 {
		return a.election.Rounds
	}
	r, _ := a.election.Round(a.round)
	return []elections.Round{r}
}

// dlgParams reads election, round, commune and departement. need is
// "commune", "departement", "either" (one of them) or "" (optional, at
// most one).
func dlgParams(ctx context.Context, pool *pgxpool.Pool, u *staff.User, p Params, need string) (*dlgArea, error) {
	if u == nil {
		return nil, check.ErrForbidden
	}
	a := &dlgArea{}
	var err error
	a.election, err = elections.Resolve(ctx, pool, strings.TrimSpace(p["election"]), "election", time.Now())
	if err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(p["round"]); s != "" {
		n, err := strconv.Atoi(s)
		if _, ok := a.election.Round(n); err != nil || !ok {
			return nil, check.Field("round", "Tour inconnu pour cette élection.")
		}
		a.round = n
	}
	commune, dep := strings.TrimSpace(p["commune"]), strings.TrimSpace(p["departement"])
	// A document is a commune's or a département's: both given is refused
	// in the words of every other place filter (places.CheckOneArea).
	if err := places.CheckOneArea(dep, commune); err != nil {
		return nil, err
	}
	switch {
	case need == "commune" && commune == "":
		return nil, check.Field("commune", "Précisez la commune.")
	case need == "departement" && dep == "":
		return nil, check.Field("departement", "Précisez le département.")
	case need == "either" && commune == "" && dep == "":
		return nil, check.Field("commune", "Précisez la commune ou le département.")
	}
	// A place outside u's scope is refused with its reason, as the staff
	// lists and the proxies export say it (places.CheckArea). A code that
	// is not one is left to DocCommune and DocDepartement, whose messages
	// the documents have always given.
	var outside *places.OutOfScope
	readDep, _, err := places.CheckArea(u, dep, commune)
	if errors.As(err, &outside) {
		return nil, err
	}
	if readDep == "" {
		readDep = strings.ToUpper(dep)
	}
	if commune != "" && need != "departement" {
		c, err := delegates.DocCommune(ctx, pool, u, "commune", commune)
		if err != nil {
			return nil, err
		}
		a.commune, a.communeName, a.departement = c.Code, c.Name, ""
	}
	if dep != "" && need != "commune" {
		if a.departement, err = delegates.DocDepartement(ctx, pool, u, "departement", dep); errors.Is(err, check.ErrForbidden) {
			// Some of the département is in scope (CheckArea let it
			// through), not all of it, as a département's documents need.
			return nil, &places.OutOfScope{Message: dlgAreaWord(readDep, "Le département ", "La collectivité ") + readDep + " n'est pas entièrement dans votre périmètre."}
		} else if err != nil {
			return nil, err
		}
	}
	return a, nil
}

// dlgWrite reads the parameters of a delegate document (dlgParams with
// need) and writes it, reporting what it was written for: the election
// resolved (the only open one when none was given) and the place and
// round as read.
func dlgWrite(need string, write func(ctx context.Context, pool *pgxpool.Pool, u *staff.User, a *dlgArea, w io.Writer) (int, error)) func(context.Context, *pgxpool.Pool, *staff.User, Params, io.Writer) (Written, error) {
	return func(ctx context.Context, pool *pgxpool.Pool, u *staff.User, p Params, w io.Writer) (Written, error) {
		a, err := dlgParams(ctx, pool, u, p, need)
		if err != nil {
			return Written{}, err
		}
		n, err := write(ctx, pool, u, a, w)
		read := map[string]string{"commune": a.commune, "departement": a.departement}
		if a.round != 0 {
			read["round"] = strconv.Itoa(a.round)
		}
		return Written{Rows: n, Params: resolvedParams(p, a.election.Slug, read)}, err
	}
}

// ---------------------------------------------------------------------------
// French wording

var (
	dlgMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	dlgDays   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
)

// dlgDate is "14 mars 2027" ("1er" for the first day).
func dlgDate(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return day + " " + dlgMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// dlgLongDate is "dimanche 14 mars 2027".
func dlgLongDate(t time.Time) string { return dlgDays[t.Weekday()] + " " + dlgDate(t) }

func dlgShortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02/01/2006")
}

func dlgRoundName(n int) string {
	if n == 2 {
		return "second tour"
	}
	return "premier tour"
}

// dlgRoundsText: "le premier tour (dimanche 14 mars 2027) et le second tour
// (dimanche 21 mars 2027)".
func dlgRoundsText(rs []elections.Round) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = "le " + dlgRoundName(r.Number) + " (" + dlgLongDate(r.Date) + ")"
	}
	return strings.Join(parts, " et ")
}

// dlgDeadline is the R46 deadline: 18:00 on the third day before the vote.
func dlgDeadline(r elections.Round) string {
	return dlgLongDate(r.Date.AddDate(0, 0, -3)) + " à 18 heures"
}

// dlgRoundsNote says which rounds an appointment covers when it is not all
// of the document's rounds: "(1er tour uniquement)".
func dlgRoundsNote(rounds []int, docRounds []elections.Round) string {
	if len(rounds) >= len(docRounds) || len(docRounds) < 2 {
		return ""
	}
	return "(" + fr.Round(rounds[0]) + " uniquement)"
}

// dlgRepresented agrees with the candidate or list a representative
// signs for: "représentée" for a list (« la liste « … », représentée
// par »), "représenté(e)" for a party or a person, whose gender the
// election does not say.
func dlgRepresented(candidate string) string {
	if strings.HasPrefix(delegates.CandidateName(candidate), "la liste ") {
		return "représentée"
	}
	return "représenté(e)"
}

// dlgFullName: "BRÛLÉ-NGUYỄN Zoé".
func dlgFullName(p *delegates.DocPerson) string {
	return strings.TrimSpace(strings.ToUpper(p.LastName) + " " + p.FirstNames)
}

// dlgAddress is the home address as R46's letter prints it: the address
// typed, then what it lacks of its postal code and town ("2 rue X, 04000
// Digne-les-Bains"). A sign-up made before the form asked for the town
// has none: the address and its postal code, as typed.
func dlgAddress(p *delegates.DocPerson) string {
	addr := strings.TrimSpace(p.Address)
	pc, city := p.PostalCode, strings.TrimSpace(p.City)
	if pc != "" && strings.Contains(addr, pc) {
		pc = ""
	}
	if city != "" && dlgHasWords(addr, city) {
		city = ""
	}
	switch {
	case pc == "" && city == "":
		return addr
	case pc == "" && p.PostalCode != "" && strings.HasSuffix(addr, p.PostalCode):
		return addr + " " + city // "2 rue X, 04000" and its town
	}
	return addr + ", " + strings.TrimSpace(pc+" "+city)
}

// dlgHasWords reports whether the words of town come in s, in a row,
// whatever the case and the hyphens or apostrophes between them ("Digne
// les Bains" holds Digne-les-Bains; "2 rue Yves" does not hold Y).
func dlgHasWords(s, town string) bool {
	words := func(s string) string {
		return " " + strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune(",;.-'’()/", r)
		}), " ") + " "
	}
	return strings.Contains(words(s), words(town))
}

func dlgBureauTitle(code, name string) string {
	t := "Bureau n° " + code
	if name != "" {
		t += " — " + name
	}
	return t
}

// dlgRegistration is where a person votes as R46 asks for it, printed after
// "inscrit·e à": "Manosque (04112), bureau 1, n° 1234", the commune and the
// number on its list; the NNE, labelled as such, when the person did not
// give that number (the mairie finds them by it on the single electoral
// register).
func dlgRegistration(p *delegates.DocPerson) string {
	s := p.CommuneName + " (" + p.CommuneCode + "), bureau " + p.BureauCode
	switch {
	case p.ListNumber != "":
		s += ", n° " + p.ListNumber
	case p.VoterNumber != "":
		s += ", NNE " + p.VoterNumber
	}
	return s
}

func dlgOrDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func dlgIf(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// dlgAreaWord is dep when code is a département's, col when it is an
// overseas collectivity's of 98x communes (987: French Polynesia).
func dlgAreaWord(code, dep, col string) string {
	if insee.KnownCollectivity(code) {
		return col
	}
	return dep
}

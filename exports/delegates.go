package exports

// Poll-delegate documents (Code électoral R44-R47): the designation letter
// sent to each mayor, one credential page per person, the staff workbook and
// the département summary for the prefecture. The data comes from the read
// models in logistics/delegates (documents.go), streamed and scoped there.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jung-kurt/gofpdf"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

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

// ---------------------------------------------------------------------------
// PDF helpers

// dlgText makes text safe for the embedded font: NFC (so that "ễ" is one
// glyph, not a letter and two floating accents), no control characters but
// line breaks, and nothing beyond the Basic Multilingual Plane, which
// gofpdf's UTF-8 support cannot index.
func dlgText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 && c != '\n' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r > 0xFFFF || r == unicode.ReplacementChar:
			return '?'
		case r == '\n':
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
}

// dlgDoc wraps a gofpdf document with the few layout tools the delegate
// documents share: wrapped cells whose height is known before printing, so
// that a block (a person, a table row) never splits across pages and
// headings can be repeated on the next page.
type dlgDoc struct {
	pdf *gofpdf.Fpdf
	w   float64 // content width
	// heading reprints the current section headings after a page break
	heading func()
}

func newDlgDoc(title, footer string) *dlgDoc {
	pdf := NewPDF()
	pdf.SetTitle(dlgText(title), true)
	pdf.SetAuthor("scrutin", true)
	pdf.SetAutoPageBreak(true, 18)
	d := &dlgDoc{pdf: pdf}
	pw, _ := pdf.GetPageSize()
	l, _, r, _ := pdf.GetMargins()
	d.w = pw - l - r
	footer = dlgText(footer)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-13)
		pdf.SetFont(Font, "", 7.5)
		pdf.SetTextColor(100, 100, 100)
		pdf.CellFormat(0, 4, footer+" — page "+strconv.Itoa(pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	return d
}

func (d *dlgDoc) font(style string, size float64) { d.pdf.SetFont(Font, style, size) }

// lines wraps text to width w in the current font (long words are cut).
func (d *dlgDoc) lines(text string, w float64) []string {
	text = dlgText(text)
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if para == "" {
			out = append(out, "")
			continue
		}
		out = append(out, d.pdf.SplitText(para, w)...)
	}
	return out
}

// room reports whether h millimetres fit above the bottom margin.
func (d *dlgDoc) room(h float64) bool {
	_, ph := d.pdf.GetPageSize()
	_, _, _, b := d.pdf.GetMargins()
	return d.pdf.GetY()+h <= ph-b
}

// need starts a new page (and reprints the headings) unless h fits.
func (d *dlgDoc) need(h float64) {
	if d.room(h) {
		return
	}
	d.pdf.AddPage()
	if d.heading != nil {
		d.heading()
	}
}

// para prints a wrapped paragraph over the full width.
func (d *dlgDoc) para(style string, size, lh float64, text string) {
	d.font(style, size)
	for _, l := range d.lines(text, d.w) {
		d.need(lh)
		d.pdf.CellFormat(d.w, lh, l, "", 2, "L", false, 0, "")
	}
}

// dlgCell is one cell of a table row.
type dlgCell struct {
	text  string
	style string // "", "B"
	size  float64
}

// rowHeight is the height of a row of wrapped cells.
func (d *dlgDoc) rowHeight(widths []float64, cells []dlgCell, lh float64) (float64, [][]string) {
	n := 1
	wrapped := make([][]string, len(cells))
	for i, c := range cells {
		d.font(c.style, c.size)
		wrapped[i] = d.lines(c.text, widths[i])
		n = max(n, len(wrapped[i]))
	}
	return float64(n)*lh + 1.2, wrapped
}

// row prints cells side by side, each wrapped in its column, on one page.
func (d *dlgDoc) row(widths []float64, cells []dlgCell, lh float64, border bool) {
	h, wrapped := d.rowHeight(widths, cells, lh)
	d.need(h)
	x0, y0 := d.pdf.GetX(), d.pdf.GetY()
	x := x0
	for i, c := range cells {
		d.font(c.style, c.size)
		for j, l := range wrapped[i] {
			d.pdf.SetXY(x, y0+0.6+float64(j)*lh)
			d.pdf.CellFormat(widths[i], lh, l, "", 0, "L", false, 0, "")
		}
		x += widths[i]
	}
	if border {
		d.pdf.SetDrawColor(200, 200, 200)
		d.pdf.Line(x0, y0+h, x, y0+h)
		d.pdf.SetDrawColor(0, 0, 0)
	}
	d.pdf.SetXY(x0, y0+h)
}

// band prints a filled heading line.
func (d *dlgDoc) band(style string, size, h float64, text string, r, g, b int) {
	d.font(style, size)
	d.pdf.SetFillColor(r, g, b)
	for _, l := range d.lines(text, d.w) {
		d.pdf.CellFormat(d.w, h, l, "", 2, "L", true, 0, "")
	}
}

func (d *dlgDoc) output(w io.Writer) error { return WritePDF(d.pdf, w) }

// ---------------------------------------------------------------------------
// 1. Designation letter to the mayor

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
	for _, l := range []string{"Madame, Monsieur le Maire", "Mairie de " + a.communeName, "(" + a.commune + ")"} {
		pdf.SetX(left + d.w/2)
		pdf.CellFormat(d.w/2, 5, dlgText(l), "", 2, "L", false, 0, "")
	}
	pdf.Ln(6)
	d.para("", 10, 5, "Le "+dlgDate(time.Now()))
	pdf.Ln(4)
	d.para("B", 10.5, 5.2, "Objet : désignation des assesseurs et délégués — "+el.Name)
	pdf.Ln(3)

	d.para("", 10, 5, "Madame, Monsieur le Maire de "+a.communeName+",")
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
	b.WriteString("\nInscrit·e à " + dlgRegistration(p))
	return []dlgCell{{text: role, style: "B", size: 9.5}, {text: b.String(), size: 9.5}}
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

// ---------------------------------------------------------------------------
// 2. Credentials: one page per person

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
		d.para("", 10, 5, "Inscrit·e à "+dlgRegistration(&v.DocPerson))
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

func dlgIf(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

func dlgContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// 3. Workbook for staff

func writeDelegatesWorkbook(ctx context.Context, pool *pgxpool.Pool, u *staff.User, a *dlgArea, w io.Writer) (int, error) {
	// The national workbook is some 6 million cells: streamed, zipped on
	// every core.
	f := NewWorkbook(w)
	defer f.Close()
	red, err := f.NewStyle(&excelize.Style{
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{dlgRedFill}},
		Font: &excelize.Font{Color: "9C0006", Bold: true},
	})
	if err != nil {
		return 0, err
	}
	header := []string{"Tour", "Dépt", "Code commune", "Commune", "Bureau", "Nom du bureau", "Adresse", "Priorité"}
	widths := []float64{6, 6, 9, 24, 8, 28, 36, 8}
	for _, r := range delegates.Roles {
		header = append(header, r.Label(), "Tél. "+dlgRoleAbbrev(r))
		widths = append(widths, 30, 15)
	}
	header = append(header, "Places à pourvoir")
	widths = append(widths, 10)
	bureaux, err := NewSheet(f, "Bureaux", header, widths)
	if err != nil {
		return 0, err
	}
	volunteers, err := NewSheet(f, "Bénévoles", []string{"Nom", "Nom de naissance", "Prénoms", "Téléphone", "E-mail",
		"Code commune", "Commune d'inscription", "Bureau d'inscription", "N° sur la liste", "Rôles acceptés", "Tours", "Distance acceptée",
		"Statut", "Affectations", "Confirmé"},
		[]float64{22, 16, 22, 15, 30, 9, 24, 9, 10, 40, 8, 14, 10, 70, 10})
	if err != nil {
		return 0, err
	}
	open, err := NewSheet(f, "À pourvoir", []string{"Tour", "Dépt", "Code commune", "Commune", "Bureau", "Nom du bureau", "Adresse", "Rôle", "Priorité"},
		[]float64{6, 6, 9, 24, 8, 28, 36, 22, 8})
	if err != nil {
		return 0, err
	}
	sheets := []*Sheet{bureaux, volunteers, open}
	for _, s := range sheets {
		s.Background()
		defer s.Close() // ends its goroutine on error paths; closing again does nothing
	}

	// The volunteers' sheet is written while the bureaux' needs are read,
	// each on its own connection; the bureaux' sheets then come from the
	// needs and from the seats the volunteers hold. Each sheet encodes its
	// rows on a goroutine of its own.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	held := &workbookSeats{}
	volunteersDone := make(chan error, 1)
	go func() {
		err := dlgReadTx(ctx, pool, func(q pgdb.Q) error { return writeVolunteerSheet(ctx, q, u, a, volunteers, held) })
		if err != nil {
			cancel()
		}
		volunteersDone <- err
	}()
	var needs []delegates.DocNeedBureau
	err = dlgReadTx(ctx, pool, func(q pgdb.Q) error {
		var err error
		needs, err = delegates.DocBureauNeeds(ctx, q, u, a.filter(), a.roundNumbers())
		return err
	})
	if err != nil {
		cancel()
		<-volunteersDone
		return 0, err
	}
	if err := <-volunteersDone; err != nil {
		return 0, err
	}
	if err := writeBureauSheets(workbookBureaux(needs, held), held.holders, a.roundNumbers(), red, bureaux, open); err != nil {
		return 0, err
	}
	for _, s := range sheets {
		if err := s.Close(); err != nil {
			return 0, err
		}
	}
	f.SetActiveSheet(0)
	if err := SaveWorkbook(f); err != nil {
		return 0, err
	}
	return volunteers.Rows(), nil
}

// roundNumbers lists the numbers of the rounds the document covers.
func (a *dlgArea) roundNumbers() []int {
	var out []int
	for _, r := range a.rounds() {
		out = append(out, r.Number)
	}
	return out
}

// workbookSeats are the seats held in the workbook's area, gathered from the
// volunteers' sheet for the bureaux' sheet: they were the other half of a
// full join of the seats needed and held that PostgreSQL sorted by bureau
// (some 400,000 rows, most of the database's time for a national
// workbook).
type workbookSeats struct {
	holders []workbookHolder
	places  map[[2]string]*workbookPlace // by commune and bureau code
}

// workbookHolder is a person's cells in the bureaux' sheet, made values
// once rather than for each of their seats.
type workbookHolder struct{ name, phone any }

// workbookPlace is a bureau where seats are held, with who holds them in
// rounds 1 and 2 (the only ones there are): holder+1 by round and role in
// delegates.Roles order, 0 for nobody. Its texts are those of the
// postings, shared by every seat of the bureau.
type workbookPlace struct {
	commune, communeName, bureau string
	held                         [2][4]int32
	needed                       bool // the bureau is one of the needs' (workbookBureaux)
}

// add records the seats v holds; last is v's last name in capitals and
// phone v's phone number as the sheets show them.
func (w *workbookSeats) add(v *delegates.DocVolunteer, last, phone string) {
	if len(v.Postings) == 0 {
		return
	}
	if w.places == nil {
		w.places = map[[2]string]*workbookPlace{}
	}
	// dlgFullName, from the capitals the volunteers' sheet made already
	w.holders = append(w.holders, workbookHolder{strings.TrimSpace(last + " " + v.FirstNames), dlgCellText(phone)})
	holder := int32(len(w.holders))
	for _, p := range v.Postings {
		role := slices.Index(delegates.Roles, p.Role)
		if p.Round < 1 || p.Round > 2 || role < 0 {
			continue // excluded by the table's checks
		}
		key := [2]string{p.CommuneCode, p.BureauCode}
		place := w.places[key]
		if place == nil {
			place = &workbookPlace{commune: p.CommuneCode, communeName: p.CommuneName, bureau: p.BureauCode}
			w.places[key] = place
		}
		place.held[p.Round-1][role] = holder
	}
}

// workbookBureau is a bureau with its needs and who holds its seats.
type workbookBureau struct {
	*delegates.DocNeedBureau
	held *[2][4]int32 // nil: nobody
}

// workbookBureaux puts the seats held into the bureaux, in the bureaux'
// order. A seat held in a bureau missing from the places (deleted since)
// still gets its bureau, without a name, as the join did.
func workbookBureaux(needs []delegates.DocNeedBureau, held *workbookSeats) []workbookBureau {
	out := make([]workbookBureau, len(needs))
	for i := range needs {
		b := &needs[i]
		out[i].DocNeedBureau = b
		if p := held.places[[2]string{b.CommuneCode, b.BureauCode}]; p != nil {
			out[i].held, p.needed = &p.held, true
		}
	}
	n := len(out)
	for _, p := range held.places {
		if !p.needed {
			place := delegates.DocBureauPlace{Departement: places.Departement(p.commune), CommuneCode: p.commune, CommuneName: p.communeName, BureauCode: p.bureau}
			out = append(out, workbookBureau{&delegates.DocNeedBureau{DocBureauPlace: place, Priority: 1}, &p.held})
		}
	}
	if len(out) > n {
		slices.SortStableFunc(out, func(a, b workbookBureau) int {
			return delegates.CompareBureaux(a.CommuneCode, a.BureauCode, b.CommuneCode, b.BureauCode)
		})
	}
	return out
}

// writeBureauSheets writes a row per bureau and round with a seat needed or
// held to "Bureaux" (empty seats in red), and a row per empty seat to "À
// pourvoir". rounds are the rounds whose needs the bureaux list.
func writeBureauSheets(bs []workbookBureau, holders []workbookHolder, rounds []int, red int, bureaux, open *Sheet) error {
	w := &bureauSheets{bureaux: bureaux, open: open, holders: holders, row: make([]any, 0, 9+2*len(delegates.Roles)),
		emptySeat: excelize.Cell{StyleID: red, Value: "À POURVOIR"}, emptyPhone: excelize.Cell{StyleID: red, Value: ""}}
	for _, r := range delegates.Roles {
		w.labels = append(w.labels, r.Label())
	}
	for i := range bs {
		b := &bs[i]
		// the bureau's cells, made values once for all its rows
		place := [...]any{b.Departement, b.CommuneCode, b.CommuneName, b.BureauCode, dlgCellText(b.BureauName), dlgCellText(b.BureauAddress)}
		for round := 1; round <= 2; round++ {
			var needed []delegates.Role
			if k := slices.Index(rounds, round); k >= 0 && k < len(b.Needs) {
				needed = b.Needs[k]
			}
			var held [4]int32
			if b.held != nil {
				held = b.held[round-1]
			}
			if len(needed) == 0 && held == ([4]int32{}) {
				continue
			}
			priority := 1
			if len(needed) > 0 {
				priority = b.Priority
			}
			if err := w.write(round, &place, priority, needed, held); err != nil {
				return err
			}
		}
	}
	return nil
}

// bureauSheets writes the rows of "Bureaux" and "À pourvoir".
type bureauSheets struct {
	bureaux, open         *Sheet
	holders               []workbookHolder
	emptySeat, emptyPhone any
	labels                []any // of delegates.Roles
	row                   []any
}

// write writes the rows of a bureau in a round: place is its département,
// commune code and name, bureau code, name and address; held who holds its
// seats, as in workbookPlace.
func (w *bureauSheets) write(round int, place *[6]any, priority int, needed []delegates.Role, held [4]int32) error {
	w.row = append(append(append(w.row[:0], round), place[:]...), priority)
	uncovered := 0
	for _, r := range needed {
		if k := slices.Index(delegates.Roles, r); k < 0 || held[k] == 0 {
			uncovered++
		}
	}
	for k, r := range delegates.Roles {
		switch {
		case held[k] != 0:
			h := &w.holders[held[k]-1]
			w.row = append(w.row, h.name, h.phone)
		case slices.Contains(needed, r):
			w.row = append(w.row, w.emptySeat, w.emptyPhone)
			if err := w.open.Add(round, place[0], place[1], place[2], place[3], place[4], place[5], w.labels[k], priority); err != nil {
				return err
			}
		default:
			w.row = append(w.row, nil, nil)
		}
	}
	w.row = append(w.row, uncovered)
	return w.bureaux.Add(w.row...)
}

// writeVolunteerSheet fills the "Bénévoles" sheet: one row per volunteer
// with their seats and whether they confirmed them, which it records in
// held.
func writeVolunteerSheet(ctx context.Context, q pgdb.Q, u *staff.User, a *dlgArea, volunteers *Sheet, held *workbookSeats) error {
	return delegates.EachDocVolunteer(ctx, q, u, a.filter(), false, true, func(v *delegates.DocVolunteer) error {
		last, phone := strings.ToUpper(v.LastName), phoneText(v.Phone)
		held.add(v, last, phone)
		var accepted []string
		for _, r := range v.Roles {
			accepted = append(accepted, r.Label())
		}
		var rounds []string
		for _, r := range v.Rounds {
			rounds = append(rounds, strconv.Itoa(r))
		}
		distance := "Sa commune"
		if v.MaxDistanceKm != nil {
			distance = dlgIf(*v.MaxDistanceKm == 0, "Son bureau", delegates.KmText(*v.MaxDistanceKm)) // "7,5 km"
		}
		status := dlgIf(v.Status == "withdrawn", "Désisté(e)", "Actif")
		confirmed := 0
		for _, ps := range v.Postings {
			if ps.Confirmed {
				confirmed++
			}
		}
		conf := ""
		switch {
		case len(v.Postings) == 0:
		case confirmed == len(v.Postings):
			conf = "Oui"
		case confirmed == 0:
			conf = "Non"
		default:
			conf = "En partie"
		}
		return volunteers.Add(last, dlgCellText(strings.ToUpper(v.BirthName)), v.FirstNames, dlgCellText(phone), v.Email,
			v.CommuneCode, v.CommuneName, v.BureauCode, dlgCellText(v.ListNumber), strings.Join(accepted, ", "), strings.Join(rounds, ", "), distance,
			status, dlgCellText(dlgPostingsText(v.Postings)), dlgCellText(conf))
	})
}

// dlgPostingsText lists a volunteer's seats: "T1 Digne-les-Bains (04070)
// bureau 1 : Assesseur titulaire ; T2 ...".
func dlgPostingsText(ps []delegates.DocPosting) string {
	var b strings.Builder
	b.Grow(64 * len(ps))
	for i, p := range ps {
		if i > 0 {
			b.WriteString(" ; ")
		}
		b.WriteByte('T')
		b.WriteString(strconv.Itoa(p.Round))
		b.WriteByte(' ')
		b.WriteString(p.CommuneName)
		b.WriteString(" (")
		b.WriteString(p.CommuneCode)
		b.WriteString(") bureau ")
		b.WriteString(p.BureauCode)
		b.WriteString(" : ")
		b.WriteString(p.Role.Label())
	}
	return b.String()
}

// dlgReadTx runs the workbook's big reads in a read-only transaction
// tuned for them: a national read joins some 300,000 seats and sorts
// 150,000 volunteers, reads for which JIT compilation cost half a second
// before the first row (0.54 s of the former seat query's 2.2 s), and the
// default work_mem split hash joins into batches on disk.
func dlgReadTx(ctx context.Context, pool *pgxpool.Pool, fn func(q pgdb.Q) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// dlgCellText leaves an empty cell out of the row (nil) rather than writing
// an empty string: millions of cells in a national workbook.
func dlgCellText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// dlgRedFill is the background of an empty seat in the workbook.
const dlgRedFill = "FFC7CE"

func dlgRoleAbbrev(r delegates.Role) string {
	switch r {
	case delegates.AssesseurTitulaire:
		return "AT"
	case delegates.AssesseurSuppleant:
		return "AS"
	case delegates.DelegueTitulaire:
		return "DT"
	case delegates.DelegueSuppleant:
		return "DS"
	}
	return string(r)
}

// ---------------------------------------------------------------------------
// 4. Département summary for the prefecture

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
		{"Établi le", dlgDate(time.Now())},
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

// dlgAreaWord is dep when code is a département's, col when it is an
// overseas collectivity's of 98x communes (987: French Polynesia).
func dlgAreaWord(code, dep, col string) string {
	if insee.KnownCollectivity(code) {
		return col
	}
	return dep
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

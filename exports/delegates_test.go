package exports_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
)

// delegateFixture is the demo places and election (Alpes-de-Haute-Provence
// and Paris 4e) with volunteers whose names need more than Latin-1, one
// that looks like a spreadsheet formula and one far too long for a line.
type delegateFixture struct {
	pool *pgxpool.Pool
	el   *elections.Election
	ids  map[string]int64
	n    int
}

type dlgVolunteer struct {
	key, last, birthName, first, birthDate, birthPlace, commune, bureau string
	roles                                                               []string
	rounds                                                              []int
}

func newDelegateFixture(t testing.TB) *delegateFixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if err := demo.Load(ctx, pool, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	el, err := elections.BySlug(ctx, pool, demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	f := &delegateFixture{pool: pool, el: el, ids: map[string]int64{}}
	for _, v := range []dlgVolunteer{
		{"zoe", "Brûlé-Nguyễn", "Nguyễn", "Zoé Anne", "1990-03-02", "Hanoï (Viêt Nam)", "04070", "1", []string{"assesseur_titulaire", "assesseur_suppleant"}, []int{1, 2}},
		{"lukasz", "Żółć", "", "Łukasz", "1985-11-30", "Kraków (Pologne)", "04070", "2", []string{"assesseur_suppleant"}, []int{1}},
		{"formula", "=cmd|' /C calc'!A0", "", "@SUM(1+1)", "1970-01-01", "Manosque", "04112", "1", []string{"delegue_titulaire", "delegue_suppleant"}, []int{1, 2}},
		{"long", "de La Tour d'Auvergne-Lauraguais de Montmorency-Laval de Saint-Exupéry", "", "Marie-Éléonore Philippine Charlotte Joséphine Adélaïde Bérénice", "1962-07-14", "Barcelonnette", "04070", "3", []string{"assesseur_titulaire"}, []int{1, 2}},
		{"soren", "Øster", "", "Søren", "2001-05-20", "Aarhus (Danemark)", "04070", "4", []string{"delegue_suppleant"}, []int{2}},
		{"ivan", "Петров", "", "Иван", "1979-02-11", "Sisteron", "04209", "1", []string{"assesseur_titulaire"}, []int{1}},
		{"nikos", "Παπαδόπουλος", "", "Νίκος", "1988-08-08", "Athènes (Grèce)", "04209", "2", []string{"assesseur_titulaire"}, []int{1}},
		{"paris", "Dupont-Aïtmokhtar", "", "Inès", "1995-12-01", "Paris", "75104", "1", []string{"assesseur_titulaire"}, []int{1}},
	} {
		f.volunteer(t, v)
	}
	f.assign(t, 1, "04070", "1", "assesseur_titulaire", "zoe", true)
	f.assign(t, 2, "04070", "1", "assesseur_titulaire", "zoe", false)
	f.assign(t, 1, "04070", "1", "assesseur_suppleant", "lukasz", true)
	f.assign(t, 1, "04070", "1", "delegue_titulaire", "formula", true)
	f.assign(t, 2, "04070", "1", "delegue_titulaire", "formula", true)
	f.assign(t, 1, "04070", "2", "delegue_titulaire", "formula", true)
	f.assign(t, 1, "04070", "2", "assesseur_titulaire", "long", false)
	f.assign(t, 2, "04070", "2", "delegue_suppleant", "soren", false) // not a needed seat by default
	f.assign(t, 1, "04209", "1", "assesseur_titulaire", "nikos", false)
	f.assign(t, 1, "75104", "1", "assesseur_titulaire", "paris", true)
	return f
}

func (f *delegateFixture) volunteer(t testing.TB, v dlgVolunteer) int64 {
	t.Helper()
	f.n++
	var id int64
	err := f.pool.QueryRow(context.Background(), `
		INSERT INTO delegate_volunteers (election_id, last_name, birth_name, first_names, birth_date, birth_place, address, postal_code,
			email, phone, commune_code, bureau_code, voter_number, roles, rounds)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING id`,
		f.el.ID, v.last, v.birthName, v.first, v.birthDate, v.birthPlace,
		fmt.Sprintf("%d chemin des Écoliers", f.n), "04000", v.key+"@example.org", fmt.Sprintf("+336%08d", f.n),
		v.commune, v.bureau, fmt.Sprintf("%09d", 100000000+f.n), v.roles, v.rounds).Scan(&id)
	if err != nil {
		t.Fatalf("volunteer %s: %v", v.key, err)
	}
	f.ids[v.key] = id
	return id
}

func (f *delegateFixture) assign(t testing.TB, round int, commune, bureau, role, key string, confirmed bool) {
	t.Helper()
	_, err := f.pool.Exec(context.Background(), `
		INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source, confirmed_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'manual', CASE WHEN $7 THEN now() END)`,
		f.el.ID, round, commune, bureau, role, f.ids[key], confirmed)
	if err != nil {
		t.Fatalf("assign %s: %v", key, err)
	}
}

// listNumber records the number on their commune's list that a volunteer
// gave at sign-up.
func (f *delegateFixture) listNumber(t testing.TB, key, n string) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), `UPDATE delegate_volunteers SET list_number = $2 WHERE id = $1`, f.ids[key], n); err != nil {
		t.Fatal(err)
	}
}

// representative names the list's representative in a département.
func (f *delegateFixture) representative(t testing.TB, dep, name string) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), `INSERT INTO delegate_representatives (election_id, departement, name) VALUES ($1, $2, $3)`, f.el.ID, dep, name); err != nil {
		t.Fatal(err)
	}
}

var (
	dlgAdmin     = &staff.User{Email: "admin-test@example.org", Role: staff.Admin}
	dlgOrganizer = &staff.User{Email: "orga04@example.org", Role: staff.Organizer, Scope: []string{"04"}}
)

// run runs an export through exports.Run (scope, audit) and checks that it
// wrote exactly one audit row holding its row count.
func (f *delegateFixture) run(t testing.TB, u *staff.User, name string, p exports.Params) ([]byte, int) {
	t.Helper()
	ctx := context.Background()
	var before int
	f.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1`, "export."+name).Scan(&before)
	var buf bytes.Buffer
	res, err := exports.Run(ctx, f.pool, u, u.Actor(), name, p, &buf)
	if err != nil {
		t.Fatalf("%s %v: %v", name, p, err)
	}
	rows := res.Rows
	var after int
	var details map[string]any
	var actor string
	f.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1`, "export."+name).Scan(&after)
	if err := f.pool.QueryRow(ctx, `SELECT actor, details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`, "export."+name).Scan(&actor, &details); err != nil {
		t.Fatalf("%s: no audit row: %v", name, err)
	}
	if after != before+1 {
		t.Errorf("%s: %d audit rows written, want 1", name, after-before)
	}
	if got, _ := details["rows"].(float64); int(got) != rows || actor != u.Actor() {
		t.Errorf("%s: audit %s %v, want rows=%d by %s", name, actor, details, rows, u.Actor())
	}
	return buf.Bytes(), rows
}

// pdfText extracts the text of a PDF with poppler's pdftotext, in the order
// it was printed, white space (line breaks of wrapped cells too) squeezed to
// one space; pages are separated by form feeds.
func pdfText(t testing.TB, pdf []byte) (text string, pages int) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.40q", pdf)
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, installed by `make test`): %v", err)
	}
	pages = strings.Count(string(out), "\f")
	return regexp.MustCompile(`[ \t\r\n]+`).ReplaceAllString(string(out), " "), pages
}

func wantText(t *testing.T, doc, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s: %q missing", doc, w)
		}
	}
}

func dontWantText(t *testing.T, doc, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("%s: %q should not be there", doc, w)
		}
	}
}

func TestDelegateDesignationLetter(t *testing.T) {
	f := newDelegateFixture(t)
	f.listNumber(t, "zoe", "1204")
	f.listNumber(t, "long", "007")
	r1, _ := f.el.Round(1)
	pdf, rows := f.run(t, dlgOrganizer, "designations", exports.Params{"commune": "04070", "election": demo.ElectionSlug})
	if rows != 6 {
		t.Errorf("rows = %d, want 6 appointments (a person in both rounds counts once)", rows)
	}
	text, _ := pdfText(t, pdf)
	wantText(t, "designation", text,
		"Madame, Monsieur le Maire", "Mairie de Digne-les-Bains", "(04070)",
		"Élection de démonstration", "Liste « Ensemble pour demain »", "Camille Martin",
		"R44 à R47", "R46", "18 heures", "deux tours",
		r1.Date.AddDate(0, 0, -3).Format("2")+" ", "jeudi",
		"Bureau n° 1 — Hôtel de ville", "Place du Général de Gaulle", "Bureau n° 2 — École Joseph Reinach",
		"Assesseur titulaire", "Assesseur suppléant", "Délégué titulaire", "Délégué suppléant",
		"BRÛLÉ-NGUYỄN Zoé Anne", "nom de naissance : NGUYỄN", "Né(e) le 02/03/1990 à Hanoï (Viêt Nam)",
		"ŻÓŁĆ Łukasz", "(1er tour uniquement)", "ØSTER Søren", "(2d tour uniquement)",
		"=CMD|' /C CALC'!A0 @SUM(1+1)",
		// R46: the commune and the number on its list; the NNE, said so, without it
		"Inscrit·e à Digne-les-Bains (04070), bureau 1, n° 1204", "Inscrit·e à Digne-les-Bains (04070), bureau 3, n° 007",
		"Inscrit·e à Manosque (04112), bureau 1, NNE 100000003",
		"MONTMORENCY-LAVAL", "Adélaïde Bérénice",
		"Signature", "Récépissé de la mairie",
		// the receipt counts people: the délégué of bureaux 1 and 2 is one
		"Nombre de personnes désignées : 5")
	dontWantText(t, "designation", text, "DUPONT", "ПЕТРОВ", "Sisteron (04209)", "n° 1204 NNE", "NNE 100000001")
	// No representative for the 04: the election's signs for the list,
	// which a sentence names with its article.
	wantText(t, "designation", text, "Représentée par Camille Martin", "Pour la liste « Ensemble pour demain » Camille Martin Signature",
		"code électoral, la liste « Ensemble pour demain », représentée par Camille Martin, a l'honneur")
	dontWantText(t, "designation", text, "Pour Liste", "électoral, Liste")
	if strings.Count(text, "BRÛLÉ-NGUYỄN Zoé Anne") != 1 {
		t.Errorf("a person in both rounds should be listed once:\n%s", text)
	}

	// One round: the persons of the other round only are left out.
	pdf, rows = f.run(t, dlgOrganizer, "designations", exports.Params{"commune": "04070", "election": demo.ElectionSlug, "round": "1"})
	text, _ = pdfText(t, pdf)
	if rows != 5 {
		t.Errorf("round 1: rows = %d, want 5", rows)
	}
	wantText(t, "designation round 1", text, "premier tour uniquement", "ŻÓŁĆ Łukasz", "Nombre de personnes désignées : 4")
	dontWantText(t, "designation round 1", text, "ØSTER", "uniquement)")

	// A commune with nobody yet still gets a letter saying so.
	pdf, rows = f.run(t, dlgAdmin, "designations", exports.Params{"commune": "4088", "election": demo.ElectionSlug})
	text, _ = pdfText(t, pdf)
	if rows != 0 {
		t.Errorf("Forcalquier: rows = %d", rows)
	}
	wantText(t, "empty designation", text, "Mairie de Forcalquier", "Aucun assesseur ni délégué")
}

// The département's representative signs its communes' letters; another
// département keeps the election's; without either, the candidate signs.
func TestDelegateDesignationSignedByDepartementRepresentative(t *testing.T) {
	f := newDelegateFixture(t)
	f.representative(t, "04", "Jeanne Aubert-Nguyễn")
	pdf, _ := f.run(t, dlgOrganizer, "designations", exports.Params{"commune": "04070", "election": demo.ElectionSlug})
	text, _ := pdfText(t, pdf)
	wantText(t, "04 letter", text, "Représentée par Jeanne Aubert-Nguyễn", "représentée par Jeanne Aubert-Nguyễn, a l'honneur",
		"Pour la liste « Ensemble pour demain » Jeanne Aubert-Nguyễn Signature")
	dontWantText(t, "04 letter", text, "Camille Martin")

	pdf, _ = f.run(t, dlgAdmin, "designations", exports.Params{"commune": "75104", "election": demo.ElectionSlug})
	text, _ = pdfText(t, pdf)
	wantText(t, "75 letter", text, "Pour la liste « Ensemble pour demain » Camille Martin Signature")
	dontWantText(t, "75 letter", text, "Jeanne")

	if _, err := f.pool.Exec(context.Background(), `UPDATE elections SET representative = '' WHERE id = $1`, f.el.ID); err != nil {
		t.Fatal(err)
	}
	pdf, _ = f.run(t, dlgAdmin, "designations", exports.Params{"commune": "75104", "election": demo.ElectionSlug})
	text, _ = pdfText(t, pdf)
	// The list signs in person: its name stands alone, as stored; the
	// sentence still gives it its article.
	wantText(t, "75 letter without representative", text, "……………… Liste « Ensemble pour demain » Signature",
		"code électoral, la liste « Ensemble pour demain » a l'honneur")
	dontWantText(t, "75 letter without representative", text, "Représenté", "eprésenté", "Pour Liste", "Pour la liste")
}

// A representative signs for the list: « la liste « … », représentée
// par », feminine as the list is; for a party or a person named without
// « la liste », « représenté(e) ».
func TestDelegateDocumentsRepresentedAgreesWithTheList(t *testing.T) {
	f := newDelegateFixture(t)
	letter := exports.Params{"commune": "04070", "election": demo.ElectionSlug}
	pdf, _ := f.run(t, dlgOrganizer, "designations", letter)
	text, _ := pdfText(t, pdf)
	wantText(t, "list's letter", text, "Liste « Ensemble pour demain » Représentée par Camille Martin",
		"code électoral, la liste « Ensemble pour demain », représentée par Camille Martin, a l'honneur")
	dontWantText(t, "list's letter", text, "représenté(e)", "Représenté(e)")
	pdf, _ = f.run(t, dlgOrganizer, "credentials", letter)
	text, _ = pdfText(t, pdf)
	wantText(t, "list's credentials", text, "Désigné(e) par la liste « Ensemble pour demain », représentée par Camille Martin, en application")
	dontWantText(t, "list's credentials", text, "représenté(e)")

	for _, candidate := range []string{"Jeanne Dupont", "Parti de l'avenir"} {
		if _, err := f.pool.Exec(context.Background(), `UPDATE elections SET candidate = $2 WHERE id = $1`, f.el.ID, candidate); err != nil {
			t.Fatal(err)
		}
		pdf, _ = f.run(t, dlgOrganizer, "designations", letter)
		text, _ = pdfText(t, pdf)
		wantText(t, candidate+" letter", text, candidate+" Représenté(e) par Camille Martin",
			"code électoral, "+candidate+", représenté(e) par Camille Martin, a l'honneur")
		dontWantText(t, candidate+" letter", text, "représentée", "Représentée")
		pdf, _ = f.run(t, dlgOrganizer, "credentials", letter)
		text, _ = pdfText(t, pdf)
		wantText(t, candidate+" credentials", text, "Désigné(e) par "+candidate+", représenté(e) par Camille Martin, en application")
	}
}

// Many people with long names: blocks never split, bureau headings are
// repeated on the next page.
func TestDelegateDesignationPageBreaks(t *testing.T) {
	f := newDelegateFixture(t)
	var names []string
	abbrev := map[string]string{"assesseur_titulaire": "at", "assesseur_suppleant": "as", "delegue_titulaire": "dt", "delegue_suppleant": "ds"}
	for b := 3; b <= 4; b++ {
		for round := 1; round <= 2; round++ {
			for _, role := range []string{"assesseur_titulaire", "assesseur_suppleant", "delegue_titulaire", "delegue_suppleant"} {
				id := fmt.Sprintf("%d%d%s", b, round, abbrev[role])
				last := "Wołodyjowski-Ünal-" + id + " de Villeneuve-Saint-Georges-sur-le-Lot"
				f.volunteer(t, dlgVolunteer{"p" + id, last, "", "Jean-Baptiste Éloïse", "1980-01-01", "Lyon", "04070", "1", []string{role}, []int{round}})
				f.assign(t, round, "04070", fmt.Sprint(b), role, "p"+id, false)
				names = append(names, strings.ToUpper(id))
			}
		}
	}
	pdf, rows := f.run(t, dlgAdmin, "designations", exports.Params{"commune": "04070", "election": demo.ElectionSlug})
	if rows != 6+16 {
		t.Errorf("rows = %d, want 22", rows)
	}
	text, pages := pdfText(t, pdf)
	if pages < 3 {
		t.Errorf("%d pages, want at least 3", pages)
	}
	wantText(t, "long designation", text, "(suite)", "Bureau n° 4 — Salle des Dourbes", "Signature")
	for _, n := range names {
		if !strings.Contains(text, "-"+n+" ") && !strings.Contains(text, "-"+n+"\n") {
			t.Errorf("%s missing", n)
		}
	}
}

func TestDelegateCredentials(t *testing.T) {
	f := newDelegateFixture(t)
	pdf, rows := f.run(t, dlgOrganizer, "credentials", exports.Params{"commune": "04070", "election": demo.ElectionSlug})
	text, pages := pdfText(t, pdf)
	if rows != 5 || pages != 5 {
		t.Errorf("rows = %d, pages = %d, want one page per person (5)", rows, pages)
	}
	r1, _ := f.el.Round(1)
	wantText(t, "credentials", text, "Accréditation", "BRÛLÉ-NGUYỄN Zoé Anne", "ŻÓŁĆ Łukasz", "ØSTER Søren", "=CMD|' /C CALC'!A0",
		"Assesseur titulaire", "Assesseur suppléant", "Délégué titulaire", "Délégué suppléant",
		"Bureau n° 1 — Hôtel de ville", "Place du Général de Gaulle", "Bureau n° 2 — École Joseph Reinach",
		"1er tour", "2d tour", "dimanche "+r1.Date.Format("2"),
		"pièce d'identité", "carte électorale", "récépissé de la mairie", "stylo", "R47",
		"Désigné(e) par la liste « Ensemble pour demain », représentée par Camille Martin")
	dontWantText(t, "credentials", text, "Петров", "Dupont", "Inès", "par Liste")
	// Each page is one person's: Zoé's page holds her two rounds.
	for _, page := range strings.Split(text, "\f") {
		if strings.Contains(page, "BRÛLÉ-NGUYỄN") && (!strings.Contains(page, "1er tour") || !strings.Contains(page, "2d tour") || strings.Contains(page, "ŻÓŁĆ")) {
			t.Errorf("Zoé's page:\n%s", page)
		}
	}

	pdf, rows = f.run(t, dlgOrganizer, "credentials", exports.Params{"departement": "04", "election": demo.ElectionSlug, "round": "1"})
	text, pages = pdfText(t, pdf)
	if rows != 5 || pages != 5 { // zoe, lukasz, formula, long, nikos
		t.Errorf("département, round 1: rows = %d, pages = %d, want 5", rows, pages)
	}
	wantText(t, "credentials 04", text, "ΠΑΠΑΔΌΠΟΥΛΟΣ Νίκος", "Sisteron (04209)")
	dontWantText(t, "credentials 04", text, "ØSTER", "2d tour")
}

func TestDelegateWorkbook(t *testing.T) {
	f := newDelegateFixture(t)
	f.listNumber(t, "zoe", "001204")
	data, rows := f.run(t, dlgOrganizer, "delegates", exports.Params{"election": demo.ElectionSlug, "departement": "04"})
	if rows != 7 {
		t.Errorf("rows = %d, want 7 volunteers", rows)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := strings.Join(x.GetSheetList(), ","); got != "Bureaux,Bénévoles,À pourvoir" {
		t.Fatalf("sheets = %s", got)
	}
	bureaux, err := x.GetRows("Bureaux")
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "Tour,Dépt,Code commune,Commune,Bureau,Nom du bureau,Adresse,Priorité,Assesseur titulaire,Tél. AT,Assesseur suppléant,Tél. AS,Délégué titulaire,Tél. DT,Délégué suppléant,Tél. DS,Places à pourvoir"
	if got := strings.Join(bureaux[0], ","); got != wantHeader {
		t.Errorf("header = %s", got)
	}
	if len(bureaux) != 1+12*2 {
		t.Errorf("%d bureau rows, want 24 (12 bureaux of the 04, 2 rounds)", len(bureaux)-1)
	}
	seen := map[string]bool{}
	var digne1r1, digne2r2 int
	for i, r := range bureaux[1:] {
		seen[r[0]+"/"+r[2]+"_"+r[4]] = true
		if r[2] == "75104" {
			t.Errorf("Paris bureau in a 04 workbook: %v", r)
		}
		switch r[0] + "/" + r[2] + "_" + r[4] {
		case "1/04070_1":
			digne1r1 = i + 2
		case "2/04070_2":
			digne2r2 = i + 2
		}
	}
	if len(seen) != 24 {
		t.Errorf("bureau/round rows not distinct: %d", len(seen))
	}
	cell := func(sheet string, col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col, row)
		v, _ := x.GetCellValue(sheet, name)
		return v
	}
	fill := func(sheet string, col, row int) string {
		name, _ := excelize.CoordinatesToCellName(col, row)
		id, _ := x.GetCellStyle(sheet, name)
		st, _ := x.GetStyle(id)
		if st == nil || len(st.Fill.Color) == 0 {
			return ""
		}
		return strings.ToUpper(st.Fill.Color[0])
	}
	if got := cell("Bureaux", 9, digne1r1); got != "BRÛLÉ-NGUYỄN Zoé Anne" {
		t.Errorf("04070_1 round 1 assesseur titulaire = %q", got)
	}
	if got := cell("Bureaux", 10, digne1r1); got != "06 00 00 00 01" {
		t.Errorf("phone = %q", got)
	}
	// A formula-like name is its text, quote-prefixed: no apostrophe
	// shows, and editing the cell keeps it text.
	prefixes := quotePrefixes(t, data)
	name, _ := excelize.CoordinatesToCellName(13, digne1r1)
	wantInertText(t, x, prefixes, "Bureaux", name, "=CMD|' /C CALC'!A0 @SUM(1+1)")
	// 04070_1 round 1: AT, AS, DT held; DS not needed: nothing is red.
	for col := 9; col <= 17; col++ {
		if fill("Bureaux", col, digne1r1) != "" {
			t.Errorf("04070_1 round 1 column %d highlighted", col)
		}
	}
	// 04070_2 round 2: AT, AS, DT needed and empty (red); DS held though not needed.
	for _, col := range []int{9, 10, 11, 12, 13, 14} {
		if got := fill("Bureaux", col, digne2r2); got != "FFC7CE" {
			t.Errorf("04070_2 round 2 column %d fill = %q, want red", col, got)
		}
	}
	if got := cell("Bureaux", 9, digne2r2); got != "À POURVOIR" {
		t.Errorf("empty seat = %q", got)
	}
	if got, want := cell("Bureaux", 15, digne2r2), "ØSTER Søren"; got != want || fill("Bureaux", 15, digne2r2) != "" {
		t.Errorf("04070_2 round 2 DS = %q (fill %q), want %q", got, fill("Bureaux", 15, digne2r2), want)
	}
	if got := cell("Bureaux", 17, digne2r2); got != "3" {
		t.Errorf("places à pourvoir = %q, want 3", got)
	}
	panes, err := x.GetPanes("Bureaux")
	if err != nil || !panes.Freeze || panes.TopLeftCell != "A2" {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	for _, sheet := range x.GetSheetList() {
		if tables, err := x.GetTables(sheet); err != nil || len(tables) != 1 {
			t.Errorf("%s: no filter table (%v, %v)", sheet, tables, err)
		}
	}
	if w, _ := x.GetColWidth("Bureaux", "I"); w < 25 {
		t.Errorf("name column width %v", w)
	}

	volunteers, _ := x.GetRows("Bénévoles")
	if len(volunteers) != 8 {
		t.Errorf("%d volunteer rows, want 7", len(volunteers)-1)
	}
	wantVolunteerHeader := "Nom,Nom de naissance,Prénoms,Téléphone,E-mail,Code commune,Commune d'inscription,Bureau d'inscription,N° sur la liste," +
		"Rôles acceptés,Tours,Distance acceptée,Statut,Affectations,Confirmé"
	if got := strings.Join(volunteers[0], ","); got != wantVolunteerHeader {
		t.Errorf("Bénévoles header = %s", got)
	}
	byName := map[string][]string{}
	for _, r := range volunteers[1:] {
		for len(r) < 15 {
			r = append(r, "")
		}
		byName[r[0]] = r
	}
	if r := byName["BRÛLÉ-NGUYỄN"]; r == nil || r[2] != "Zoé Anne" || r[7] != "1" || r[8] != "001204" || r[14] != "En partie" ||
		!strings.Contains(r[13], "T1 Digne-les-Bains (04070) bureau 1 : Assesseur titulaire") || !strings.Contains(r[13], "T2 ") {
		t.Errorf("Zoé = %v", r)
	}
	if r := byName["ПЕТРОВ"]; r == nil || r[1+1] != "Иван" || r[8] != "" || r[13] != "" || r[14] != "" {
		t.Errorf("unassigned Ivan, no list number = %v", r)
	}
	if r := byName["=CMD|' /C CALC'!A0"]; r == nil || r[2] != "@SUM(1+1)" || r[14] != "Oui" {
		t.Errorf("formula-like volunteer = %v (names %v)", r, keys(byName))
	}
	for i, r := range volunteers {
		if len(r) > 2 && r[0] == "=CMD|' /C CALC'!A0" {
			wantInertText(t, x, prefixes, "Bénévoles", fmt.Sprintf("A%d", i+1), "=CMD|' /C CALC'!A0")
			wantInertText(t, x, prefixes, "Bénévoles", fmt.Sprintf("C%d", i+1), "@SUM(1+1)")
		}
	}
	if byName["DUPONT-AÏTMOKHTAR"] != nil {
		t.Error("Paris volunteer in a 04 workbook")
	}

	open, _ := x.GetRows("À pourvoir")
	if len(open) != 1+64 {
		t.Errorf("%d uncovered seats, want 64 (72 needed, 8 held)", len(open)-1)
	}
	if got := strings.Join(open[0], ","); got != "Tour,Dépt,Code commune,Commune,Bureau,Nom du bureau,Adresse,Rôle,Priorité" {
		t.Errorf("À pourvoir header = %s", got)
	}

	// One commune only; and the whole scope of the organizer (04) by default.
	_, rows = f.run(t, dlgOrganizer, "delegates", exports.Params{"election": demo.ElectionSlug, "commune": "04209"})
	if rows != 2 { // ivan, nikos registered there; nobody from elsewhere serves there
		t.Errorf("Sisteron workbook: %d volunteers, want 2", rows)
	}
	_, rows = f.run(t, dlgOrganizer, "delegates", exports.Params{"election": demo.ElectionSlug})
	if rows != 7 {
		t.Errorf("organizer's whole scope: %d volunteers, want 7", rows)
	}
	_, rows = f.run(t, dlgAdmin, "delegates", exports.Params{"election": demo.ElectionSlug})
	if rows != 8 {
		t.Errorf("national: %d volunteers, want 8", rows)
	}

	// Bureaux in number order (1, 8, 9, 13: not 1, 13, 8, 9), each round.
	data, _ = f.run(t, dlgAdmin, "delegates", exports.Params{"election": demo.ElectionSlug, "commune": "75104"})
	x2, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x2.Close()
	paris, _ := x2.GetRows("Bureaux")
	var order []string
	for _, r := range paris[1:] {
		order = append(order, r[0]+":"+r[4])
	}
	if got := strings.Join(order, " "); got != "1:1 2:1 1:8 2:8 1:9 2:9 1:13 2:13" {
		t.Errorf("Paris 4e bureaux order = %s", got)
	}
}

// The bureaux' sheets are put together in Go from the bureaux' needs and
// the seats the volunteers hold; they must say what the delegate_seats view
// joined to the seats held says (delegates.EachDocBureau, which they were
// once read from): rules by commune and by département, an empty rule,
// priorities, seats held where none is needed, a bureau deleted from the
// places while seats are held in it, one round, one commune, a scope.
func TestDelegateWorkbookBureauxMatchSeatsView(t *testing.T) {
	f := newDelegateFixture(t)
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO delegate_role_rules (election_id, round, scope, roles) VALUES
			($1, 2, '04', '{delegue_suppleant,assesseur_titulaire}'), ($1, 1, '04070', '{}'), ($1, 1, '', '{assesseur_titulaire,delegue_titulaire}')`,
		`INSERT INTO delegate_priorities (election_id, commune_code, bureau_code, priority) VALUES ($1, '04070', '2', 5), ($1, '04209', '1', 3)`,
		`DELETE FROM bureaux WHERE commune_code = '04070' AND code = '2' AND $1 > 0`,
	} {
		if _, err := f.pool.Exec(ctx, sql, f.el.ID); err != nil {
			t.Fatal(err)
		}
	}
	roles := []delegates.Role{delegates.AssesseurTitulaire, delegates.AssesseurSuppleant, delegates.DelegueTitulaire, delegates.DelegueSuppleant}
	open := 0
	for _, c := range []struct {
		u *staff.User
		p exports.Params
	}{
		{dlgAdmin, exports.Params{"election": demo.ElectionSlug}},
		{dlgOrganizer, exports.Params{"election": demo.ElectionSlug}},
		{dlgAdmin, exports.Params{"election": demo.ElectionSlug, "round": "2"}},
		{dlgAdmin, exports.Params{"election": demo.ElectionSlug, "commune": "04070", "round": "1"}},
	} {
		data, _ := f.run(t, c.u, "delegates", c.p)
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		gotBureaux, _ := x.GetRows("Bureaux")
		gotOpen, _ := x.GetRows("À pourvoir")
		x.Close()

		filter := delegates.DocFilter{ElectionID: f.el.ID, Commune: c.p["commune"]}
		if c.p["round"] != "" {
			filter.Round = int(c.p["round"][0] - '0')
		}
		var wantBureaux, wantOpen [][]string
		err = delegates.EachDocBureau(ctx, f.pool, c.u, filter, false, true, func(b *delegates.DocBureau) error {
			head := []string{fmt.Sprint(b.Round), b.Departement, b.CommuneCode, b.CommuneName, b.BureauCode, b.BureauName, b.BureauAddress}
			row := append(append([]string{}, head...), fmt.Sprint(b.Priority))
			for _, r := range roles {
				s, ok := b.Seat(r)
				switch {
				case ok && s.Person != nil:
					row = append(row, strings.ToUpper(s.Person.LastName)+" "+s.Person.FirstNames, frenchPhone(s.Person.Phone))
				case ok && s.Needed:
					row = append(row, "À POURVOIR", "")
					wantOpen = append(wantOpen, append(append([]string{}, head...), r.Label(), fmt.Sprint(b.Priority)))
				default:
					row = append(row, "", "")
				}
			}
			wantBureaux = append(wantBureaux, append(row, fmt.Sprint(b.Uncovered())))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(wantBureaux) == 0 {
			t.Fatalf("%v: no bureaux: the fixture no longer tests much", c.p)
		}
		open += len(wantOpen)
		sameRows(t, fmt.Sprintf("%v Bureaux", c.p), gotBureaux[1:], wantBureaux)
		sameRows(t, fmt.Sprintf("%v À pourvoir", c.p), gotOpen[1:], wantOpen)
	}
	if open < 20 {
		t.Errorf("%d open seats in all: the fixture no longer tests much", open)
	}
}

// sameRows compares sheet rows as excelize reads them back (without their
// trailing empty cells) with the rows wanted.
func sameRows(t *testing.T, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		w := want[i]
		for len(w) > 0 && w[len(w)-1] == "" {
			w = w[:len(w)-1]
		}
		if g := strings.Join(got[i], "|"); g != strings.Join(w, "|") {
			t.Errorf("%s row %d:\n got %s\nwant %s", what, i+2, g, strings.Join(w, "|"))
		}
	}
}

// frenchPhone is how the workbook shows the fixture's phone numbers.
func frenchPhone(e164 string) string {
	if d := "0" + strings.TrimPrefix(e164, "+33"); len(e164) == 12 && len(d) == 10 {
		return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8] + " " + d[8:10]
	}
	return e164
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDelegatePrefecture(t *testing.T) {
	f := newDelegateFixture(t)
	f.listNumber(t, "nikos", "77")
	pdf, rows := f.run(t, dlgOrganizer, "prefecture", exports.Params{"departement": "04", "election": demo.ElectionSlug, "round": "1"})
	if rows != 6 {
		t.Errorf("rows = %d, want 6", rows)
	}
	text, pages := pdfText(t, pdf)
	if pages < 2 {
		t.Errorf("%d pages: a cover and the list", pages)
	}
	cover := strings.Split(text, "\f")[0]
	wantText(t, "prefecture cover", cover, "Récapitulatif départemental", "préfecture", "Alpes-de-Haute-Provence (04)",
		"Élection de démonstration", "Liste « Ensemble pour demain »", "Camille Martin", "Le premier tour",
		"5 communes, 12 bureaux de vote, 5 personnes désignées")
	for _, re := range []string{`Assesseur titulaire 12 3 9`, `Assesseur suppléant 12 1 11`, `Délégué titulaire 12 2 10`, `Total 36 6 30`} {
		if !regexp.MustCompile(re).MatchString(cover) {
			t.Errorf("cover: %q missing:\n%s", re, cover)
		}
	}
	dontWantText(t, "prefecture cover", cover, "Délégué suppléant")
	wantText(t, "prefecture", text, "Digne-les-Bains (04070)", "Sisteron (04209)", "Bureau n° 1 — Hôtel de ville",
		"BRÛLÉ-NGUYỄN Zoé Anne", "ŻÓŁĆ Łukasz", "ΠΑΠΑΔΌΠΟΥΛΟΣ Νίκος", "02/03/1990", "Inscrit·e à",
		"Manosque (04112), bureau 1, NNE 100000003", "Sisteron (04209), bureau 2, n° 77")
	dontWantText(t, "prefecture", text, "ØSTER", "DUPONT")

	// Both rounds: the cover counts each; a person of one round is marked.
	pdf, _ = f.run(t, dlgOrganizer, "prefecture", exports.Params{"departement": "04", "election": demo.ElectionSlug})
	text, _ = pdfText(t, pdf)
	wantText(t, "prefecture both rounds", text, "Couverture — premier tour", "Couverture — second tour", "ØSTER Søren", "(2d tour uniquement)", "hors besoin")

	// The département's representative on the cover, once named.
	f.representative(t, "04", "Jeanne Aubert")
	pdf, _ = f.run(t, dlgOrganizer, "prefecture", exports.Params{"departement": "04", "election": demo.ElectionSlug})
	text, _ = pdfText(t, pdf)
	cover = strings.Split(text, "\f")[0]
	wantText(t, "prefecture cover with representative", cover, "Candidat ou liste Liste « Ensemble pour demain »",
		"Représentant(e) Jeanne Aubert")
	dontWantText(t, "prefecture cover with representative", cover, "Camille Martin")
	// Without any representative, the candidate answers for the list.
	if _, err := f.pool.Exec(context.Background(), `UPDATE elections SET representative = '' WHERE id = $1`, f.el.ID); err != nil {
		t.Fatal(err)
	}
	pdf, _ = f.run(t, dlgAdmin, "prefecture", exports.Params{"departement": "75", "election": demo.ElectionSlug})
	text, _ = pdfText(t, pdf)
	cover = strings.Split(text, "\f")[0]
	wantText(t, "75 cover", cover, "Représentant(e) Liste « Ensemble pour demain »")
	// Counts of 0 or 1 take the singular.
	if m := regexp.MustCompile(`(\d+) communes?, (\d+) bureaux? de vote, (\d+) personnes? désignées?\.`).FindStringSubmatch(cover); m == nil ||
		regexp.MustCompile(`(^|\D)[01] (communes|bureaux|personnes)`).MatchString(m[0]) {
		t.Errorf("75 cover counts (1 commune, 1 personne): %q", m)
	}
}

func TestDelegateExportScope(t *testing.T) {
	f := newDelegateFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		p    exports.Params
		want error
	}{
		{"designations", exports.Params{"commune": "75104", "election": demo.ElectionSlug}, check.ErrForbidden},
		{"designations", exports.Params{"commune": "04999", "election": demo.ElectionSlug}, check.ErrNotFound},
		{"credentials", exports.Params{"commune": "75104", "election": demo.ElectionSlug}, check.ErrForbidden},
		{"credentials", exports.Params{"departement": "75", "election": demo.ElectionSlug}, check.ErrForbidden},
		{"delegates", exports.Params{"departement": "75", "election": demo.ElectionSlug}, check.ErrForbidden},
		{"delegates", exports.Params{"commune": "75104", "election": demo.ElectionSlug}, check.ErrForbidden},
		{"prefecture", exports.Params{"departement": "75", "election": demo.ElectionSlug}, check.ErrForbidden},
		// Out of scope is said first, whether the place has communes or not.
		{"prefecture", exports.Params{"departement": "48", "election": demo.ElectionSlug}, check.ErrForbidden},
	} {
		var buf bytes.Buffer
		_, err := exports.Run(ctx, f.pool, dlgOrganizer, dlgOrganizer.Actor(), c.name, c.p, &buf)
		if !errors.Is(err, c.want) {
			t.Errorf("%s %v: err = %v, want %v", c.name, c.p, err, c.want)
		}
		if buf.Len() != 0 {
			t.Errorf("%s %v: %d bytes written", c.name, c.p, buf.Len())
		}
	}
	// A commune with a département is refused in the words of every
	// other place filter (places.CheckOneArea), even when they agree.
	const both = "Indiquez une commune ou un département, pas les deux."
	for _, c := range []struct {
		name  string
		p     exports.Params
		field string
		msg   string // "": any message
	}{
		{"designations", exports.Params{"election": demo.ElectionSlug}, "commune", ""},
		{"designations", exports.Params{"commune": "Digne", "election": demo.ElectionSlug}, "commune", ""},
		{"designations", exports.Params{"commune": "04070", "election": "nope"}, "election", ""},
		{"designations", exports.Params{"commune": "04070", "election": demo.ElectionSlug, "round": "3"}, "round", ""},
		{"delegates", exports.Params{"commune": "04070", "departement": "04", "election": demo.ElectionSlug}, "commune", both},
		{"delegates", exports.Params{"commune": "04070", "departement": "75", "election": demo.ElectionSlug}, "commune", both},
		{"credentials", exports.Params{"commune": "04070", "departement": "04", "election": demo.ElectionSlug}, "commune", both},
		{"prefecture", exports.Params{"departement": "4x", "election": demo.ElectionSlug}, "departement", ""},
		{"credentials", exports.Params{"election": demo.ElectionSlug}, "commune", ""},
	} {
		_, err := exports.Run(ctx, f.pool, dlgOrganizer, dlgOrganizer.Actor(), c.name, c.p, &bytes.Buffer{})
		inv, ok := check.AsInvalid(err)
		if !ok || inv.Fields[c.field] == "" || (c.msg != "" && inv.Fields[c.field] != c.msg) {
			t.Errorf("%s %v: err = %v, want a message on %s %q", c.name, c.p, err, c.field, c.msg)
		}
	}
	// Within the scope, a département without communes loaded is not found.
	if _, err := exports.Run(ctx, f.pool, dlgAdmin, dlgAdmin.Actor(), "prefecture", exports.Params{"departement": "48", "election": demo.ElectionSlug}, &bytes.Buffer{}); !errors.Is(err, check.ErrNotFound) {
		t.Errorf("prefecture of the 48 for an admin: %v, want not found", err)
	}
	var audited int
	f.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'`).Scan(&audited)
	if audited != 0 {
		t.Errorf("%d audit rows for refused exports", audited)
	}
	// A commune-scoped viewer gets their commune, not the département.
	viewer := &staff.User{Email: "viewer@example.org", Role: staff.Viewer, Scope: []string{"04209"}}
	if _, err := exports.Run(ctx, f.pool, viewer, viewer.Actor(), "prefecture", exports.Params{"departement": "04", "election": demo.ElectionSlug}, &bytes.Buffer{}); !errors.Is(err, check.ErrForbidden) {
		t.Errorf("commune viewer, département summary: %v", err)
	}
	_, rows := f.run(t, viewer, "delegates", exports.Params{"election": demo.ElectionSlug})
	if rows != 2 {
		t.Errorf("commune viewer's workbook: %d volunteers, want 2", rows)
	}
}

// A parameter a document does not read is refused before anything is
// written or audited: a misspelt filter must not yield a wider document.
func TestExportsRefuseParametersTheyDoNotRead(t *testing.T) {
	f := newDelegateFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		p     exports.Params
		field string
	}{
		{"material-labels", exports.Params{"election": demo.ElectionSlug, "commune": "04070"}, "commune"},
		{"designations", exports.Params{"election": demo.ElectionSlug, "commune": "04070", "departement": "04", "tour": "1"}, "tour"},
		{"prefecture", exports.Params{"election": demo.ElectionSlug, "departement": "04", "commune": "04070"}, "commune"},
		{"proxies", exports.Params{"election": demo.ElectionSlug, "departemnt": "04"}, "departemnt"},
	} {
		var before, after int
		f.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&before)
		var buf bytes.Buffer
		_, err := exports.Run(ctx, f.pool, dlgAdmin, dlgAdmin.Actor(), tc.name, tc.p, &buf)
		f.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&after)
		inv, ok := check.AsInvalid(err)
		if !ok || !strings.HasPrefix(inv.Fields[tc.field], "Paramètre inconnu pour ce document") || buf.Len() != 0 || after != before {
			t.Errorf("%s %v: %v, %d bytes, %d audit rows", tc.name, tc.p, err, buf.Len(), after-before)
		}
	}
}

// French Polynesia (987), an overseas collectivity of 98x communes, is
// asked for as a département is: its workbook and its prefecture summary,
// named after it (« Polynésie française (987) »), for staff whose scope
// holds it; outside the scope, it is refused with its reason.
func TestDelegateDocumentsOfAPacificCollectivity(t *testing.T) {
	f := newDelegateFixture(t)
	ctx := context.Background()
	if _, err := f.pool.Exec(ctx, `
		INSERT INTO communes (code, name, departement, search_name) VALUES ('98735', 'Papeete', '987', 'papeete');
		INSERT INTO bureaux (commune_code, code, name, address) VALUES ('98735', '1', 'Mairie de Papeete', 'Rue Paul Gauguin')`); err != nil {
		t.Fatal(err)
	}
	f.volunteer(t, dlgVolunteer{"tahiti", "Teriitahi", "", "Hinano", "1991-06-29", "Papeete", "98735", "1", []string{"assesseur_titulaire"}, []int{1}})
	f.assign(t, 1, "98735", "1", "assesseur_titulaire", "tahiti", true)
	tahiti := &staff.User{Email: "papeete@example.org", Role: staff.Organizer, Scope: []string{"987"}}

	for _, u := range []*staff.User{dlgAdmin, tahiti} {
		pdf, rows := f.run(t, u, "prefecture", exports.Params{"departement": "987", "election": demo.ElectionSlug, "round": "1"})
		text, _ := pdfText(t, pdf)
		if rows != 1 {
			t.Errorf("%s: prefecture of the 987: rows = %d, want 1", u.Email, rows)
		}
		wantText(t, "prefecture of the 987", text, "Collectivité Polynésie française (987)", "Papeete (98735)", "TERIITAHI Hinano")
		dontWantText(t, "prefecture of the 987", text, "Département", "invalide")

		x, rows := f.run(t, u, "delegates", exports.Params{"departement": "987", "election": demo.ElectionSlug})
		if rows == 0 {
			t.Errorf("%s: workbook of the 987: no rows", u.Email)
		}
		wb, err := excelize.OpenReader(bytes.NewReader(x))
		if err != nil {
			t.Fatal(err)
		}
		bureaux, _ := wb.GetRows("Bureaux")
		wb.Close()
		if len(bureaux) < 2 || !strings.Contains(strings.Join(bureaux[1], "|"), "|987|98735|Papeete|1|Mairie de Papeete|") {
			t.Errorf("%s: workbook of the 987: %v", u.Email, bureaux)
		}
	}
	var audited string
	if err := f.pool.QueryRow(ctx, `SELECT entity_id FROM audit_log WHERE action = 'export.prefecture' ORDER BY id DESC LIMIT 1`).Scan(&audited); err != nil ||
		audited != "prefecture-"+demo.ElectionSlug+"-987-tour1.pdf" {
		t.Errorf("prefecture of the 987 audited as %q, %v", audited, err)
	}
	// Outside the scope: refused with its reason, as a département is.
	for _, name := range []string{"prefecture", "delegates"} {
		_, err := exports.Run(ctx, f.pool, dlgOrganizer, dlgOrganizer.Actor(), name, exports.Params{"departement": "987", "election": demo.ElectionSlug}, &bytes.Buffer{})
		if !errors.Is(err, check.ErrForbidden) {
			t.Errorf("%s of the 987 for an organizer of the 04: %v, want forbidden", name, err)
		}
	}
}

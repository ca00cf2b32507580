package delegateweb

import (
	"bytes"
	"context"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/webtest"
)

// The delegate documents through the API: staff only, scoped (403 outside
// the scope, path parameters not widened by the query string), audited.
func TestDelegateExportsAPI(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Modules: []web.Module{exportRoutes}})
	ctx := context.Background()
	el := env.Election(t)
	var zoe, ines int64
	for _, v := range []struct {
		id                          *int64
		last, first, commune, email string
	}{
		{&zoe, "Brûlé-Nguyễn", "Zoé", "04070", "zoe@example.org"},
		{&ines, "Dupont-Aïtmokhtar", "Inès", "75104", "ines@example.org"},
	} {
		err := env.Pool.QueryRow(ctx, `
			INSERT INTO delegate_volunteers (election_id, last_name, first_names, birth_date, birth_place, address, email,
				commune_code, bureau_code, voter_number, roles, rounds)
			VALUES ($1, $2, $3, '1990-03-02', 'Hanoï', '1 rue Haute', $4, $5, '1', $6, '{assesseur_titulaire}', '{1,2}')
			RETURNING id`, el.ID, v.last, v.first, v.email, v.commune, voterNumberOf(v.email)).Scan(v.id)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Pool.Exec(ctx, `
		INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source)
		VALUES ($1, 1, '04070', '1', 'assesseur_titulaire', $2, 'manual'), ($1, 1, '75104', '1', 'assesseur_titulaire', $3, 'manual')`,
		el.ID, zoe, ines); err != nil {
		t.Fatal(err)
	}
	orga := env.StaffToken(t, "orga04@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	q := "?election=" + demo.ElectionSlug

	for _, c := range []struct {
		path, token string
		status      int
		contentType string
		want        string // in the PDF text or the workbook's first sheet
	}{
		{"/api/v1/exports/designations/04070.pdf" + q, orga, 200, "application/pdf", "BRÛLÉ-NGUYỄN Zoé"},
		{"/api/v1/exports/designations/04070.pdf" + q + "&round=1&commune=75104", viewer, 200, "application/pdf", "Mairie de Digne-les-Bains"},
		{"/api/v1/exports/credentials.pdf" + q + "&commune=04070", orga, 200, "application/pdf", "Accréditation"},
		{"/api/v1/exports/delegates.xlsx" + q + "&departement=04", orga, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "BRÛLÉ-NGUYỄN Zoé"},
		{"/api/v1/exports/prefecture/04.pdf" + q + "&round=1", orga, 200, "application/pdf", "Alpes-de-Haute-Provence (04)"},
		{"/api/v1/exports/designations/75104.pdf" + q, orga, 403, "application/json", ""},
		{"/api/v1/exports/credentials.pdf" + q + "&commune=75104", orga, 403, "application/json", ""},
		{"/api/v1/exports/delegates.xlsx" + q + "&departement=75", orga, 403, "application/json", ""},
		{"/api/v1/exports/prefecture/75.pdf" + q + "&round=1", orga, 403, "application/json", ""},
		{"/api/v1/exports/prefecture/75.pdf" + q, viewer, 403, "application/json", ""},
		{"/api/v1/exports/designations/04070.pdf" + q + "&round=5", orga, 422, "application/json", ""},
		{"/api/v1/exports/designations/04070.pdf" + q, "", 401, "application/json", ""},
	} {
		r := env.Do(t, "GET", c.path, c.token, nil)
		if r.Status != c.status || !strings.HasPrefix(r.Header.Get("Content-Type"), c.contentType) {
			t.Errorf("GET %s: %d %s, want %d %s: %.200s", c.path, r.Status, r.Header.Get("Content-Type"), c.status, c.contentType, r.Body)
			continue
		}
		if c.status != 200 {
			continue
		}
		if !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: headers %v", c.path, r.Header)
		}
		var text string
		if c.contentType == "application/pdf" {
			text = exportPDFText(t, r.Body)
		} else {
			x, err := excelize.OpenReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows("Bureaux")
			for _, row := range rows {
				text += strings.Join(row, "|") + "\n"
			}
			x.Close()
		}
		if !strings.Contains(text, c.want) {
			t.Errorf("GET %s: %q missing from\n%s", c.path, c.want, text)
		}
		if strings.Contains(text, "Inès") || strings.Contains(text, "DUPONT") {
			t.Errorf("GET %s: a Paris volunteer in an 04 document", c.path)
		}
	}
	var audited int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action LIKE 'export.%' AND actor LIKE 'staff:%04@example.org'`).Scan(&audited)
	if audited != 5 {
		t.Errorf("%d export audit rows, want one per document sent (5)", audited)
	}
}

func exportPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-raw", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, installed by `make test`): %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// Every document linked from the coverage page opens for the person who
// reads it: a département's documents are not offered to an organizer of
// one of its communes.
func TestCoverageLinksOpenForTheirReader(t *testing.T) {
	env := start(t)
	for _, c := range []struct {
		scope, view string
		prefecture  bool
	}{
		{"04070", "&commune=04070", false},
		{"04070", "&departement=04", false},
		{"04", "&commune=04070", true},
		{"04", "&departement=04", true},
	} {
		tok := env.StaffToken(t, "orga"+c.scope+c.view[1:4]+"@example.org", staff.Organizer, c.scope)
		path := "/staff/delegues?election=" + demo.ElectionSlug + "&round=1" + c.view
		page := env.Do(t, "GET", path, tok, nil)
		if page.Status != 200 {
			t.Fatalf("%s as %s: %d", path, c.scope, page.Status)
		}
		links := regexp.MustCompile(`href="(/api/v1/exports/[^"]+)"`).FindAllStringSubmatch(string(page.Body), -1)
		if len(links) == 0 {
			t.Fatalf("%s as %s: no document link", path, c.scope)
		}
		prefecture := false
		for _, l := range links {
			link := html.UnescapeString(l[1])
			prefecture = prefecture || strings.Contains(link, "/prefecture/")
			if r := env.Do(t, "GET", link, tok, nil); r.Status != 200 {
				t.Errorf("%s as %s: %s answers %d", path, c.scope, link, r.Status)
			}
		}
		if prefecture != c.prefecture {
			t.Errorf("%s as %s: prefecture summary offered %v, want %v", path, c.scope, prefecture, c.prefecture)
		}
	}
}

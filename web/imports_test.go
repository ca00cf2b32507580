package web_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

func TestImportAPI(t *testing.T) {
	env := webtest.Start(t)
	admin := env.AdminToken(t)
	organizer := env.StaffToken(t, "orga@example.org", staff.Organizer, "04")
	paris, err := os.ReadFile(dbtest.SharedData(t, "bureaux-reu-paris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	laPoste := "Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\n"
	for i := 1; i <= 20; i++ {
		laPoste += fmt.Sprintf("751%02d;PARIS %02d;750%02d;PARIS;;48.86,2.35\n", i, i, i)
	}
	laPoste += "751;PARIS 99;75099;PARIS;;\n"

	tests := []struct {
		name, path, token string
		body              any
		status            int
		want              string // in the body
	}{
		{"communes", "/api/v1/imports/communes", admin, laPoste, 200,
			`{"inserted":19,"updated":1,"skipped":1,"problems":[{"line":22,"reason":"code commune invalide : \"751\""}]}`},
		{"bureaux", "/api/v1/imports/bureaux", admin, paris, 200, `"skipped":0,"problems":[]}`},
		{"wrong file", "/api/v1/imports/bureaux", admin, laPoste, 422, `"fields":{"file":"Ce fichier n'est pas une table des bureaux`},
		{"empty", "/api/v1/imports/communes", admin, "", 422, `"fields":{"file":"Le fichier est vide."}`},
		{"unknown kind", "/api/v1/imports/electeurs", admin, laPoste, 404, `Page ou élément introuvable.`},
		{"organizer", "/api/v1/imports/communes", organizer, laPoste, 403, `Accès refusé`},
		{"no token", "/api/v1/imports/communes", "", laPoste, 401, `Authentification requise`},
	}
	for _, tt := range tests {
		r := env.Do(t, "POST", tt.path, tt.token, tt.body)
		if r.Status != tt.status || !strings.Contains(string(r.Body), tt.want) {
			t.Errorf("%s: %d %s\nwant %d with %s", tt.name, r.Status, r.Body, tt.status, tt.want)
		}
	}
	if n := countRows(t, env, `SELECT count(*) FROM bureaux WHERE commune_code LIKE '751%'`); n != 896 {
		t.Fatalf("%d Paris bureaux after the import", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM audit_log WHERE action LIKE 'import.%' AND actor = 'staff:admin-test@example.org'`); n != 2 {
		t.Fatalf("%d audit rows for 2 imports", n)
	}
}

// A session cookie is not enough for the raw-body API: a cross-site form
// could send a file with it.
func TestImportAPIRefusesSessionCookie(t *testing.T) {
	env := webtest.Start(t)
	client := login(t, env, demo.AdminEmail, demo.Password)
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/imports/communes", strings.NewReader("Code_commune_INSEE;Nom_commune;Code_postal\n04070;DIGNE;04000\n"))
	req.Header.Set("Content-Type", "text/plain")
	if p := fetch(t, client, req); p.Status != http.StatusUnauthorized {
		t.Fatalf("import with a session cookie: %d %s", p.Status, p.Body)
	}
}

func TestImportPage(t *testing.T) {
	env := webtest.Start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	token := csrfOf(t, get(t, admin, env.URL+"/staff/import"))
	bureaux := []byte("code_commune,code,libelle_reu\n04070,0002,ECOLE REINACH\n04070,5,NOUVELLE ECOLE\n04999,1,INCONNUE\n")

	tests := []struct {
		name      string
		fields    map[string]string
		file      string
		status    int
		want      []string
		unchanged bool
	}{
		{"no CSRF token", map[string]string{"kind": "bureaux"}, "bv.csv", 403, []string{"Le formulaire a expiré"}, true},
		{"forged token", map[string]string{"_csrf": "forged", "kind": "bureaux"}, "bv.csv", 403, []string{"Le formulaire a expiré"}, true},
		{"nothing chosen", map[string]string{"_csrf": token}, "", 422,
			[]string{`id="kind-error">Choisissez le type de fichier.`, `id="file-error">Choisissez le fichier à importer.`}, true},
		{"wrong kind", map[string]string{"_csrf": token, "kind": "communes"}, "bv.csv", 422,
			[]string{`id="file-error">Ce fichier n&#39;est pas la base des codes postaux`, `<option value="communes" selected>`}, true},
		{"bureaux", map[string]string{"_csrf": token, "kind": "bureaux"}, "bv.csv", 200,
			[]string{`<dd id="inserted">1</dd>`, `<dd id="updated">1</dd>`, `<dd id="skipped">1</dd>`, "bv.csv",
				`<td class="num">4</td><td>commune 04999 inconnue : importez d&#39;abord les communes</td>`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countRows(t, env, `SELECT count(*) FROM bureaux`)
			p := postMultipart(t, admin, env.URL+"/staff/import", tt.fields, tt.file, bureaux)
			if p.Status != tt.status {
				t.Fatalf("%d\n%s", p.Status, p.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.Body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			if after := countRows(t, env, `SELECT count(*) FROM bureaux`); (after == before) != tt.unchanged {
				t.Errorf("bureaux: %d before, %d after", before, after)
			}
		})
	}
	if n := countRows(t, env, `SELECT count(*) FROM audit_log WHERE action = 'import.bureaux' AND actor = $1`, "staff:"+demo.AdminEmail); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
}

func TestImportPageListsAtMost200Problems(t *testing.T) {
	env := webtest.Start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	token := csrfOf(t, get(t, admin, env.URL+"/staff/import"))
	var b strings.Builder
	b.WriteString("code_commune,code\n")
	for i := 0; i < 250; i++ {
		b.WriteString("04999,1\n")
	}
	p := postMultipart(t, admin, env.URL+"/staff/import", map[string]string{"_csrf": token, "kind": "bureaux"}, "bv.csv", []byte(b.String()))
	if p.Status != 200 || strings.Count(p.Body, "<tr><td class=\"num\">") != 200 || !strings.Contains(p.Body, "… et 50 autres lignes ignorées") {
		t.Fatalf("%d: %d rows listed", p.Status, strings.Count(p.Body, "<tr><td class=\"num\">"))
	}
}

func TestBrowserImportPage(t *testing.T) {
	env := webtest.Start(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "table-bv-reu.csv")
	os.WriteFile(good, []byte("id_brut_reu;id_brut_insee;code_commune;code;libelle_reu\n04070_20;04070_20;04070;20;MÉDIATHÈQUE\nX;X;XX;1;?\n"), 0o644)
	wrong := filepath.Join(dir, "notes.txt")
	os.WriteFile(wrong, []byte("liste de courses\n"), 0o644)

	ctx := webtest.Browser(t)
	if err := chromedp.Do(ctx,
		env.Login(demo.AdminEmail, demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`.cards`)),
		chromedp.Click(chromedp.CSS(`a[href="/staff/import"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#kind`)),
		chromedp.SetValue(chromedp.CSS(`#kind`), "bureaux"),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{good}),
		chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#inserted`)),
	); err != nil {
		t.Fatal(err)
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`section.notice`)))
	if err != nil {
		t.Fatal(err)
	}
	problems, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#problems tbody`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Import terminé : Bureaux de vote", "table-bv-reu.csv", "bureaux ajoutés\n1", "lignes ignorées\n1"} {
		if !strings.Contains(result, want) {
			t.Errorf("result %q lacks %q", result, want)
		}
	}
	if !strings.Contains(problems, `code commune invalide : "XX"`) {
		t.Errorf("problems: %q", problems)
	}
	if bs := countRows(t, env, `SELECT count(*) FROM bureaux WHERE commune_code = '04070' AND code = '20' AND name = 'MÉDIATHÈQUE'`); bs != 1 {
		t.Fatal("bureau 20 not imported")
	}

	// A file that is not what was chosen: the message sits by the field.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#kind`), "communes"),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{wrong}),
		chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#file-error`)),
	); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#file-error`)))
	if err != nil {
		t.Fatal(err)
	}
	described, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#file`), "aria-describedby"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "n'est pas la base des codes postaux") || !strings.Contains(described.Value, "file-error") {
		t.Fatalf("error %q, aria-describedby %+v", msg, described)
	}
}

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

func TestElectionsAPI(t *testing.T) {
	env := webtest.Start(t)
	admin := env.AdminToken(t)
	organizer := env.StaffToken(t, "orga@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "vue@example.org", staff.Viewer, "04")
	legislatives := map[string]any{"name": "Législatives 2027", "slug": "legislatives-2027",
		"rounds": []map[string]any{{"number": 1, "date": "2027-06-13"}, {"number": 2, "date": "2027-06-20"}}}

	tests := []struct {
		name   string
		token  string
		body   any
		status int
		fields map[string]string // 422: field -> start of its message
	}{
		{"created", admin, legislatives, 201, nil},
		{"slug taken", admin, legislatives, 422, map[string]string{"slug": "Cet identifiant est déjà pris."}},
		{"everything wrong", admin, map[string]any{"name": " ", "slug": "Pas Bon!", "rounds": []any{}}, 422,
			map[string]string{"name": "Le nom de l'élection est obligatoire.", "slug": "Identifiant invalide", "rounds": "Une élection a un ou deux tours."}},
		{"second round first", admin, map[string]any{"name": "X", "slug": "x", "rounds": []map[string]any{{"number": 1, "date": "2027-06-20"}, {"number": 2, "date": "2027-06-13"}}}, 422,
			map[string]string{"rounds": "Le second tour doit avoir lieu après le premier."}},
		{"a Saturday", admin, map[string]any{"name": "Test", "slug": "test-sat", "rounds": []map[string]any{{"number": 1, "date": "2026-12-12"}}}, 422,
			map[string]string{"rounds": "Le 1er tour doit avoir lieu un dimanche (le 12/12/2026 est un samedi)."}},
		{"bad date", admin, map[string]any{"name": "X", "slug": "x", "rounds": []map[string]any{{"number": 1, "date": "13/06/2027"}}}, 422,
			map[string]string{"rounds": "Date du 1er tour invalide"}},
		{"wrong type", admin, map[string]any{"name": 12, "slug": "x", "rounds": []any{}}, 422, map[string]string{"name": "Type de valeur incorrect."}},
		{"unknown field", admin, map[string]any{"nom": "X"}, 422, map[string]string{"nom": "Champ inconnu."}},
		{"malformed JSON", admin, `{"name": "X",`, 400, nil},
		{"no token", "", legislatives, 401, nil},
		{"organizer", organizer, legislatives, 403, nil},
		{"viewer", viewer, legislatives, 403, nil},
	}
	for _, tt := range tests {
		r := env.Do(t, "POST", "/api/v1/elections", tt.token, tt.body)
		if r.Status != tt.status {
			t.Errorf("%s: %d %s", tt.name, r.Status, r.Body)
			continue
		}
		if r.Status >= 400 {
			if msg, _ := r.JSON["error"].(string); msg == "" {
				t.Errorf("%s: no French error message: %s", tt.name, r.Body)
			}
		}
		for f, msg := range tt.fields {
			if !strings.HasPrefix(r.Field(f), msg) {
				t.Errorf("%s: field %s = %q, want %q", tt.name, f, r.Field(f), msg)
			}
		}
		if len(tt.fields) > 0 && len(r.JSON["fields"].(map[string]any)) != len(tt.fields) {
			t.Errorf("%s: fields %v", tt.name, r.JSON["fields"])
		}
		if tt.name == "created" {
			rounds, _ := r.JSON["rounds"].([]any)
			if r.JSON["slug"] != "legislatives-2027" || r.JSON["id"] == nil || len(rounds) != 2 ||
				rounds[1].(map[string]any)["date"] != "2027-06-20" {
				t.Errorf("created election: %s", r.Body)
			}
		}
	}

	r := env.Do(t, "GET", "/api/v1/elections", "", nil)
	list, _ := r.JSON["elections"].([]any)
	if r.Status != 200 || len(list) != 2 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	if first := list[0].(map[string]any); first["slug"] != "legislatives-2027" || list[1].(map[string]any)["slug"] != demo.ElectionSlug {
		t.Fatalf("elections not newest first: %s", r.Body)
	}
	if n := countRows(t, env, `SELECT count(*) FROM audit_log WHERE action = 'election.create' AND entity_id = 'legislatives-2027' AND actor = 'staff:admin-test@example.org'`); n != 1 {
		t.Fatalf("%d audit rows for the new election", n)
	}
}

func TestElectionFormShowsErrorsNextToFields(t *testing.T) {
	env := webtest.Start(t)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	token := csrfOf(t, get(t, admin, env.URL+"/staff/elections"))
	p := postForm(t, admin, env.URL+"/staff/elections", url.Values{"_csrf": {token}, "name": {"Municipales 2026"},
		"slug": {"Municipales 2026"}, "round1": {"2026-03-22"}, "round2": {"2026-03-15"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d", p.Status)
	}
	for _, want := range []string{
		`id="slug-error">Identifiant invalide`,
		`Le second tour doit avoir lieu après le premier.`,
		`value="Municipales 2026"`, // what was typed is kept
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("form page lacks %q", want)
		}
	}
	// A round on another day than Sunday: said so, nothing stored.
	p = postForm(t, admin, env.URL+"/staff/elections", url.Values{"_csrf": {token}, "name": {"Municipales 2026"},
		"slug": {"municipales-2026"}, "round1": {"2026-03-15"}, "round2": {"2026-03-21"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `<p class="error" role="alert">Le 2d tour doit avoir lieu un dimanche (le 21/03/2026 est un samedi).</p>`) ||
		!strings.Contains(p.Body, `value="2026-03-21"`) {
		t.Fatalf("second round on a Saturday: %d\n%s", p.Status, p.Body)
	}
	if n := countRows(t, env, `SELECT count(*) FROM elections WHERE slug = 'municipales-2026'`); n != 0 {
		t.Fatalf("%d elections stored with a Saturday round", n)
	}
	p = postForm(t, admin, env.URL+"/staff/elections", url.Values{"_csrf": {token}, "name": {"Municipales 2026"},
		"slug": {"municipales-2026"}, "round1": {"2026-03-15"}, "round2": {"2026-03-22"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("valid form: %d", p.Status)
	}
	if body := get(t, admin, env.URL+"/staff/elections").Body; !strings.Contains(body, "municipales-2026") {
		t.Fatal("new election not listed")
	}
}

package web_test

import (
	"encoding/json"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"

	"scrutin/database/dbtest"
	"scrutin/web/webtest"
)

type communeJSON struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Departement string   `json:"departement"`
	PostalCodes []string `json:"postal_codes"`
}

func searchAPI(t *testing.T, env *webtest.Env, q string) []communeJSON {
	t.Helper()
	r := env.Do(t, "GET", "/api/v1/communes?q="+url.QueryEscape(q), "", nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("search %q: %d %s", q, r.Status, r.Body)
	}
	var out []communeJSON
	if err := json.Unmarshal(r.Body, &out); err != nil || out == nil {
		t.Fatalf("search %q: %s is not a JSON list: %v", q, r.Body, err)
	}
	return out
}

func TestCommuneSearchAPI(t *testing.T) {
	env := webtest.Start(t)
	chateau := communeJSON{"04049", "Château-Arnoux-Saint-Auban", "04", []string{"04160", "04600"}}
	digne := communeJSON{"04070", "Digne-les-Bains", "04", []string{"04000"}}
	tests := []struct {
		q    string
		want []communeJSON
	}{
		{"château-arnoux", []communeJSON{chateau}},
		{"CHATEAU ARNOUX ST", []communeJSON{chateau}},
		{"chateau-arnoux-saint-auban", []communeJSON{chateau}},
		{"04000", []communeJSON{digne}},
		{"04600", []communeJSON{chateau}},
		{"digne les", []communeJSON{digne}},
		{"", []communeJSON{}},
		{"xyz", []communeJSON{}},
	}
	for _, tt := range tests {
		if got := searchAPI(t, env, tt.q); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("q=%q: %+v, want %+v", tt.q, got, tt.want)
		}
	}

	// With the real national file: at most 20, never Paris as a whole.
	body, err := os.ReadFile(dbtest.SharedData(t, "communes-laposte-hexasmal.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if r := env.Do(t, "POST", "/api/v1/imports/communes", env.AdminToken(t), body); r.Status != 200 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	env.Do(t, "POST", "/api/v1/imports/communes", env.AdminToken(t), "Code_commune_INSEE;Nom_commune;Code_postal\n75056;PARIS;75001\n")
	if got := searchAPI(t, env, "saint"); len(got) != 20 {
		t.Errorf("saint: %d communes, want 20", len(got))
	}
	for _, q := range []string{"paris", "75001", "750"} {
		for _, c := range searchAPI(t, env, q) {
			if c.Code == "75056" {
				t.Errorf("q=%q offers Paris as a whole", q)
			}
		}
	}
	// Saint-Auban, the names that start so, then those where it is a later
	// word (Château-Arnoux-Saint-Auban).
	if got := searchAPI(t, env, "saint auban"); len(got) != 5 || got[0].Name != "Saint-Auban" || got[4].Code != "04049" {
		t.Errorf("saint auban: %+v", got)
	}
	// What was typed is marked, for the form to choose it: the commune of
	// that name, postal code or INSEE code, not the start of a name.
	for q, want := range map[string]int{"saint auban": 1, "75 004": 1, "2a004": 1, "04000": 4, "paris": 0} {
		r := env.Do(t, "GET", "/api/v1/communes?q="+url.QueryEscape(q), "", nil)
		if n := strings.Count(string(r.Body), `"exact":true`); n != want {
			t.Errorf("q=%q: %d marked exact, want %d: %s", q, n, want, r.Body)
		}
	}
}

func TestCommuneBureauxAPI(t *testing.T) {
	env := webtest.Start(t)
	// The demo has bureaux 1 to 4 in Digne; 10, 11 and 12 come from a file
	// with padded codes, to check the order is by number.
	r := env.Do(t, "POST", "/api/v1/imports/bureaux", env.AdminToken(t),
		"code_commune;code;libelle_reu;num_voie_reu;voie_reu;cp_reu;commune_reu\n04070;0012;GYMNASE;;;;\n04070;0010;ECOLE;1;RUE HAUTE;04000;DIGNE-LES-BAINS\n04070;0011;SALLE;;;;\n")
	if r.Status != 200 || r.JSON["inserted"] != float64(3) {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	tests := []struct {
		path   string
		status int
		codes  []string
	}{
		{"/api/v1/communes/04070/bureaux", 200, []string{"1", "2", "3", "4", "10", "11", "12"}},
		{"/api/v1/communes/4070/bureaux", 200, []string{"1", "2", "3", "4", "10", "11", "12"}},
		{"/api/v1/communes/75104/bureaux", 200, []string{"1", "8", "9", "13"}},
		{"/api/v1/communes/04999/bureaux", 404, nil},
		{"/api/v1/communes/abc/bureaux", 404, nil},
	}
	for _, tt := range tests {
		r := env.Do(t, "GET", tt.path, "", nil)
		if r.Status != tt.status {
			t.Errorf("GET %s: %d %s", tt.path, r.Status, r.Body)
			continue
		}
		if tt.status != 200 {
			if r.JSON["error"] != "Page ou élément introuvable." {
				t.Errorf("GET %s: %s", tt.path, r.Body)
			}
			continue
		}
		var list []map[string]string
		if err := json.Unmarshal(r.Body, &list); err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		var codes []string
		for _, b := range list {
			codes = append(codes, b["code"])
			if len(b) != 3 || b["name"] == "" {
				t.Errorf("GET %s: bureau %v, want code, name and address", tt.path, b)
			}
		}
		if !reflect.DeepEqual(codes, tt.codes) {
			t.Errorf("GET %s: bureaux %v, want %v", tt.path, codes, tt.codes)
		}
	}
	var list []map[string]string
	json.Unmarshal(env.Do(t, "GET", "/api/v1/communes/04070/bureaux", "", nil).Body, &list)
	if ten := list[4]; ten["name"] != "ECOLE" || ten["address"] != "1 RUE HAUTE, 04000 DIGNE-LES-BAINS" {
		t.Errorf("bureau 10: %v", ten)
	}
}

// A request too long for the server to read is refused in French, like
// every other error (fasthttp's own message is English). 10 kB is more
// than the server's 4 kB read buffer, and little enough for the client to
// write at once: with 100 kB, the server sometimes answered and closed
// while the client was still writing, which then failed on a reset.
func TestRequestTooLongRefusedInFrench(t *testing.T) {
	env := webtest.Start(t)
	r := env.Do(t, "GET", "/api/v1/communes?q="+strings.Repeat("a", 10_000), "", nil)
	if r.Status != 431 || !strings.Contains(string(r.Body), "Requête trop longue") || strings.Contains(string(r.Body), "Request Header") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

package delegateweb

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/delegates"
	"scrutin/web/webtest"
)

// The representatives form names a Pacific collectivity as one (« pour la
// collectivité 987 », « cette collectivité »), never as a département; a
// département keeps its words.
func TestRepresentativeNoticesNameACollectivity(t *testing.T) {
	env := start(t)
	if _, err := env.Pool.Exec(context.Background(), `
		INSERT INTO communes (code, name, departement, search_name) VALUES ('98735', 'Papeete', '987', 'papeete');
		INSERT INTO bureaux (commune_code, code, name) VALUES ('98735', '1', 'Mairie de Papeete')`); err != nil {
		t.Fatal(err)
	}
	admin := login(t, env, demo.AdminEmail, demo.Password)
	org04 := login(t, env, demo.OrganizerEmail, demo.Password)
	page := "/staff/delegues/besoins?election=" + demo.ElectionSlug
	action := "/staff/delegues/besoins/representants"
	form := func(dep, name string) url.Values {
		return url.Values{"election": {demo.ElectionSlug}, "departement": {dep}, "name": {name}}
	}
	noDep := []string{"épartement 987", "épartement 988", "Ce département", "ce département", "Département inconnu"}
	for _, tc := range []struct {
		name   string
		c      *http.Client
		action string
		form   url.Values
		status int
		want   string
	}{
		{"saved", admin, action, form("987", "Hinano Teriitahi"), 200,
			"Représentant·e enregistré·e pour la collectivité 987 : Hinano Teriitahi."},
		{"removed", admin, action + "/retirer", form("987", ""), 200,
			"signe à nouveau pour cette collectivité."},
		{"nothing to remove", admin, action + "/retirer", form(" 987 ", ""), 404,
			`id="departement-error">Cette collectivité n&#39;a pas de représentant·e à retirer.`},
		{"no commune imported", admin, action, form("988", "Personne"), 404,
			`id="departement-error">Collectivité inconnue : aucune de ses communes n&#39;est importée.`},
		{"outside the scope", org04, action, form("987", "Intrus"), 403,
			`id="departement-error">Cette collectivité est hors de votre périmètre : seul·e un·e administrateur·rice ou un·e organisateur·rice de la collectivité entière peut`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := formPost(t, tc.c, env, page, tc.action, tc.form)
			if status != tc.status {
				t.Fatalf("status %d, want %d\n%s", status, tc.status, body)
			}
			webtest.PageShows(t, body, []string{tc.want}, noDep)
		})
	}

	// A département keeps its words.
	status, body := formPost(t, org04, env, page, action, form("04", "Jeanne Aubert-Roux"))
	if status != 200 {
		t.Fatalf("save of the 04: %d", status)
	}
	webtest.PageShows(t, body, []string{"Représentant·e enregistré·e pour le département 04 : Jeanne Aubert-Roux."}, []string{"collectivité"})
	status, body = formPost(t, org04, env, page, action+"/retirer", form("04", ""))
	if status != 200 {
		t.Fatalf("removal in the 04: %d", status)
	}
	webtest.PageShows(t, body, []string{"signe à nouveau pour ce département."}, []string{"cette collectivité"})
	status, body = formPost(t, org04, env, page, action+"/retirer", form("04", ""))
	if status != 404 {
		t.Fatalf("removal again in the 04: %d", status)
	}
	webtest.PageShows(t, body, []string{`id="departement-error">Ce département n&#39;a pas de représentant·e à retirer.`}, nil)
	status, body = formPost(t, org04, env, page, action, form("75", "Intrus"))
	if status != 403 {
		t.Fatalf("the 75 for the 04's organizer: %d", status)
	}
	webtest.PageShows(t, body, []string{`id="departement-error">Ce département est hors de votre périmètre : seul·e un·e administrateur·rice ou un·e organisateur·rice du département entier peut`}, nil)
}

// A volunteer's private page names the rounds of their seats and dates as
// the rest does: « 1<sup>er</sup> tour, le … », never « Tour 1 ».
func TestPrivatePageNamesItsRounds(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	const email = "deux-tours@example.org"
	r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", signupBody(email))
	id, _ := r.JSON["id"].(float64)
	if r.Status != 201 || id == 0 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	admin := env.AdminToken(t)
	for _, round := range []int{1, 2} {
		if r := env.Do(t, "POST", "/api/v1/delegate-assignments", admin, map[string]any{"election": demo.ElectionSlug, "round": round,
			"commune_code": "04209", "bureau_code": "2", "role": "assesseur_titulaire", "volunteer_id": id}); r.Status != 201 {
			t.Fatalf("seat of round %d: %d %s", round, r.Status, r.Body)
		}
	}
	var msg string
	if err := env.Pool.QueryRow(ctx, `SELECT body FROM outbox WHERE recipient = $1 AND body LIKE '%' || $2 || '%' ORDER BY id DESC LIMIT 1`,
		email, delegates.LinkPath).Scan(&msg); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(msg, delegates.LinkPath)
	resp, err := http.Get(env.URL + strings.Fields(msg[i:])[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("private page: %d\n%s", resp.StatusCode, b)
	}
	webtest.PageShows(t, string(b), []string{"<td>1<sup>er</sup> tour, le ", "<td>2<sup>d</sup> tour, le ",
		"<li>1<sup>er</sup> tour, le ", "<li>2<sup>d</sup> tour, le "}, []string{"Tour 1", "Tour 2"})
}

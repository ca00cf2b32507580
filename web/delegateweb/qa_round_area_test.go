package delegateweb

import (
	"context"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/web/webtest"
)

// The volunteers list, API and page, refuses a round that is not 1 or 2,
// or not one of the election's, as the proxy lists do and in their words,
// rather than ignoring it or answering an empty list: 422 under "round"
// in the API, the reason next to the round filter on the page.
func TestVolunteersListRefusesARoundThatIsNotOne(t *testing.T) {
	env := start(t)
	env.AddElection(t, "partielle-un-tour", "Partielle à un tour", 60)
	admin := env.AdminToken(t)
	const notARound = "Tour inconnu : choisissez le 1er ou le 2d tour."
	const oneRound = "L'élection « Partielle à un tour » n'a pas de 2d tour."
	api := "/api/v1/delegate-volunteers?election="
	for _, tc := range []struct {
		query  string
		status int
		fields map[string]string
	}{
		{demo.ElectionSlug + "&round=x", 422, map[string]string{"round": notARound}},
		{demo.ElectionSlug + "&round=3", 422, map[string]string{"round": notARound}},
		{demo.ElectionSlug + "&round=0", 422, map[string]string{"round": notARound}},
		{demo.ElectionSlug + "&round=-1", 422, map[string]string{"round": notARound}},
		{"partielle-un-tour&round=2", 422, map[string]string{"round": oneRound}},
		// Every bad field at once, the place's too.
		{demo.ElectionSlug + "&round=3&departement=ZZ", 422, map[string]string{"round": notARound, "departement": "Code de département invalide (par exemple 04, 2A ou 974)."}},
		{demo.ElectionSlug + "&round=1", 200, nil},
		{demo.ElectionSlug + "&round=2", 200, nil},
		{demo.ElectionSlug + "&round=", 200, nil},
		{"partielle-un-tour&round=1", 200, nil},
	} {
		r := env.Do(t, "GET", api+tc.query, admin, nil)
		fields, _ := r.JSON["fields"].(map[string]any)
		if r.Status != tc.status || len(fields) != len(tc.fields) {
			t.Errorf("%s: %d %s, want %d %v", tc.query, r.Status, r.Body, tc.status, tc.fields)
			continue
		}
		for k, v := range tc.fields {
			if r.Field(k) != v {
				t.Errorf("%s: %s = %q, want %q", tc.query, k, r.Field(k), v)
			}
		}
	}

	c := login(t, env, demo.AdminEmail, demo.Password)
	page := "/staff/delegues/benevoles?election="
	for _, tc := range []struct {
		query, want string
	}{
		{demo.ElectionSlug + "&round=x", notARound},
		{demo.ElectionSlug + "&round=3", notARound},
		{"partielle-un-tour&round=2", oneRound},
	} {
		status, body := fetch(t, c, env, page+tc.query)
		webtest.PageShows(t, body, []string{`<select id="f_round" name="round" aria-invalid="true" aria-describedby="round-error">`,
			`<p class="error" id="round-error" role="alert">` + tc.want + `</p>`}, []string{"Aucun bénévole"})
		if status != 422 {
			t.Errorf("%s: %d, want 422", tc.query, status)
		}
	}
	if status, body := fetch(t, c, env, page+demo.ElectionSlug+"&round=1"); status != 200 || strings.Contains(body, "round-error") {
		t.Errorf("round 1: %d\n%s", status, body)
	}
}

// French Polynesia (987), an overseas collectivity of 98x communes, is
// named as one on the coverage page (« Collectivité 987 », not
// « Département 987 »), and its delegate documents are served as a
// département's are.
func TestCoveragePageNamesACollectivity(t *testing.T) {
	env := start(t)
	if _, err := env.Pool.Exec(context.Background(), `
		INSERT INTO communes (code, name, departement, search_name) VALUES ('98735', 'Papeete', '987', 'papeete');
		INSERT INTO bureaux (commune_code, code, name) VALUES ('98735', '1', 'Mairie de Papeete')`); err != nil {
		t.Fatal(err)
	}
	c := login(t, env, demo.AdminEmail, demo.Password)
	base := "/staff/delegues?election=" + demo.ElectionSlug + "&round=1"
	status, body := fetch(t, c, env, base+"&departement=987&fait=simulation&bilan=0-0-0-0-0-0&tours=1")
	if status != 200 {
		t.Fatalf("page of the 987: %d\n%s", status, body)
	}
	webtest.PageShows(t, body, []string{"Collectivité 987</a>", "Lancer l'affectation (collectivité 987)",
		"L'affectation porte sur la collectivité 987 seulement", "Les documents de la collectivité 987 sont signés par",
		"(1er tour, collectivité 987).", "/api/v1/exports/prefecture/987.pdf"}, []string{"épartement 987"})
	status, body = fetch(t, c, env, base+"&commune=98735")
	webtest.PageShows(t, body, []string{"Collectivité 987</a>", "les bénévoles de la collectivité 987 (dans votre périmètre)"}, []string{"épartement 987"})
	if status != 200 {
		t.Errorf("page of 98735: %d", status)
	}
	// A département keeps its words.
	_, body = fetch(t, c, env, base+"&departement=04")
	webtest.PageShows(t, body, []string{"Département 04</a>", "L'affectation porte sur le département 04 seulement"}, []string{"ollectivité"})

	admin := env.AdminToken(t)
	q := "?election=" + demo.ElectionSlug
	for _, path := range []string{"/api/v1/exports/delegates.xlsx" + q + "&departement=987", "/api/v1/exports/prefecture/987.pdf" + q + "&round=1"} {
		r := env.Do(t, "GET", path, admin, nil)
		if r.Status != 200 {
			t.Errorf("GET %s: %d %.300s", path, r.Status, r.Body)
		}
	}
	if r := env.Do(t, "GET", "/api/v1/delegate-volunteers"+q+"&departement=987", admin, nil); r.Status != 200 {
		t.Errorf("volunteers of the 987: %d %s", r.Status, r.Body)
	}
}

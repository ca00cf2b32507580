package proxyweb_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"scrutin/logistics/staff"
)

// A request whose commune has no coordinates is matched by neither the
// instant path nor the batch: its page lists, for staff to pair it by
// hand, the free volunteers of its commune, then of its département, with
// an unknown distance, and « Proposer » works.
func TestUnlocatedRequestIsPairedByHandFromItsPage(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	for _, c := range [][3]string{{"76095", "Bihorel", "bihorel"}, {"76540", "Rouen", "rouen"}} {
		if _, err := env.Pool.Exec(ctx, `INSERT INTO communes (code, name, departement, search_name) VALUES ($1, $2, '76', $3)
			ON CONFLICT (code) DO NOTHING`, c[0], c[1], c[2]); err != nil {
			t.Fatal(err)
		}
	}
	req := with(with(requestBody("jeanne@example.org"), "commune_code", "76095"), "bureau_code", "")
	jeanne := newRequest(t, env, with(req, "rounds", []int{1}))
	vol := func(first, email, commune, nne, phone string) int64 {
		b := with(with(with(with(with(with(volunteerBody(email), "first_name", first), "commune_code", commune), "bureau_code", ""),
			"voter_number", nne), "phone", phone), "rounds", []int{1})
		r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", b)
		if r.Status != 201 {
			t.Fatalf("volunteer %s: %d %s", email, r.Status, r.Body)
		}
		return int64(r.JSON["id"].(float64))
	}
	rouen := vol("Anne", "anne@example.org", "76540", "11111111", "06 11 11 11 11")
	paul := vol("Paul", "paul@example.org", "76095", "22222222", "06 22 22 22 22")
	vol("Marc", "marc@example.org", "04070", "33333333", "06 33 33 33 33") // another département: not listed

	env.StaffToken(t, "admin@example.org", staff.Admin, "")
	c := staffSession(t, env, "admin@example.org")
	page := fmt.Sprintf("%s/staff/procurations/demandes/%d", env.URL, jeanne)
	code, body := getPage(t, c, page)
	body = html.UnescapeString(body)
	if code != 200 {
		t.Fatalf("request page: %d", code)
	}
	for _, w := range []string{"Paul Petit", "Anne Petit", "distance inconnue", ">Proposer</button>",
		fmt.Sprintf(`name="volunteer_id" value="%d"`, paul), fmt.Sprintf(`name="volunteer_id" value="%d"`, rouen)} {
		if !strings.Contains(body, w) {
			t.Errorf("request page lacks %q", w)
		}
	}
	for _, w := range []string{"Marc Petit", "à moins de la distance maximale"} {
		if strings.Contains(body, w) {
			t.Errorf("request page shows %q", w)
		}
	}
	// Same commune first, as the solver scores it.
	if i, j := strings.Index(body, "Paul Petit"), strings.Index(body, "Anne Petit"); i < 0 || j < i {
		t.Errorf("Paul (Bihorel) should come before Anne (Rouen): %d, %d", i, j)
	}

	csrf := csrfRe.FindStringSubmatch(body)[1]
	code, where, _ := postStaffForm(t, c, page+"/apparier", url.Values{"_csrf": {csrf}, "round": {"1"}, "volunteer_id": {fmt.Sprint(paul)}})
	if code != 303 || !strings.Contains(where, "fait=propose") {
		t.Fatalf("« Proposer »: %d %s", code, where)
	}
	if got := roundStatus(t, env, jeanne, 1); got != "proposed" {
		t.Fatalf("round 1: %s, want proposed", got)
	}
	if n := liveOffers(t, env, paul, 1); n != 1 {
		t.Fatalf("Paul's live offers: %d", n)
	}
	_, body = getPage(t, c, page)
	if !strings.Contains(html.UnescapeString(body), "proposition en cours") {
		t.Error("the page does not show Paul holding the proposal")
	}
}

// Without any free volunteer around, the page says so without claiming a
// distance.
func TestUnlocatedRequestWithoutCandidates(t *testing.T) {
	env := start(t)
	if _, err := env.Pool.Exec(context.Background(), `INSERT INTO communes (code, name, departement, search_name)
		VALUES ('76095', 'Bihorel', '76', 'bihorel') ON CONFLICT (code) DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	jeanne := newRequest(t, env, with(with(requestBody("jeanne@example.org"), "commune_code", "76095"), "bureau_code", ""))
	env.StaffToken(t, "admin@example.org", staff.Admin, "")
	_, body := getPage(t, staffSession(t, env, "admin@example.org"), fmt.Sprintf("%s/staff/procurations/demandes/%d", env.URL, jeanne))
	body = html.UnescapeString(body)
	if !strings.Contains(body, "Aucun·e volontaire disponible dans la commune ni dans le département.") || strings.Contains(body, "distance maximale") {
		t.Errorf("empty candidates' sentence wrong")
	}
}

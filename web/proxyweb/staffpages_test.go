package proxyweb_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// postPrivate sends an action of the private page behind link (the
// mandant's or the volunteer's) as the person would.
func postPrivate(t *testing.T, env *webtest.Env, link, action string) {
	t.Helper()
	path := link[strings.Index(link, "/procuration/"):]
	c, csrf := formClient(t, env, path)
	resp, err := c.PostForm(env.URL+path+"/"+action, url.Values{"_csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s on %s: %d", action, path, resp.StatusCode)
	}
}

// staffPage is a staff page as its reader sees it (entities decoded).
func staffPage(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	code, body := getPage(t, c, u)
	if code != http.StatusOK {
		t.Fatalf("%s: %d", u, code)
	}
	return html.UnescapeString(body)
}

// What a staff member checks after an admin withdrew the volunteer who
// carried Jeanne's proxy: her request's history names the admin, the
// volunteer's names the mandant who read his details, and Jeanne, who
// asked first, still heads the queue with her whole wait.
func TestStaffPagesAfterAnAdminWithdrewAVolunteer(t *testing.T) {
	env := start(t)
	base := time.Now().Add(-4 * time.Hour).Truncate(time.Second)
	env.SetNow(base)
	jeanne := newRequest(t, env, requestBody("jeanne@example.org")) // Digne, both rounds
	env.SetNow(base.Add(time.Hour))
	bruno := newRequest(t, env, with(with(with(requestBody("bruno@example.org"), "first_name", "Bruno"), "commune_code", "04112"), "bureau_code", "1"))
	env.SetNow(base.Add(2 * time.Hour))
	paul := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org")) // proposed Jeanne
	if paul.Status != 201 {
		t.Fatalf("Paul: %d %s", paul.Status, paul.Body)
	}
	acceptOffer(t, env, "paul@example.org", jeanne)
	postPrivate(t, env, messageLink(t, env, "jeanne@example.org", "proxy.accepted"), "coordonnees")

	env.StaffToken(t, "admin@demo.example.org", staff.Admin)
	admin := staffSession(t, env, "admin@demo.example.org")
	paulPage := fmt.Sprintf("%s/staff/procurations/volontaires/%d", env.URL, int64(paul.JSON["id"].(float64)))
	env.SetNow(base.Add(3 * time.Hour))
	_, body := getPage(t, admin, paulPage)
	resp, err := admin.PostForm(paulPage+"/retirer", url.Values{"_csrf": {csrfRe.FindStringSubmatch(body)[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdrawing Paul: %d", resp.StatusCode)
	}

	request := staffPage(t, admin, fmt.Sprintf("%s/staff/procurations/demandes/%d", env.URL, jeanne))
	webtest.PageShows(t, request, []string{
		"<td>admin@demo.example.org</td><td>Proposition à Paul Petit retirée (volontaire retiré·e) (1er tour)</td>",
		"<td>le ou la volontaire</td><td>Proposition acceptée</td>",
		"<td>le mandant</td><td>Demande déposée</td>",
	}, []string{"<td>la personne elle-même</td>"})

	volunteer := staffPage(t, admin, paulPage)
	webtest.PageShows(t, volunteer, []string{
		"<td>le mandant</td><td>Affichage du numéro d'électeur et de la date de naissance</td>",
		"<td>admin@demo.example.org</td><td>Retrait de la liste</td>",
		"<td>le ou la volontaire</td><td>Inscription</td>",
	}, []string{"<td>la personne elle-même</td>"})

	// The queue: Jeanne waits for 3 hours, her rounds searched again for
	// a few minutes; Bruno, who came an hour later, comes after her. Two
	// people, both rounds each; no link to a volunteer there is not.
	queue := staffPage(t, admin, env.URL+"/staff/procurations?status=open")
	first, second := strings.Index(queue, fmt.Sprintf("n° %d · Jeanne Moreau", jeanne)), strings.Index(queue, fmt.Sprintf("n° %d · Bruno Moreau", bruno))
	if first < 0 || second < first {
		t.Errorf("queue order: Jeanne at %d, Bruno at %d", first, second)
	}
	webtest.PageShows(t, queue, []string{
		"<th>Reçue</th>",
		">il y a 3 h<br><span class=\"hint\">en recherche depuis un instant</span></td>",
		">il y a 2 h</td>",
		"2 demandes, soit 4 lignes (une par tour demandé), de la plus ancienne à la plus récente.",
	}, []string{">0 min</td>", "0 min", "%3cnil%3e"})
	// The dashboard counts people, as its label says.
	webtest.PageShows(t, staffPage(t, admin, env.URL+"/staff"), []string{"<dt>Demandes sans volontaire</dt><dd>2</dd>"}, nil)

	// The API: created_at is when Jeanne asked, a round's status_at when
	// it took its status.
	api := env.Do(t, "GET", fmt.Sprintf("/api/v1/proxy-requests/%d", jeanne), env.AdminToken(t), nil)
	created, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(api.JSON["created_at"]))
	since, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(apiRound(api, 1)["status_at"]))
	if api.Status != 200 || !created.Equal(base) || !since.Equal(base.Add(3*time.Hour)) {
		t.Errorf("API: created_at %v, round 1 status_at %v, want %v and %v: %s", created, since, base, base.Add(3*time.Hour), api.Body)
	}

	// Plurals on the list of volunteers.
	webtest.PageShows(t, staffPage(t, admin, env.URL+"/staff/procurations/volontaires?status=withdrawn"), []string{`<p id="resultat">1 volontaire retiré·e.`}, []string{"volontaire(s)", "retiré·e(s)"})

	// Unmatching a round only proposed tells the volunteer alone; once
	// accepted, both people.
	vera := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(with(with(with(volunteerBody("vera@example.org"),
		"first_name", "Vera"), "commune_code", "04112"), "bureau_code", "1"), "voter_number", "87654321"), "phone", "06 11 22 33 44"))
	if vera.Status != 201 {
		t.Fatalf("Vera: %d %s", vera.Status, vera.Body)
	}
	messageLink(t, env, "vera@example.org", "proxy.offer") // Bruno was proposed to Vera
	brunoPage := fmt.Sprintf("%s/staff/procurations/demandes/%d", env.URL, bruno)
	webtest.PageShows(t, staffPage(t, admin, brunoPage), []string{"Le ou la volontaire sera prévenu·e ; la personne qui demande ne l'est pas"},
		[]string{"Les deux personnes seront prévenues"})
	acceptOffer(t, env, "vera@example.org", bruno)
	webtest.PageShows(t, staffPage(t, admin, brunoPage), []string{"Les deux personnes seront prévenues"}, []string{"sera prévenu·e"})
}

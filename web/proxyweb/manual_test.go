package proxyweb_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// Staff pairing a request round with a volunteer by hand, and undoing a
// pair: the JSON API (…/match, …/unmatch) and the request page's forms
// (« Proposer », « Désapparier »).

// farVolunteer signs up a volunteer of Manosque who travels 1 km at most:
// about 45 km from the Digne requests, so that the instant matching never
// proposes them one and only staff can (beyond the travel limit, within
// their scope).
func farVolunteer(t *testing.T, env *webtest.Env, first, email, nne, phone string) int64 {
	t.Helper()
	b := with(with(with(with(with(with(with(volunteerBody(email), "first_name", first), "commune_code", "04112"), "bureau_code", "1"),
		"max_distance_km", 1), "voter_number", nne), "phone", phone), "rounds", []int{1, 2})
	r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", b)
	if r.Status != 201 {
		t.Fatalf("volunteer %s: %d %s", email, r.Status, r.Body)
	}
	return int64(r.JSON["id"].(float64))
}

// newRequest files a request (Digne, bureau 2, both rounds, unless b
// says otherwise) and returns its id.
func newRequest(t *testing.T, env *webtest.Env, b map[string]any) int64 {
	t.Helper()
	r := env.Do(t, "POST", "/api/v1/proxy-requests", "", b)
	if r.Status != 201 {
		t.Fatalf("request %v: %d %s", b["email"], r.Status, r.Body)
	}
	return int64(r.JSON["id"].(float64))
}

// apiRound is round n of a request as the staff API answers it.
func apiRound(r *webtest.Response, n int) map[string]any {
	rounds, _ := r.JSON["rounds"].([]any)
	for _, x := range rounds {
		if m, _ := x.(map[string]any); m != nil && m["number"] == float64(n) {
			return m
		}
	}
	return nil
}

// liveOffers counts the volunteer's pending or accepted offers in round.
func liveOffers(t *testing.T, env *webtest.Env, volunteerID int64, round int) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM proxy_offers
		WHERE volunteer_id = $1 AND round = $2 AND status IN ('pending', 'accepted')`, volunteerID, round).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// roundStatus is a request round's status as stored.
func roundStatus(t *testing.T, env *webtest.Env, requestID int64, round int) string {
	t.Helper()
	var s string
	if err := env.Pool.QueryRow(context.Background(), `SELECT status FROM proxy_request_rounds WHERE request_id = $1 AND round = $2`,
		requestID, round).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// outbox returns the bodies of the messages of kind to recipient, oldest
// first.
func outbox(t *testing.T, env *webtest.Env, recipient, kind string) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(), `SELECT subject || E'\n' || body FROM outbox WHERE recipient = $1 AND kind = $2 ORDER BY id`,
		recipient, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// acceptOffer is the volunteer accepting the request from the page behind
// the link of their latest offer message.
func acceptOffer(t *testing.T, env *webtest.Env, email string, requestID int64) {
	t.Helper()
	link := messageLink(t, env, email, "proxy.offer")
	path := link[strings.Index(link, "/procuration/"):]
	c, csrf := formClient(t, env, path)
	resp, err := c.PostForm(env.URL+path+"/accepter", url.Values{"_csrf": {csrf}, "request_id": {fmt.Sprint(requestID)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s accepting request %d: %d", email, requestID, resp.StatusCode)
	}
}

func TestManualMatchAndUnmatchAPI(t *testing.T) {
	env := start(t)
	jeanne := newRequest(t, env, requestBody("jeanne@example.org"))
	marie := newRequest(t, env, with(with(requestBody("marie@example.org"), "first_name", "Marie"), "bureau_code", "1"))
	thomas := newRequest(t, env, with(with(requestBody("thomas@example.org"), "commune_code", "75104"), "bureau_code", "13"))
	paul := farVolunteer(t, env, "Paul", "paul@example.org", "111111111", "06 10 00 00 01")
	// Hugo lives in Paris: outside the 04 organizer's scope, and no
	// candidate of the Digne requests.
	hugo := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(with(with(with(volunteerBody("hugo@example.org"),
		"first_name", "Hugo"), "commune_code", "75104"), "bureau_code", "13"), "voter_number", "222222222"), "phone", "06 10 00 00 02"))
	if hugo.Status != 201 {
		t.Fatalf("Hugo: %d %s", hugo.Status, hugo.Body)
	}
	hugoID := int64(hugo.JSON["id"].(float64))
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	org75 := env.StaffToken(t, "org75@example.org", staff.Organizer, "75")
	for _, id := range []int64{jeanne, marie} {
		if s := roundStatus(t, env, id, 1); s != "open" {
			t.Fatalf("request %d round 1 is %s before any manual match: the setup is wrong", id, s)
		}
	}

	const (
		forbidden  = "Accès refusé : cet élément est hors de votre périmètre ou de votre rôle."
		notFound   = "Page ou élément introuvable."
		badJSON    = "Corps de requête JSON invalide."
		noRound    = "Tour inconnu."
		noVol      = "Volontaire inconnu·e pour cette élection."
		fullRound1 = "Ce·tte volontaire n'a plus de place au 1er tour (une proposition en attente ou acceptée)."
	)
	match := func(id any) string { return fmt.Sprintf("/api/v1/proxy-requests/%v/match", id) }
	unmatch := func(id any) string { return fmt.Sprintf("/api/v1/proxy-requests/%v/unmatch", id) }
	body := func(round int, vol int64) map[string]any { return map[string]any{"round": round, "volunteer_id": vol} }
	type tcase struct {
		name   string
		token  string
		path   string
		body   any
		status int
		field  string // 422: the field named, with msg; else msg is "error"
		msg    string
		// Paul's live offers in rounds 1 and 2 afterwards.
		live1, live2 int
	}
	run := func(t *testing.T, tc tcase) *webtest.Response {
		t.Helper()
		r := env.Do(t, "POST", tc.path, tc.token, tc.body)
		if r.Status != tc.status {
			t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
		}
		if tc.field != "" {
			if r.Field(tc.field) != tc.msg {
				t.Fatalf("%s: %q, want %q (%s)", tc.field, r.Field(tc.field), tc.msg, r.Body)
			}
		} else if tc.msg != "" && r.JSON["error"] != tc.msg {
			t.Fatalf("error %q, want %q", r.JSON["error"], tc.msg)
		}
		if n1, n2 := liveOffers(t, env, paul, 1), liveOffers(t, env, paul, 2); n1 != tc.live1 || n2 != tc.live2 {
			t.Fatalf("Paul holds %d live offer(s) in round 1 and %d in round 2, want %d and %d", n1, n2, tc.live1, tc.live2)
		}
		return r
	}

	for _, tc := range []tcase{
		{"viewer", viewer, match(jeanne), body(1, paul), 403, "", forbidden, 0, 0},
		{"organizer of another département", org75, match(jeanne), body(1, paul), 404, "", notFound, 0, 0},
		{"request of another département", org, match(thomas), body(1, paul), 404, "", notFound, 0, 0},
		{"unknown request", org, match(999999999), body(1, paul), 404, "", notFound, 0, 0},
		{"request id not a number", org, match("abc"), body(1, paul), 404, "", notFound, 0, 0},
		{"round 3", org, match(jeanne), body(3, paul), 422, "round", noRound, 0, 0},
		{"no round", org, match(jeanne), map[string]any{"volunteer_id": paul}, 422, "round", noRound, 0, 0},
		{"no volunteer", org, match(jeanne), map[string]any{"round": 1}, 422, "volunteer_id", noVol, 0, 0},
		{"unknown volunteer", org, match(jeanne), body(1, 999999999), 422, "volunteer_id", noVol, 0, 0},
		// Out of scope and no candidate: as unknown, so that none is probed.
		{"volunteer outside the scope", org, match(jeanne), body(1, hugoID), 422, "volunteer_id", noVol, 0, 0},
		{"round as text", org, match(jeanne), fmt.Sprintf(`{"round":"1","volunteer_id":%d}`, paul), 422, "round", "Type de valeur incorrect.", 0, 0},
		{"unknown field", org, match(jeanne), fmt.Sprintf(`{"round":1,"volunteer":%d}`, paul), 422, "volunteer", "Champ inconnu.", 0, 0},
		{"malformed JSON", org, match(jeanne), `{"round":1,`, 400, "", badJSON, 0, 0},
	} {
		t.Run("match/"+tc.name, func(t *testing.T) { run(t, tc) })
	}

	t.Run("match/organizer in scope", func(t *testing.T) {
		r := run(t, tcase{"", org, match(jeanne), body(1, paul), 200, "", "", 1, 0})
		r1, r2 := apiRound(r, 1), apiRound(r, 2)
		if r.JSON["id"] != float64(jeanne) || r1 == nil || r1["status"] != "proposed" || r1["volunteer_id"] != float64(paul) {
			t.Fatalf("answer's round 1: %v (%s)", r1, r.Body)
		}
		if r2 == nil || r2["status"] != "open" || r2["volunteer_id"] != nil {
			t.Fatalf("answer's round 2 changed: %v", r2)
		}
		offers := outbox(t, env, "paul@example.org", "proxy.offer")
		if len(offers) != 1 || !strings.Contains(offers[0], "Une personne a besoin de vous pour voter") || !strings.Contains(offers[0], "Jeanne") ||
			!strings.Contains(offers[0], "le 1er tour") || strings.Contains(offers[0], "le 2d tour") || !linkRe.MatchString(offers[0]) {
			t.Fatalf("offer messages to Paul: %q", offers)
		}
		var by string
		env.Pool.QueryRow(context.Background(), `SELECT created_by FROM proxy_offers WHERE request_id = $1 AND round = 1 AND status = 'pending'`, jeanne).Scan(&by)
		if by != "staff:org04@example.org" {
			t.Fatalf("offer made by %q", by)
		}
	})

	for _, tc := range []tcase{
		{"same pair again", org, match(jeanne), body(1, paul), 409, "", "Cette demande est déjà proposée à ce·tte volontaire.", 1, 0},
		// One proxy per round: Paul's place in round 1 is Jeanne's offer.
		{"volunteer already offered in that round", org, match(marie), body(1, paul), 409, "", fullRound1, 1, 0},
		// A place per round: round 2 is free.
		{"the other round", org, match(marie), body(2, paul), 200, "", "", 1, 1},
	} {
		t.Run("match/"+tc.name, func(t *testing.T) { run(t, tc) })
	}
	if s := roundStatus(t, env, marie, 1); s != "open" {
		t.Fatalf("Marie's round 1 is %s after a refused match", s)
	}

	// Paul accepts Jeanne: he carries her proxy in round 1.
	acceptOffer(t, env, "paul@example.org", jeanne)
	if s := roundStatus(t, env, jeanne, 1); s != "accepted" {
		t.Fatalf("Jeanne's round 1 is %s after Paul accepted", s)
	}
	t.Run("match/volunteer carrying a proxy in that round", func(t *testing.T) {
		run(t, tcase{"", org, match(marie), body(1, paul), 409, "", fullRound1, 1, 1})
		if s := roundStatus(t, env, marie, 1); s != "open" {
			t.Fatalf("Marie's round 1 is %s", s)
		}
	})

	const nobody = "Aucun·e volontaire n'est associé·e à ce tour."
	for _, tc := range []tcase{
		{"viewer", viewer, unmatch(jeanne), map[string]any{"round": 1}, 403, "", forbidden, 1, 1},
		{"organizer of another département", org75, unmatch(jeanne), map[string]any{"round": 1}, 404, "", notFound, 1, 1},
		{"unknown request", org, unmatch(999999999), map[string]any{"round": 1}, 404, "", notFound, 1, 1},
		{"malformed JSON", org, unmatch(jeanne), `{"round":`, 400, "", badJSON, 1, 1},
		{"round without a volunteer", org, unmatch(jeanne), map[string]any{"round": 2}, 409, "", nobody, 1, 1},
		{"round 3", org, unmatch(jeanne), map[string]any{"round": 3}, 422, "round", noRound, 1, 1},
	} {
		t.Run("unmatch/"+tc.name, func(t *testing.T) { run(t, tc) })
	}

	t.Run("unmatch/organizer in scope", func(t *testing.T) {
		r := run(t, tcase{"", org, unmatch(jeanne), map[string]any{"round": 1}, 200, "", "", 0, 1})
		if r1 := apiRound(r, 1); r1 == nil || r1["status"] != "open" || r1["volunteer_id"] != nil {
			t.Fatalf("answer's round 1: %v (%s)", r1, r.Body)
		}
		// Both are told: Paul no longer votes for Jeanne, Jeanne looks
		// for someone else.
		told := outbox(t, env, "paul@example.org", "proxy.withdrawn")
		if len(told) != 1 || !strings.Contains(told[0], "L'équipe a annulé cette mise en relation.") || !strings.Contains(told[0], "Vous n'avez donc plus à voter pour cette personne.") ||
			!strings.Contains(told[0], "elle reste valable tant que la personne ne l'a pas résiliée") || !strings.Contains(told[0], "(« Interroger sa situation électorale »)") ||
			strings.Contains(told[0], "appariement") || strings.Contains(told[0], "quelqu'un d'autre") {
			t.Fatalf("messages to Paul: %q", told)
		}
		told = outbox(t, env, "jeanne@example.org", "proxy.withdrawn")
		if len(told) != 1 || !strings.Contains(told[0], "Procuration : votre mandataire se désiste") || !strings.Contains(told[0], "L'équipe a annulé cette mise en relation.") ||
			strings.Contains(told[0], "appariement") {
			t.Fatalf("messages to Jeanne: %q", told)
		}
		var audited int
		env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'proxy_request.unmatch' AND entity_id = $1
			AND actor = 'staff:org04@example.org'`, fmt.Sprint(jeanne)).Scan(&audited)
		if audited != 1 {
			t.Fatalf("%d audit rows", audited)
		}
	})
	t.Run("unmatch/again", func(t *testing.T) {
		run(t, tcase{"", org, unmatch(jeanne), map[string]any{"round": 1}, 409, "", nobody, 0, 1})
	})
	// Staff may propose again a pair they undid (after a call), which
	// the matching never does.
	t.Run("match/the pair staff undid", func(t *testing.T) {
		run(t, tcase{"", org, match(jeanne), body(1, paul), 200, "", "", 1, 1})
	})
	// On a round's day, or after it, it is too late for a proxy.
	t.Run("match/a round that is today", func(t *testing.T) {
		var day string
		env.Pool.QueryRow(context.Background(), `UPDATE rounds SET date = (now() AT TIME ZONE 'Europe/Paris')::date
			WHERE number = 1 AND election_id = (SELECT election_id FROM proxy_requests WHERE id = $1)
			RETURNING to_char(date, 'DD/MM/YYYY')`, marie).Scan(&day)
		run(t, tcase{"", org, match(marie), body(1, paul), 422, "round",
			"Le 1er tour (" + day + ") est passé ou a lieu aujourd'hui : il est trop tard pour une procuration.", 1, 1})
	})
}

// A pair staff undid is never proposed again: neither by the instant
// matching the unmatching triggers nor by a batch, though Paul is the
// nearest volunteer and free.
func TestUnmatchedPairIsNeverProposedAgain(t *testing.T) {
	env := start(t)
	jeanne := newRequest(t, env, with(requestBody("jeanne@example.org"), "rounds", []int{1}))
	env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	messageLink(t, env, "paul@example.org", "proxy.offer") // the instant matching proposed Jeanne to Paul
	var paul int64
	env.Pool.QueryRow(context.Background(), `SELECT id FROM proxy_volunteers WHERE email = 'paul@example.org'`).Scan(&paul)
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	admin := env.AdminToken(t)

	r := env.Do(t, "POST", fmt.Sprintf("/api/v1/proxy-requests/%d/unmatch", jeanne), org, map[string]any{"round": 1})
	if r1 := apiRound(r, 1); r.Status != 200 || r1 == nil || r1["status"] != "open" {
		t.Fatalf("unmatch: %d %s", r.Status, r.Body)
	}
	if told := outbox(t, env, "paul@example.org", "proxy.withdrawn"); len(told) != 1 || !strings.Contains(told[0], "L'équipe a retiré cette proposition : vous n'avez plus à y répondre.") {
		t.Fatalf("messages to Paul: %q", told)
	}
	b := env.Do(t, "POST", "/api/v1/proxy-matching/run", admin, map[string]any{"election": demo.ElectionSlug})
	if b.Status != 200 || b.JSON["proposed"] != 0.0 || b.JSON["unmatched"] != 1.0 {
		t.Fatalf("batch: %d %s", b.Status, b.Body)
	}
	if n := liveOffers(t, env, paul, 1); n != 0 || roundStatus(t, env, jeanne, 1) != "open" {
		t.Fatalf("after the batch: Paul holds %d live offer(s), Jeanne's round is %s", n, roundStatus(t, env, jeanne, 1))
	}
	if offers := outbox(t, env, "paul@example.org", "proxy.offer"); len(offers) != 1 {
		t.Fatalf("Paul was offered Jeanne's request %d times", len(offers))
	}
	// The request's page no longer lists Paul among the candidates.
	c := staffSession(t, env, "org04@example.org")
	_, page := getPage(t, c, fmt.Sprintf("%s/staff/procurations/demandes/%d", env.URL, jeanne))
	if strings.Contains(page, fmt.Sprintf(`name="volunteer_id" value="%d"`, paul)) {
		t.Fatal("the request page proposes Paul again")
	}
}

// However many organizers propose the same volunteer at once for one
// round, they get one place: one offer, the others refused (409), none a
// 500.
func TestManualMatchCapacityUnderConcurrency(t *testing.T) {
	env := start(t)
	const n = 6
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = newRequest(t, env, with(with(requestBody(fmt.Sprintf("r%d@example.org", i)), "first_name", fmt.Sprintf("Personne%d", i)), "rounds", []int{1}))
	}
	lise := farVolunteer(t, env, "Lise", "lise@example.org", "333333333", "06 10 00 00 03")
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	statuses := make([]*webtest.Response, n)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = env.Do(t, "POST", fmt.Sprintf("/api/v1/proxy-requests/%d/match", id), org, map[string]any{"round": 1, "volunteer_id": lise})
		}()
	}
	wg.Wait()
	ok := 0
	for i, r := range statuses {
		switch {
		case r.Status == 200:
			ok++
		case r.Status == 409 && r.JSON["error"] == "Ce·tte volontaire n'a plus de place au 1er tour (une proposition en attente ou acceptée).":
		default:
			t.Errorf("request %d: %d %s", ids[i], r.Status, r.Body)
		}
	}
	var proposed int
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM proxy_request_rounds WHERE request_id = ANY ($1) AND status <> 'open'`, ids).Scan(&proposed)
	if live := liveOffers(t, env, lise, 1); ok != 1 || live != 1 || proposed != 1 {
		t.Fatalf("%d matches answered 200, Lise holds %d live offers in round 1, %d rounds left open", ok, live, n-proposed)
	}
	if offers := outbox(t, env, "lise@example.org", "proxy.offer"); len(offers) != 1 {
		t.Fatalf("%d offer messages to Lise", len(offers))
	}
}

// postStaffForm posts a form of the request page with the client and
// returns the status, the redirect and the page answered.
func postStaffForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), html.UnescapeString(string(b))
}

// The request page's « Proposer » and « Désapparier » forms: an organizer
// posting them is sent back to the page, which says what was done; a
// form without its token, or from a viewer, changes nothing.
func TestApparierAndDesapparierForms(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	jeanne := newRequest(t, env, requestBody("jeanne@example.org"))
	env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	messageLink(t, env, "paul@example.org", "proxy.offer") // both rounds proposed to Paul
	// Lise, of another bureau, comes after: free, a candidate.
	l := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", with(with(with(with(volunteerBody("lise@example.org"), "first_name", "Lise"),
		"bureau_code", "3"), "voter_number", "87654321"), "phone", "06 11 22 33 44"))
	if l.Status != 201 {
		t.Fatalf("Lise: %d %s", l.Status, l.Body)
	}
	lise := int64(l.JSON["id"].(float64))
	var paul int64
	env.Pool.QueryRow(ctx, `SELECT id FROM proxy_volunteers WHERE email = 'paul@example.org'`).Scan(&paul)
	env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	org, viewer := staffSession(t, env, "org04@example.org"), staffSession(t, env, "viewer04@example.org")
	page := fmt.Sprintf("%s/staff/procurations/demandes/%d", env.URL, jeanne)
	apparier, desapparier := page+"/apparier", page+"/desapparier"
	proposeLise := func(csrf string) url.Values {
		return url.Values{"_csrf": {csrf}, "round": {"1"}, "volunteer_id": {fmt.Sprint(lise)}}
	}

	// A viewer sees the candidates, and no button.
	code, body := getPage(t, viewer, page)
	if code != 200 || !strings.Contains(body, "Lise Petit") {
		t.Fatalf("viewer's page: %d", code)
	}
	for _, w := range []string{"/apparier", "/desapparier", ">Proposer</button>", ">Désapparier</button>"} {
		if strings.Contains(body, w) {
			t.Errorf("viewer's page shows %q", w)
		}
	}
	// Their valid token does not let them post it either.
	if code, _, _ := postStaffForm(t, viewer, apparier, proposeLise(csrfRe.FindStringSubmatch(body)[1])); code != 403 {
		t.Fatalf("viewer posting « Proposer »: %d", code)
	}

	// The organizer's page: a « Proposer » for Lise, « Désapparier » for
	// both rounds.
	_, body = getPage(t, org, page)
	for _, w := range []string{
		fmt.Sprintf(`action="/staff/procurations/demandes/%d/apparier"`, jeanne),
		fmt.Sprintf(`name="volunteer_id" value="%d"`, lise),
		fmt.Sprintf(`action="/staff/procurations/demandes/%d/desapparier"`, jeanne),
		">Proposer</button>", ">Désapparier</button>",
	} {
		if !strings.Contains(body, w) {
			t.Errorf("organizer's page lacks %s", w)
		}
	}
	csrf := csrfRe.FindStringSubmatch(body)[1]

	for _, tc := range []struct {
		name  string
		url   string
		form  url.Values
		code  int
		where string // the redirect
		want  string // on the page answered, or on the one redirected to
		live  int    // Lise's live offers in round 1 afterwards
	}{
		{"« Proposer » without the token", apparier, url.Values{"round": {"1"}, "volunteer_id": {fmt.Sprint(lise)}}, 403, "", "Formulaire expiré", 0},
		{"« Proposer » with another token", apparier, proposeLise("not-the-token"), 403, "", "Formulaire expiré", 0},
		{"« Proposer »", apparier, proposeLise(csrf), 303, "?fait=propose", "La proposition est envoyée au ou à la volontaire.", 1},
		// The same form again (a second click, another tab): refused, said.
		{"« Proposer » again", apparier, proposeLise(csrf), 409, "", "Cette demande est déjà proposée à ce·tte volontaire.", 1},
		{"« Désapparier » without the token", desapparier, url.Values{"round": {"1"}}, 403, "", "Formulaire expiré", 1},
		{"« Désapparier »", desapparier, url.Values{"_csrf": {csrf}, "round": {"1"}}, 303, "?fait=desapparie",
			"L'appariement est annulé ; la demande est de nouveau en recherche.", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, where, answered := postStaffForm(t, org, tc.url, tc.form)
			if code != tc.code {
				t.Fatalf("%d, want %d: %s", code, tc.code, answered)
			}
			if tc.where != "" {
				if want := fmt.Sprintf("/staff/procurations/demandes/%d%s", jeanne, tc.where); where != want {
					t.Fatalf("sent to %q, want %q", where, want)
				}
				code, answered = getPage(t, org, env.URL+where)
				answered = html.UnescapeString(answered)
				if code != 200 {
					t.Fatalf("page after the redirect: %d", code)
				}
				if !strings.Contains(answered, `<div class="notice" role="status">`+tc.want+`</div>`) {
					t.Fatalf("page after the redirect lacks the notice %q:\n%s", tc.want, answered)
				}
			} else if !strings.Contains(answered, tc.want) {
				t.Fatalf("answer lacks %q:\n%s", tc.want, answered)
			}
			if n := liveOffers(t, env, lise, 1); n != tc.live {
				t.Fatalf("Lise holds %d live offer(s) in round 1, want %d", n, tc.live)
			}
		})
	}
	// What the forms did: Lise was offered round 1, in Paul's place, then
	// the pair was undone; both were told, and the page plain (no ?fait)
	// says nothing of it.
	if offers := outbox(t, env, "lise@example.org", "proxy.offer"); len(offers) != 1 || !strings.Contains(offers[0], "le 1er tour") {
		t.Errorf("offers to Lise: %q", offers)
	}
	if told := outbox(t, env, "lise@example.org", "proxy.withdrawn"); len(told) != 1 || !strings.Contains(told[0], "L'équipe a retiré cette proposition : vous n'avez plus à y répondre.") {
		t.Errorf("withdrawals told Lise: %q", told)
	}
	if told := outbox(t, env, "paul@example.org", "proxy.withdrawn"); len(told) != 1 || !strings.Contains(told[0], "a été confiée par l'équipe à un·e autre volontaire") {
		t.Errorf("withdrawals told Paul: %q", told)
	}
	var reasons []string
	rows, _ := env.Pool.Query(ctx, `SELECT volunteer_id || ':' || status || ':' || reason || ':' || created_by FROM proxy_offers WHERE request_id = $1 AND round = 1 ORDER BY id`, jeanne)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		reasons = append(reasons, s)
	}
	rows.Close()
	if want := []string{fmt.Sprintf("%d:withdrawn:reassigned:system", paul), fmt.Sprintf("%d:withdrawn:unmatched:staff:org04@example.org", lise)}; len(reasons) < 2 ||
		reasons[0] != want[0] || reasons[1] != want[1] {
		t.Errorf("round 1's offers: %v, want %v first", reasons, want)
	}
	_, body = getPage(t, org, page)
	if strings.Contains(body, `role="status"`) {
		t.Error("the page without ?fait shows a notice")
	}
}

// The page lists a volunteer who holds an unanswered offer elsewhere
// without a « Proposer » button: with one place per round, the form
// posted all the same is refused with the reason, and changes nothing.
func TestApparierRefusedForAVolunteerWithoutAPlace(t *testing.T) {
	env := start(t)
	jeanne := newRequest(t, env, with(requestBody("jeanne@example.org"), "rounds", []int{1}))
	marie := newRequest(t, env, with(with(requestBody("marie@example.org"), "first_name", "Marie"), "rounds", []int{1}))
	r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org"))
	if r.Status != 201 {
		t.Fatalf("Paul: %d %s", r.Status, r.Body)
	}
	paul := int64(r.JSON["id"].(float64))
	messageLink(t, env, "paul@example.org", "proxy.offer") // one of the two is proposed to Paul
	open, held := marie, jeanne
	if roundStatus(t, env, marie, 1) != "open" {
		open, held = jeanne, marie
	}
	if roundStatus(t, env, open, 1) != "open" || roundStatus(t, env, held, 1) != "proposed" {
		t.Fatalf("setup: rounds %s and %s", roundStatus(t, env, jeanne, 1), roundStatus(t, env, marie, 1))
	}
	env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	org := staffSession(t, env, "org04@example.org")
	page := fmt.Sprintf("%s/staff/procurations/demandes/%d", env.URL, open)
	// Paul is shown, busy elsewhere, without a « Proposer » button that
	// could only fail (one proxy per round).
	_, body := getPage(t, org, page)
	if !strings.Contains(body, "proposition en attente ailleurs") || strings.Contains(body, fmt.Sprintf(`name="volunteer_id" value="%d"`, paul)) {
		t.Fatalf("Paul is not among the candidates of request %d, or can be proposed:\n%s", open, body)
	}
	// The form posted all the same is refused.
	code, where, answered := postStaffForm(t, org, page+"/apparier",
		url.Values{"_csrf": {csrfRe.FindStringSubmatch(body)[1]}, "round": {"1"}, "volunteer_id": {fmt.Sprint(paul)}})
	if code != 409 || where != "" ||
		!strings.Contains(answered, `<div class="alert" role="alert">Ce·tte volontaire n'a plus de place au 1er tour (une proposition en attente ou acceptée).</div>`) ||
		strings.Contains(answered, `role="status"`) {
		t.Fatalf("« Proposer »: %d to %q:\n%s", code, where, answered)
	}
	if n := liveOffers(t, env, paul, 1); n != 1 || roundStatus(t, env, open, 1) != "open" || roundStatus(t, env, held, 1) != "proposed" {
		t.Fatalf("after the refusal: Paul holds %d live offers, rounds %s (open one) and %s", n, roundStatus(t, env, open, 1), roundStatus(t, env, held, 1))
	}
	if offers := outbox(t, env, "paul@example.org", "proxy.offer"); len(offers) != 1 {
		t.Fatalf("%d offer messages to Paul", len(offers))
	}
}

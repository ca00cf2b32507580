package proxyweb_test

import (
	"context"
	"html"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"scrutin/demo"
	"scrutin/logistics/elections"
	"scrutin/web/webtest"
)

// get fetches a public page: its status and body.
func get(t *testing.T, env *webtest.Env, path string) (int, string) {
	t.Helper()
	resp, err := webtest.Client().Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// choiceLink is the link of an election in the list of open ones, with
// its round dates.
func choiceLink(path string, e *elections.Election) string {
	s := `<a href="` + path + `?election=` + e.Slug + `">` + strings.ReplaceAll(e.Name, "'", "&#39;") + `</a> : `
	for i, r := range e.Rounds {
		if i > 0 {
			s += ", "
		}
		s += map[int]string{1: "1<sup>er</sup>", 2: "2<sup>d</sup>"}[r.Number] + " tour le " + r.Date.Format("02/01/2006")
	}
	return s + "</li>"
}

var electionFieldRe = regexp.MustCompile(`name="election" value="([^"]*)"`)

// With several elections open, each public form first lists them, each
// linking to the form of that election; the form then says which election
// it is for and keeps it in the submission. A slug that names no open
// election says so, with the list.
func TestPublicFormsWithSeveralOpenElections(t *testing.T) {
	env := start(t)
	demoElection := env.Election(t)
	partielle := env.AddElection(t, "partielle-2027", "Municipale partielle d'Oraison", 60, 67)
	env.AddElection(t, "ancienne", "Élection passée", -30, -23)

	const (
		choose  = "Plusieurs élections sont ouvertes aux procurations : choisissez la vôtre."
		unknown = "Cette élection n'existe pas ou n'est plus ouverte aux procurations."
		none    = "Aucune élection n'est ouverte"
	)
	for _, form := range []string{"/procuration/demande", "/procuration/volontaire"} {
		formTag := `<form method="post" action="` + form + `"`
		both := []string{choiceLink(form, demoElection), choiceLink(form, partielle)}
		for _, tc := range []struct {
			name     string
			query    string
			status   int
			want     []string
			lack     []string
			election string // the form's hidden field; "": no form
		}{
			{"no election in the address: the list", "", 200, append([]string{choose}, both...), []string{formTag, none, unknown, "ancienne"}, ""},
			{"the demo election", "?election=" + demo.ElectionSlug, 200,
				[]string{"« Élection de démonstration »", `id="election-choisie"`, `<a href="` + form + `">Choisir une autre élection</a>`, `id="round-1"`, `id="round-2"`},
				[]string{choose, unknown}, demo.ElectionSlug},
			{"the other election", "?election=partielle-2027", 200,
				[]string{"« Municipale partielle d&#39;Oraison »", `id="election-choisie"`, "le " + partielle.Rounds[0].Date.Format("02/01/2006")},
				[]string{choose, unknown}, "partielle-2027"},
			{"a slug typed in capitals", "?election=%20Partielle-2027", 200, []string{"« Municipale partielle d&#39;Oraison »"}, nil, "partielle-2027"},
			{"an unknown slug", "?election=nope", 404, append([]string{unknown, "Élections ouvertes aux procurations :"}, both...), []string{formTag, choose}, ""},
			{"a closed election", "?election=ancienne", 404, append([]string{unknown}, both...), []string{formTag, "Élection passée"}, ""},
		} {
			t.Run(form+" "+tc.name, func(t *testing.T) {
				status, page := get(t, env, form+tc.query)
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, page)
				}
				webtest.PageShows(t, page, tc.want, tc.lack)
				got := ""
				if m := electionFieldRe.FindStringSubmatch(page); m != nil {
					got = m[1]
				}
				if got != tc.election || strings.Contains(page, formTag) != (tc.election != "") {
					t.Errorf("form for election %q (form shown: %v), want %q", got, strings.Contains(page, formTag), tc.election)
				}
				if t.Failed() {
					t.Logf("page: %s", page)
				}
			})
		}
	}
}

// A submission goes to the election the form was opened for; one without
// an election, when several are open, is refused with the list to choose
// from, through the form and through the API alike.
func TestSubmissionsGoToTheChosenElection(t *testing.T) {
	env := start(t)
	partielle := env.AddElection(t, "partielle-2027", "Municipale partielle d'Oraison", 60, 67)
	const (
		several = "Plusieurs élections sont ouvertes : précisez laquelle."
		choose  = "Plusieurs élections sont ouvertes aux procurations : choisissez la vôtre."
	)
	ctx := context.Background()
	electionOf := func(table, email string) (slug string) {
		env.Pool.QueryRow(ctx, `SELECT e.slug FROM `+table+` x JOIN elections e ON e.id = x.election_id WHERE x.email = $1`, email).Scan(&slug)
		return
	}
	person := func(email string) url.Values {
		return url.Values{"first_name": {"Jeanne"}, "last_name": {"Moreau"}, "email": {email}, "phone": {"0612345678"},
			"commune_code": {"04070"}, "bureau_code": {"2"}, "rounds": {"1", "2"}, "consent": {"oui"},
			"birth_date": {"1990-05-17"}, "voter_number": {"123456789"}, "max_distance_km": {"10"}}
	}
	for _, tc := range []struct {
		name   string
		form   string // the form's address, opened with ?election=open
		open   string
		send   bool // whether the form's hidden election field is sent
		table  string
		email  string
		status int
		want   string // in the answer (the page after a refusal)
		stored string // the election the entry landed in; "": none
	}{
		{"request for the other election", "/procuration/demande", "partielle-2027", true, "proxy_requests", "a@example.org", 303, "", "partielle-2027"},
		{"request for the demo election", "/procuration/demande", demo.ElectionSlug, true, "proxy_requests", "b@example.org", 303, "", demo.ElectionSlug},
		{"volunteer for the other election", "/procuration/volontaire", "partielle-2027", true, "proxy_volunteers", "c@example.org", 303, "", "partielle-2027"},
		{"request without an election", "/procuration/demande", "partielle-2027", false, "proxy_requests", "d@example.org", 422, choose, ""},
		{"volunteer without an election", "/procuration/volontaire", demo.ElectionSlug, false, "proxy_volunteers", "e@example.org", 422, choose, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, csrf := formClient(t, env, tc.form+"?election="+tc.open)
			v := person(tc.email)
			v.Set("_csrf", csrf)
			if tc.send { // the hidden field of the form opened
				_, page := get(t, env, tc.form+"?election="+tc.open)
				m := electionFieldRe.FindStringSubmatch(page)
				if m == nil {
					t.Fatalf("no election field on %s", tc.form+"?election="+tc.open)
				}
				v.Set("election", m[1])
			}
			resp, err := c.PostForm(env.URL+tc.form, v)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body := string(b)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("status %d, want %d with %q: %s", resp.StatusCode, tc.status, tc.want, body)
			}
			if tc.status == 422 && !strings.Contains(body, choiceLink(tc.form, partielle)) {
				t.Fatalf("refused without the list of open elections: %s", body)
			}
			if got := electionOf(tc.table, tc.email); got != tc.stored {
				t.Fatalf("stored in election %q, want %q", got, tc.stored)
			}
		})
	}

	// The API: the election named, or a per-field 422 when several are open.
	for _, tc := range []struct {
		name     string
		path     string
		body     map[string]any
		status   int
		election string // the field's message, or the election it landed in
	}{
		{"request without an election", "/api/v1/proxy-requests", without(requestBody("api-a@example.org"), "election"), 422, several},
		{"volunteer without an election", "/api/v1/proxy-volunteers", without(volunteerBody("api-b@example.org"), "election"), 422, several},
		{"request for the other election", "/api/v1/proxy-requests", with(requestBody("api-c@example.org"), "election", "partielle-2027"), 201, "partielle-2027"},
		{"volunteer for the other election", "/api/v1/proxy-volunteers", with(with(volunteerBody("api-d@example.org"), "voter_number", "87654321"), "election", "partielle-2027"), 201, "partielle-2027"},
	} {
		t.Run("API "+tc.name, func(t *testing.T) {
			r := env.Do(t, "POST", tc.path, "", tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			table := map[bool]string{true: "proxy_requests", false: "proxy_volunteers"}[strings.Contains(tc.path, "requests")]
			if tc.status == 422 {
				if r.Field("election") != tc.election {
					t.Fatalf("election: %q, want %q (%s)", r.Field("election"), tc.election, r.Body)
				}
			} else if got := electionOf(table, tc.body["email"].(string)); got != tc.election {
				t.Fatalf("stored in election %q, want %q", got, tc.election)
			}
		})
	}
}

func without(b map[string]any, k string) map[string]any {
	delete(b, k)
	return b
}

// With one election open the form is shown as it always was, without a
// choice; with none, the form says so, also for a slug given.
func TestPublicFormsWithOneOrNoOpenElection(t *testing.T) {
	env := start(t)
	e := env.Election(t)
	afterAll := e.LastRound().Date.AddDate(0, 0, 2)
	for _, tc := range []struct {
		name   string
		now    time.Time
		query  string
		status int
		want   []string
		lack   []string
	}{
		{"one open", time.Time{}, "", 200, []string{`name="election" value="` + demo.ElectionSlug + `"`, "« Élection de démonstration »"},
			[]string{"Plusieurs élections", `id="election-choisie"`, "Aucune élection"}},
		{"one open, named", time.Time{}, "?election=" + demo.ElectionSlug, 200, []string{`name="election" value="` + demo.ElectionSlug + `"`},
			[]string{`id="election-choisie"`}},
		{"one open, another named", time.Time{}, "?election=nope", 404,
			[]string{"Cette élection n'existe pas ou n'est plus ouverte aux procurations.", `?election=` + demo.ElectionSlug + `"`},
			[]string{`name="election"`}},
		{"none open", afterAll, "", 200, []string{"Aucune élection n'est ouverte aux procurations pour le moment."},
			[]string{`name="election"`, "?election="}},
		{"none open, one named", afterAll, "?election=" + demo.ElectionSlug, 404,
			[]string{"Cette élection n'existe pas ou n'est plus ouverte aux procurations.", "Aucune élection n'est ouverte aux procurations pour le moment."},
			[]string{`name="election"`, "?election="}},
	} {
		for _, form := range []string{"/procuration/demande", "/procuration/volontaire"} {
			t.Run(tc.name+" "+form, func(t *testing.T) {
				env.SetNow(tc.now)
				defer env.SetNow(time.Time{})
				status, page := get(t, env, form+tc.query)
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, page)
				}
				webtest.PageShows(t, page, tc.want, tc.lack)
			})
		}
	}
	// The API without an election when none is open.
	env.SetNow(afterAll)
	defer env.SetNow(time.Time{})
	r := env.Do(t, "POST", "/api/v1/proxy-requests", "", without(requestBody("x@example.org"), "election"))
	if r.Status != 422 || r.Field("election") != "Aucune élection n'est ouverte pour le moment." {
		t.Fatalf("API with no open election: %d %s", r.Status, r.Body)
	}
}

// With several elections open, the queue asks staff to choose one before
// exporting or running the matching, instead of offering buttons that
// would not know which election to act on.
func TestQueueAsksForAnElectionWhenSeveralAreOpen(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	queue := func(query string) string {
		t.Helper()
		r := env.Do(t, "GET", "/staff/procurations"+query, admin, nil)
		if r.Status != 200 {
			t.Fatalf("queue%s: %d", query, r.Status)
		}
		return html.UnescapeString(string(r.Body)) // the hint's l'appariement
	}
	if page := queue(""); !strings.Contains(page, `id="export"`) || !strings.Contains(page, `id="apparier"`) || strings.Contains(page, `id="choisir-election"`) {
		t.Fatalf("one election open: %s", page)
	}
	env.AddElection(t, "partielle-2027", "Municipale partielle d'Oraison", 60, 67)
	if page := queue(""); strings.Contains(page, `id="export"`) || strings.Contains(page, `id="apparier"`) ||
		!strings.Contains(page, "choisissez-en une dans le filtre pour exporter ou lancer l'appariement") {
		t.Fatalf("two elections open, none chosen: %s", page)
	}
	if page := queue("?election=partielle-2027"); !strings.Contains(page, `proxies.xlsx?election=partielle-2027`) || !strings.Contains(page, `id="apparier"`) {
		t.Fatalf("two elections open, one chosen: %s", page)
	}
}

// On its last round's day, an election is no longer offered to the
// public: too late for a proxy.
func TestPublicFormsLeaveAnElectionOnItsLastDay(t *testing.T) {
	env := start(t)
	demoElection := env.Election(t)
	// Rounds are on Sundays: the clock is that of the round's day.
	last := env.AddElection(t, "partielle-2027", "Municipale partielle d'Oraison", 0)
	env.SetNow(last.Rounds[0].Date.Add(12 * time.Hour))
	for _, form := range []string{"/procuration/demande", "/procuration/volontaire"} {
		status, page := get(t, env, form)
		if status != 200 || strings.Contains(page, "Plusieurs élections") || strings.Contains(page, "partielle-2027") ||
			!strings.Contains(page, `name="election" value="`+demoElection.Slug+`"`) {
			t.Errorf("%s with an election on its last day: %d\n%s", form, status, page)
		}
		if status, _ := get(t, env, form+"?election=partielle-2027"); status != 404 {
			t.Errorf("%s?election=partielle-2027 on its last day: %d, want 404", form, status)
		}
	}
}

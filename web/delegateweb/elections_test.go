package delegateweb

import (
	"context"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/web/webtest"
)

var signupElectionRe = regexp.MustCompile(`name="election" value="([^"]*)"`)

// With several elections open, the sign-up page lists them, each linking
// to its form; the form says which election it is for and the sign-up
// lands in it. A slug that names no open election says so, with the list.
func TestSignupWithSeveralOpenElections(t *testing.T) {
	env := start(t)
	partielle := env.AddElection(t, "partielle-2027", "Municipale partielle", 60, 67)
	env.AddElection(t, "ancienne", "Élection passée", -30)
	const (
		form    = `<form method="post" action="/assesseurs/inscription"`
		choose  = "Plusieurs élections sont ouvertes aux inscriptions : choisissez la vôtre."
		unknown = "Cette élection n'existe pas ou n'est plus ouverte aux inscriptions."
	)
	links := []string{`<a href="/assesseurs/inscription?election=` + demo.ElectionSlug + `">Élection de démonstration</a>`,
		`<a href="/assesseurs/inscription?election=partielle-2027">Municipale partielle</a> : 1<sup>er</sup> tour le ` +
			partielle.Rounds[0].Date.Format("02/01/2006") + `, 2<sup>d</sup> tour le ` + partielle.Rounds[1].Date.Format("02/01/2006")}
	for _, tc := range []struct {
		name     string
		query    string
		status   int
		want     []string
		lack     []string
		election string // the form's hidden field; "": no form
	}{
		{"no election in the address: the list", "", 200, append([]string{choose}, links...), []string{form, unknown, "Élection passée", "Aucune élection"}, ""},
		{"the other election", "?election=partielle-2027", 200,
			[]string{"« Municipale partielle »", `id="election-choisie"`, "1<sup>er</sup> tour, le " + partielle.Rounds[0].Date.Format("02/01/2006")}, []string{choose}, "partielle-2027"},
		{"an unknown slug", "?election=nope", 404, append([]string{unknown}, links...), []string{form}, ""},
		{"a closed election", "?election=ancienne", 404, append([]string{unknown}, links...), []string{form}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := webtest.Client().Get(env.URL + "/assesseurs/inscription" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := string(b)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, page)
			}
			webtest.PageShows(t, page, tc.want, tc.lack)
			got := ""
			if m := signupElectionRe.FindStringSubmatch(page); m != nil {
				got = m[1]
			}
			if got != tc.election {
				t.Errorf("form for election %q, want %q", got, tc.election)
			}
		})
	}

	// The sign-up sent from the other election's form lands in it.
	v := url.Values{"election": {"partielle-2027"}, "last_name": {"Martin"}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
		"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {"lea@example.org"},
		"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {"11223344"},
		"roles": {"assesseur_titulaire"}, "rounds": {"1", "2"}, "reach": {"commune"}, "consent": {"oui"}}
	status, body := formPost(t, webtest.Client(), env, "/assesseurs/inscription?election=partielle-2027", "/assesseurs/inscription", v)
	var slug string
	env.Pool.QueryRow(context.Background(), `SELECT e.slug FROM delegate_volunteers v JOIN elections e ON e.id = v.election_id WHERE v.email = 'lea@example.org'`).Scan(&slug)
	if status != 200 || !strings.Contains(body, "Merci") || slug != "partielle-2027" {
		t.Fatalf("sign-up: %d, stored in %q: %s", status, slug, body)
	}
	// Without an election: refused, with the list; the API says why.
	v.Del("election")
	v.Set("email", "paul@example.org")
	v.Set("voter_number", "55667788")
	status, body = formPost(t, webtest.Client(), env, "/assesseurs/inscription?election=partielle-2027", "/assesseurs/inscription", v)
	if status != 422 || !strings.Contains(body, choose) || !strings.Contains(body, links[1]) {
		t.Fatalf("sign-up without an election: %d %s", status, body)
	}
	b := signupBody("api@example.org")
	delete(b, "election")
	if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", b); r.Status != 422 || r.Field("election") != "Plusieurs élections sont ouvertes : précisez laquelle." {
		t.Fatalf("API sign-up without an election: %d %s", r.Status, r.Body)
	}
}

// With several elections open, the staff API does not guess which one a
// list or the coverage is about: it asks (422), as every other staff route.
func TestStaffAPIAsksForTheElectionWhenSeveralAreOpen(t *testing.T) {
	env := start(t)
	env.AddElection(t, "partielle-2027", "Municipale partielle", 60, 67)
	admin := env.AdminToken(t)
	for _, path := range []string{"/api/v1/delegate-coverage?round=1", "/api/v1/delegate-volunteers"} {
		if r := env.Do(t, "GET", path, admin, nil); r.Status != 422 || r.Field("election") != "Plusieurs élections sont ouvertes : précisez laquelle." {
			t.Fatalf("%s without an election: %d %s", path, r.Status, r.Body)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		if r := env.Do(t, "GET", path+sep+"election=partielle-2027", admin, nil); r.Status != 200 {
			t.Fatalf("%s of the partielle: %d %s", path, r.Status, r.Body)
		}
	}
}

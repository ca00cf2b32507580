package delegateweb

import (
	"testing"

	"scrutin/demo"
	"scrutin/web/webtest"
)

// Wherever a delegate page lets one choose a round, it names it as the
// proxy pages do (« 1er tour », « 2d tour »; with <sup> outside a
// <select>), and still submits 1 or 2.
func TestRoundChoicesSayFirstAndSecondRound(t *testing.T) {
	env := start(t)
	env.AddElection(t, "partielle-un-tour", "Partielle à un tour", 60)
	admin := login(t, env, demo.AdminEmail, demo.Password)
	slug := demo.ElectionSlug
	bare := []string{">1</option>", ">2</option>", ">Tour 1<", ">Tour 2<", "Tour 1 (", "Tour 2 (", "> Tour 1,", "> Tour 2,", "Tour 1 :", "Tour 2 :"}
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"volunteers filter", "/staff/delegues/benevoles?election=" + slug + "&round=2",
			[]string{`<option value="">Tous</option><option value="1">1er tour</option><option value="2" selected>2d tour</option></select>`}},
		{"volunteers filter, one round", "/staff/delegues/benevoles?election=partielle-un-tour",
			[]string{`<option value="">Tous</option><option value="1">1er tour</option></select>`}},
		{"coverage: round links, run and manual seat", "/staff/delegues?election=" + slug + "&round=2",
			[]string{`round=1">1<sup>er</sup> tour (`, `round=2">2<sup>d</sup> tour (`, `<h2>2<sup>d</sup> tour : couverture</h2>`,
				`<option value="all">Tous les tours</option><option value="1">1er tour</option><option value="2" selected>2d tour</option></select>`,
				`<select id="m_round" name="round"><option value="1">1er tour</option><option value="2" selected>2d tour</option></select>`}},
		{"needs: rule's round", "/staff/delegues/besoins?election=" + slug,
			[]string{`<option value="0">Tous les tours</option><option value="1">1er tour</option><option value="2">2d tour</option></select>`}},
		{"sign-up: rounds available", "/assesseurs/inscription?election=" + slug,
			[]string{`name="rounds" value="1"`, `> 1<sup>er</sup> tour, le `, `name="rounds" value="2"`, `> 2<sup>d</sup> tour, le `}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := fetch(t, admin, env, tc.path)
			if status != 200 {
				t.Fatalf("%s: status %d\n%s", tc.path, status, body)
			}
			webtest.PageShows(t, body, tc.want, bare)
		})
	}
}

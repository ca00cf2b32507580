package web_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"scrutin/database/dbtest"
	"scrutin/web/webtest"
)

// The commune field of the public forms (app.js) over the real national
// file: the commune is chosen for the person only when the list leaves no
// doubt; otherwise the select waits on a placeholder, so that a form sent
// without a choice is refused rather than filed under the list's first
// commune. The field is the one of templates/partials/place.html, added to
// a core page, with app.js loaded again to bind it.
func TestBrowserCommuneField(t *testing.T) {
	env := webtest.Start(t)
	body, err := os.ReadFile(dbtest.SharedData(t, "communes-laposte-hexasmal.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if r := env.Do(t, "POST", "/api/v1/imports/communes", env.AdminToken(t), body); r.Status != 200 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	ctx := webtest.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.URL+"/connexion"), chromedp.WaitReady(chromedp.CSS(`main`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const f = document.createElement('div');
			f.innerHTML = '<input id="commune_q" type="search" data-communes="commune_code">' +
				'<select id="commune_code"><option value="">— tapez le nom ou le code postal ci-dessus —</option></select>' +
				'<input type="hidden" id="commune_label" data-label-for="commune_code">' +
				'<select id="bureau_code" data-bureaux-for="commune_code"><option value="">Je ne sais pas</option></select>';
			document.querySelector('main').appendChild(f);
			const s = document.createElement('script');
			s.src = '/static/app.js?field';
			s.onload = () => { window.fieldBound = true; }; // after the script ran
			document.head.appendChild(s);
			return true;
		})()`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.fieldBound === true`)); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		typed string
		ready string // a JavaScript condition on sel (the select) once the answer is in
		value string // the commune chosen ("" for the placeholder)
		label string // what the hidden label keeps
	}{
		// Paris: the 20 arrondissements and 5 other communes, none chosen.
		{"paris", `sel.options.length === 26 && sel.options[1].value === '75101'`, "", ""},
		// What was typed, alone at the top: chosen.
		{"saint-étienne", `sel.value === '42218'`, "42218", "Saint-Étienne (42000, 42100, 42230)"},
		{"75 004", `sel.value === '75104'`, "75104", "Paris 4e Arrondissement (75004)"},
		// Four communes share 04000: none chosen.
		{"04000", `sel.options.length === 5 && sel.options[1].value === '04070'`, "", ""},
		// The only commune that matches.
		{"pietrabugno", `sel.value === '2B353'`, "2B353", "Ville-di-Pietrabugno (20200)"},
		// Homonyms: Mées (40) and Les Mées (04, 72).
		{"mées", `sel.options.length === 4 && sel.options[1].value === '40179'`, "", ""},
	}
	for _, tt := range tests {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById('commune_q').value = '') === ''`)); err != nil {
			t.Fatalf("%q: %v", tt.typed, err)
		}
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#commune_q`), tt.typed)); err != nil {
			t.Fatalf("%q: %v", tt.typed, err)
		}
		state, err := chromedp.Run(ctx,
			chromedp.Poll[string](`(() => {
				const sel = document.getElementById('commune_code');
				if (!(`+tt.ready+`)) { return ''; }
				return [sel.value, sel.options[0].text, document.getElementById('commune_label').value].join('|');
			})()`, chromedp.WithPollingTimeout(20*time.Second)),
		)
		if err != nil {
			t.Fatalf("%q: %v", tt.typed, err)
		}
		got := strings.Split(state, "|")
		if got[0] != tt.value || got[2] != tt.label {
			t.Errorf("%q: chosen %q (label %q), want %q (%q)", tt.typed, got[0], got[2], tt.value, tt.label)
		}
		if tt.value == "" && !strings.Contains(got[1], "choisissez la vôtre") {
			t.Errorf("%q: first option %q, want the placeholder", tt.typed, got[1])
		}
	}
}

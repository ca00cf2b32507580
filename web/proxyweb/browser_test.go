package proxyweb_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"scrutin/web/webtest"
)

// fillPerson types what both public forms ask, choosing the commune by
// typing its name and picking it, then the bureau, as a person does.
func fillPerson(first, last, email, phone, town, commune, bureau string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(`#first_name`)),
		chromedp.SendKeys(chromedp.CSS(`#first_name`), first),
		chromedp.SendKeys(chromedp.CSS(`#last_name`), last),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#phone`), phone),
		chromedp.SendKeys(chromedp.CSS(`#commune_q`), town),
		chromedp.WaitReady(chromedp.CSS(`#commune_code option[value="`+commune+`"]`)),
		chromedp.SetValue(chromedp.CSS(`#commune_code`), commune),
		chromedp.WaitReady(chromedp.CSS(`#bureau_code option[value="`+bureau+`"]`)),
		chromedp.SetValue(chromedp.CSS(`#bureau_code`), bureau),
		chromedp.Click(chromedp.CSS(`#round-1`)),
		chromedp.Click(chromedp.CSS(`#consent`)),
	)
}

// A voter asks for a proxy, a volunteer of the same commune signs up, the
// volunteer accepts through the link of the message they received, and the
// voter's page (link of their message) then gives the volunteer's details.
func TestBrowserProxyJourney(t *testing.T) {
	env := start(t)
	ctx := webtest.Browser(t)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}

	// The voter.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/procuration/demande"),
		fillPerson("Jeanne", "Moreau", "jeanne@example.org", "06 12 34 56 78", "Digne", "04070", "2"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#merci`)),
	); err != nil {
		t.Fatal(err)
	}
	if h := text(`h1`); h != "Merci !" {
		t.Fatalf("after the request: %q", h)
	}

	// The volunteer, same commune, another bureau.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/procuration/volontaire"),
		fillPerson("Paul", "Petit", "paul@example.org", "06 98 76 54 32", "Digne", "04070", "3"),
		chromedp.SetValue(chromedp.CSS(`#birth_date`), "1990-05-17"),
		chromedp.SendKeys(chromedp.CSS(`#voter_number`), "012345678"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#merci`)),
	); err != nil {
		t.Fatal(err)
	}
	if h := text(`h1`); h != "Merci !" {
		errs, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main form`)))
		t.Fatalf("after signing up: %q: %s", h, errs)
	}

	// The volunteer opens the link of the offer message and accepts.
	offer := messageLink(t, env, "paul@example.org", "proxy.offer")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(offer),
		chromedp.WaitVisible(chromedp.CSS(`section.offer button[id^="accepter-"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if s := text(`section.offer`); !strings.Contains(s, "Jeanne, électeur·rice de Digne-les-Bains") || !strings.Contains(s, "bureau 2") ||
		!regexp.MustCompile(`, à \d+,\d km de chez vous\.`).MatchString(s) {
		t.Fatalf("offer as the volunteer sees it: %q", s)
	}
	// A screen reader tells this offer's buttons from another's.
	if s := text(`section.offer button[id^="accepter-"] .sr-only`); s != "la demande de Jeanne" {
		t.Fatalf("the accept button's hidden words: %q", s)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`section.offer button[id^="accepter-"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	); err != nil {
		t.Fatal(err)
	}
	if s := text(`section.offer h2`); s != "Vous avez accepté de porter la procuration de Jeanne Moreau" {
		t.Fatalf("after accepting: %q", s)
	}

	// The voter's page, from the message telling them.
	page := messageLink(t, env, "jeanne@example.org", "proxy.accepted")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`#tour-1 .mandataire`)),
	); err != nil {
		t.Fatal(err)
	}
	if s := text(`#tour-1`); !strings.Contains(s, "Paul Petit") || !strings.Contains(s, "Téléphone : 06 98 76 54 32") {
		t.Fatalf("round 1 on the voter's page: %q", s)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#afficher`)),
		chromedp.WaitVisible(chromedp.CSS(`#coordonnees`)),
	); err != nil {
		t.Fatal(err)
	}
	if nne, born := text(`#coordonnees .nne`), text(`#coordonnees .naissance`); nne != "012345678" || born != "17/05/1990" {
		t.Fatalf("details shown: NNE %q, born %q", nne, born)
	}
	var views int
	env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'proxy_volunteer.details_view'`).Scan(&views)
	if views != 1 {
		t.Fatalf("%d audited views", views)
	}
}

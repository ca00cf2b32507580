package delegateweb

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"scrutin/demo"
	"scrutin/web/webtest"
)

// A volunteer signs up through the page; staff log in and run the
// assignment with the button; the commune's page shows the volunteer in a
// seat and the link to the commune's designation letter.
func TestBrowserSignupRunAndDesignationLink(t *testing.T) {
	env := start(t)
	ctx := webtest.Browser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/assesseurs/inscription"),
		chromedp.WaitVisible(chromedp.CSS(`#last_name`)),
		chromedp.SendKeys(chromedp.CSS(`#last_name`), "Brûlé-Nguyễn"),
		chromedp.SendKeys(chromedp.CSS(`#first_names`), "Zoé"),
		chromedp.SetValue(chromedp.CSS(`#birth_date`), "1990-02-03"),
		chromedp.SendKeys(chromedp.CSS(`#birth_place`), "Gap (05)"),
		chromedp.SendKeys(chromedp.CSS(`#address`), "4 rue Basse"),
		chromedp.SendKeys(chromedp.CSS(`#postal_code`), "04200"),
		chromedp.SendKeys(chromedp.CSS(`#city`), "Sisteron"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "zoe@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "06 12 34 56 78"),
		chromedp.SendKeys(chromedp.CSS(`#voter_number`), "98765432"),
		chromedp.SendKeys(chromedp.CSS(`#commune_q`), "Sisteron"),
		chromedp.WaitReady(chromedp.CSS(`#commune_code option[value="04209"]`)),
	); err != nil {
		t.Fatal(err)
	}
	// Choosing in a select fires "change", which loads the bureaux.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('commune_code'); s.value = '04209'; s.dispatchEvent(new Event('change')); return true })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.WaitReady(chromedp.CSS(`#bureau_code option[value="1"]`)),
		chromedp.SetValue(chromedp.CSS(`#bureau_code`), "1"),
		chromedp.Click(chromedp.CSS(`input[name="roles"][value="assesseur_titulaire"]`)),
		chromedp.Click(chromedp.CSS(`input[name="roles"][value="assesseur_suppleant"]`)),
		chromedp.Click(chromedp.CSS(`#consent`)),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main p.lead`)),
	); err != nil {
		t.Fatal(err)
	}
	thanks, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(thanks, "Merci") || !strings.Contains(thanks, "inscription comme assesseur") {
		t.Fatalf("after sign-up: %q", thanks)
	}

	// Staff run the assignment with the button.
	if err := chromedp.Do(ctx,
		env.Login(demo.AdminEmail, demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`.cards`)),
		chromedp.Navigate(env.URL+"/staff/delegues"),
		chromedp.WaitVisible(chromedp.CSS(`#run-assignment`)),
		chromedp.Click(chromedp.CSS(`#run-assignment`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-result`)),
	); err != nil {
		t.Fatal(err)
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#run-result`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, "Affectation terminée") {
		t.Fatalf("run result: %q", result)
	}

	// The commune's page: the volunteer holds a seat, the letter is there.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/staff/delegues?commune=04209&round=1"),
		chromedp.WaitVisible(chromedp.CSS(`table.bureaux`)),
	); err != nil {
		t.Fatal(err)
	}
	seats, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.bureaux`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(seats, "Zoé BRÛLÉ-NGUYỄN") {
		t.Fatalf("the volunteer holds no seat in Sisteron: %q", seats)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`a.designation`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if !href.Exists || !strings.HasPrefix(href.Value, "/api/v1/exports/designations/04209.pdf?election="+demo.ElectionSlug) || !strings.Contains(href.Value, "round=1") {
		t.Fatalf("designation link %+v", href)
	}
	// And the law's default, one letter for both rounds.
	both, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`a.designation-both`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if !both.Exists || both.Value != "/api/v1/exports/designations/04209.pdf?election="+demo.ElectionSlug {
		t.Fatalf("both-rounds designation link %+v", both)
	}
}

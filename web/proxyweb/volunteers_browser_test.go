package proxyweb_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"scrutin/demo"
	"scrutin/web/webtest"
)

// The demo organizer of the 04 opens the volunteer list from the
// navigation and clicks through to a volunteer's page.
func TestBrowserStaffOpensAVolunteer(t *testing.T) {
	env := start(t)
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", volunteerBody("paul@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	ctx := webtest.Browser(t)
	if err := chromedp.Do(ctx,
		env.Login(demo.OrganizerEmail, demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`.cards`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/staff/procurations/volontaires"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#volontaires`)),
	); err != nil {
		t.Fatal(err)
	}
	counts, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#compteurs`)))
	if err != nil || !strings.Contains(counts, "Disponibles") {
		t.Fatalf("counts %q, %v", counts, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#volontaires tbody a[href^="/staff/procurations/volontaires/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#identite`)),
	); err != nil {
		t.Fatal(err)
	}
	h1, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	main, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if !strings.Contains(h1, "Paul Petit") || !strings.Contains(main, "06 98 76 54 32") || strings.Contains(main, "123456789") || strings.Contains(main, "1990") {
		t.Fatalf("volunteer page: %q\n%s", h1, main)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('#retirer')`)); err != nil || !ok {
		t.Fatalf("the organizer has no withdraw button: %v", err)
	}
}

package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/web/webtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestBrowserStaffLoginReachesDashboard(t *testing.T) {
	env := webtest.Start(t)
	ctx := webtest.Browser(t)
	err := chromedp.Do(ctx,
		env.Login(demo.AdminEmail, demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`.counts, .cards`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	if err != nil {
		t.Fatal(err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main p`)))
	if err != nil {
		t.Fatal(err)
	}
	if heading != "Tableau de bord" || !strings.Contains(who, demo.AdminEmail) {
		t.Fatalf("dashboard shows %q / %q", heading, who)
	}
}

func TestBrowserWrongPasswordShowsError(t *testing.T) {
	env := webtest.Start(t)
	ctx := webtest.Browser(t)
	if err := chromedp.Do(ctx,
		env.Login(demo.AdminEmail, "not-the-password"),
		chromedp.WaitVisible(chromedp.CSS(`.alert`)),
	); err != nil {
		t.Fatal(err)
	}
	alert, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert`)))
	if err != nil {
		t.Fatal(err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alert, "mot de passe incorrect") || !strings.HasSuffix(url, "/connexion") {
		t.Fatalf("alert %q at %s", alert, url)
	}
}

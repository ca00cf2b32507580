package proxyweb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"scrutin/web/webtest"
)

// A browser with scripts turned off asks for a proxy: the commune is typed,
// the server finds it and asks for the bureau, the person picks it.
func TestBrowserRequestWithoutJavaScript(t *testing.T) {
	env := start(t)
	ctx := webtest.Browser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/procuration/demande"),
		chromedp.WaitVisible(chromedp.CSS(`#first_name`)),
		chromedp.SendKeys(chromedp.CSS(`#first_name`), "Jeanne"),
		chromedp.SendKeys(chromedp.CSS(`#last_name`), "Moreau"),
		chromedp.SendKeys(chromedp.CSS(`#email`), "jeanne@example.org"),
		chromedp.SendKeys(chromedp.CSS(`#phone`), "06 12 34 56 78"),
		chromedp.SendKeys(chromedp.CSS(`#commune_q`), "Sisteron"),
		chromedp.Click(chromedp.CSS(`#round-1`)),
		chromedp.Click(chromedp.CSS(`#consent`)),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#bureau_code-error`)),
	); err != nil {
		t.Fatal(err)
	}
	if s := text(`#commune_code`); !strings.Contains(s, "Sisteron (04200)") {
		t.Fatalf("commune found: %q", s)
	}
	if s := text(`#bureau_code-error`); s != "Choisissez votre bureau de vote dans la liste, ou « Je ne sais pas »." {
		t.Fatalf("bureau asked: %q", s)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#bureau_code`), "2"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#merci`)),
	); err != nil {
		t.Fatal(err)
	}
	var commune, bureau string
	if err := env.Pool.QueryRow(context.Background(), `SELECT commune_code, bureau_code FROM proxy_requests WHERE email = 'jeanne@example.org'`).Scan(&commune, &bureau); err != nil {
		t.Fatal(err)
	}
	if commune != "04209" || bureau != "2" {
		t.Fatalf("stored %s bureau %q", commune, bureau)
	}
}

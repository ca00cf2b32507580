package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"scrutin/demo"
	"scrutin/logistics/materials"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/materialweb"
	"scrutin/web/webtest"
)

// The dashboard's figures are written as on every other page: thousands
// apart with a narrow no-break space ("19 900"), whichever capability
// counts them.
func TestDashboardFiguresHaveThousandsApart(t *testing.T) {
	const nb = "\u202f"
	counting := func(s *web.Server, api, pages fiber.Router) {
		s.AddDashboard("Essai", "/staff", func(ctx context.Context, u *staff.User) ([]web.DashboardCount, error) {
			return []web.DashboardCount{
				{Label: "Tract A5 : en stock", Value: 19900},
				{Label: "Sièges à pourvoir (1er tour)", Value: 3471, Alert: true},
				{Label: "Bénévoles inscrits", Value: 1234567},
				{Label: "Sièges vacants", Value: 0},
				{Label: "Présences confirmées", Value: 999},
			}, nil
		})
	}
	env := webtest.Start(t, webtest.Options{Modules: []web.Module{counting, materialweb.Routes}, DemoLoaders: []demo.Loader{materials.LoadDemo}})
	client := login(t, env, demo.AdminEmail, demo.Password)
	p := get(t, client, env.URL+"/staff")
	if p.Status != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", p.Status, p.Body)
	}
	webtest.PageShows(t, p.Body, []string{
		"<dt>Tract A5 : en stock</dt><dd>19" + nb + "900</dd>",
		`<div class="alert-count"><dt>Sièges à pourvoir (1er tour)</dt><dd>3` + nb + "471</dd>",
		"<dt>Bénévoles inscrits</dt><dd>1" + nb + "234" + nb + "567</dd>",
		"<dt>Sièges vacants</dt><dd>0</dd>",
		"<dt>Présences confirmées</dt><dd>999</dd>",
		// a capability's own section: the demo's 20 000 tracts in stock
		"<dt>Tract A5 : en stock</dt><dd>20" + nb + "000</dd>",
	}, []string{"<dd>19900</dd>", "<dd>3471</dd>", "<dd>1234567</dd>", "<dd>20000</dd>"})
}

package delegateweb

import (
	"testing"

	"scrutin/logistics/changes"
	"scrutin/logistics/delegates"
	"scrutin/web/webtest"
)

// A confirmation link that holds no change (used, replaced or expired)
// says so and what to do, as the proxies' do (web.ChangeRoutes), GET and
// POST alike.
func TestChangeLinkGone(t *testing.T) {
	env := start(t)
	path := delegates.ChangePrefix + changes.LinkPath + "unknown-token-0123456789"
	r := env.Do(t, "GET", path, "", nil)
	if r.Status != 404 {
		t.Fatalf("GET: %d", r.Status)
	}
	webtest.PageShows(t, string(r.Body), []string{"Lien expiré ou déjà utilisé", "envoyez de nouveau le formulaire"}, []string{"Page ou élément introuvable"})
}

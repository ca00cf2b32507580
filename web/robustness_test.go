package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/delegates"
	"scrutin/logistics/materials"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/delegateweb"
	"scrutin/web/materialweb"
	"scrutin/web/notifyweb"
	"scrutin/web/webtest"
)

// TestBadInputNeverAnswers500 sends malformed, mistyped, oversized and
// hostile input to every public and staff JSON endpoint of the material,
// delegate and message modules: each must be refused with a 4xx status
// (422 bodies naming the fields), never answered with a 500.
func TestBadInputNeverAnswers500(t *testing.T) {
	env := webtest.Start(t, webtest.Options{
		Modules:     []web.Module{materialweb.Routes, delegateweb.Routes, notifyweb.Routes},
		DemoLoaders: []demo.Loader{materials.LoadDemo, delegates.LoadDemo},
	})
	admin := env.AdminToken(t)
	organizer := env.StaffToken(t, "org-robust@example.org", staff.Organizer, "04")

	long := strings.Repeat("é", 100_000)
	sqlish := `x'); DROP TABLE material_orders; --`
	bigEmail := noise(20_000) + "@example.org" // does not compress: too big for an index row
	order := func(kv ...any) string {
		m := map[string]any{"election": demo.ElectionSlug, "items": []map[string]any{{"sku": "TRACT-A5", "quantity": 100}},
			"name": "Alice Martin", "address": "12 avenue Victor Hugo", "postal_code": "04000", "commune_code": "04070",
			"email": "alice@example.org", "phone": "06 12 34 56 78"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return jsonString(t, m)
	}
	signup := func(kv ...any) string {
		m := map[string]any{"election": demo.ElectionSlug, "last_name": "Martin", "first_names": "Alice",
			"birth_date": "1980-05-04", "birth_place": "Digne", "address": "12 avenue Victor Hugo", "postal_code": "04000",
			"email": "alice-robust@example.org", "phone": "06 12 34 56 78", "commune_code": "04070",
			"voter_number": "12345678", "roles": []string{"assesseur"}, "rounds": []int{1}, "consent": true}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return jsonString(t, m)
	}

	type req struct {
		method, path, token, body string
	}
	cases := []req{
		// Public material endpoints.
		{"GET", "/api/v1/catalog?election=nope", "", ""},
		{"GET", "/api/v1/catalog?election=" + sqlish, "", ""},
		{"POST", "/api/v1/material-orders", "", `{"election":`},
		{"POST", "/api/v1/material-orders", "", `[]`},
		{"POST", "/api/v1/material-orders", "", `"x"`},
		{"POST", "/api/v1/material-orders", "", ``},
		{"POST", "/api/v1/material-orders", "", `{"items":"many"}`},
		{"POST", "/api/v1/material-orders", "", `{"items":[{"sku":"TRACT-A5","quantity":"10"}]}`},
		{"POST", "/api/v1/material-orders", "", `{"items":[{"sku":"TRACT-A5","quantity":1e40}]}`},
		{"POST", "/api/v1/material-orders", "", `{"items":[{"sku":"TRACT-A5","quantity":99999999999999999999}]}`},
		{"POST", "/api/v1/material-orders", "", order("items", []map[string]any{{"sku": "TRACT-A5", "quantity": 1 << 62}})},
		{"POST", "/api/v1/material-orders", "", order("items", []map[string]any{{"sku": "TRACT-A5", "quantity": -100}})},
		{"POST", "/api/v1/material-orders", "", order("items", []map[string]any{{"sku": "TRACT-A5", "quantity": 2147483648}})},
		{"POST", "/api/v1/material-orders", "", order("items", []map[string]any{{"sku": long, "quantity": 100}})},
		{"POST", "/api/v1/material-orders", "", order("items", []map[string]any{{"sku": sqlish, "quantity": 100}})},
		{"POST", "/api/v1/material-orders", "", order("election", "nope")},
		{"POST", "/api/v1/material-orders", "", order("election", 12)},
		{"POST", "/api/v1/material-orders", "", order("name", long)},
		{"POST", "/api/v1/material-orders", "", order("address", long)},
		{"POST", "/api/v1/material-orders", "", order("email", long+"@example.org")},
		{"POST", "/api/v1/material-orders", "", order("phone", long)},
		{"POST", "/api/v1/material-orders", "", order("postal_code", sqlish)},
		{"POST", "/api/v1/material-orders", "", order("commune_code", sqlish)},
		{"POST", "/api/v1/material-orders", "", order("name", sqlish, "address", sqlish)},
		{"POST", "/api/v1/material-orders", "", order("address", "12 rue\u0000 du Port", "email", "nul-address@example.org")},
		{"POST", "/api/v1/material-orders", "", order("email", "a\u0000b@example.org")},
		{"POST", "/api/v1/material-orders", "", order("email", bigEmail)},
		{"POST", "/api/v1/material-orders", "", order("unknown", 1)},
		{"GET", "/api/v1/material-orders/t/nope", "", ""},
		{"GET", "/api/v1/material-orders/t/" + strings.Repeat("a", 1000), "", ""},
		{"POST", "/api/v1/material-orders/t/nope/cancel", "", ""},

		// Staff material endpoints.
		{"GET", "/api/v1/material-orders/abc", organizer, ""},
		{"GET", "/api/v1/material-orders/-1", organizer, ""},
		{"GET", "/api/v1/material-orders/99999999999999999999", organizer, ""},
		{"GET", "/api/v1/material-orders/999999", organizer, ""},
		{"GET", "/api/v1/material-orders?election=nope", organizer, ""},
		{"GET", "/api/v1/material-orders?limit=-5", organizer, ""},
		{"GET", "/api/v1/material-orders?offset=-5", organizer, ""},
		{"GET", "/api/v1/material-orders?limit=abc&offset=xyz", organizer, ""},
		{"GET", "/api/v1/material-orders?from=2024-13-45&to=yesterday", organizer, ""},
		{"GET", "/api/v1/material-orders?status=" + sqlish + "&sku=" + sqlish + "&departement=" + sqlish, organizer, ""},
		{"POST", "/api/v1/material-orders/abc/shipped", organizer, ""},
		{"POST", "/api/v1/material-orders/999999/shipped", organizer, `{"tracking":"X"}`},
		{"POST", "/api/v1/material-orders/1/shipped", organizer, `{"tracking":12}`},
		{"POST", "/api/v1/material-orders/1/shipped", organizer, `{"tracking":`},
		{"POST", "/api/v1/material-orders/abc/delivered", organizer, ""},
		{"POST", "/api/v1/material-orders/999999/delivered", organizer, ""},
		{"POST", "/api/v1/material-orders/abc/cancel", organizer, ""},
		{"POST", "/api/v1/material-orders/999999/cancel", organizer, ""},
		{"GET", "/api/v1/material-batches?election=nope", organizer, ""},
		{"GET", "/api/v1/material-batches/abc", organizer, ""},
		{"GET", "/api/v1/material-batches/999999", organizer, ""},
		{"POST", "/api/v1/material-batches", organizer, `{"election":`},
		{"POST", "/api/v1/material-batches", organizer, `{"election":"nope","departement":"ZZ","sku":"?"}`},
		{"POST", "/api/v1/material-batches", organizer, `{"election":"` + demo.ElectionSlug + `","departement":"` + sqlish + `"}`},
		{"POST", "/api/v1/material-batches", organizer, `{"election":"` + demo.ElectionSlug + `","departement":"75"}`},
		{"POST", "/api/v1/material-batches/abc/sent", organizer, ""},
		{"POST", "/api/v1/material-batches/999999/sent", organizer, ""},
		{"POST", "/api/v1/catalog", admin, `{"sku":1}`},
		{"POST", "/api/v1/catalog", admin, `{"election":"` + demo.ElectionSlug + `","sku":"X-1","name":"X","unit":"u","min_per_person":-1,"pack_size":0,"max_per_person":-5,"stock":-10,"price_cents":-1,"cutoff_date":"2024-02-30"}`},
		{"POST", "/api/v1/catalog", admin, `{"election":"` + demo.ElectionSlug + `","sku":"X-2","name":"X","unit":"u","min_per_person":1,"pack_size":1,"max_per_person":9223372036854775807,"stock":9223372036854775807,"price_cents":9223372036854775807,"unit_weight_g":1e308,"cutoff_date":"9999-12-31"}`},
		{"POST", "/api/v1/catalog", admin, `{"election":"nope","sku":"X-3","name":"X","unit":"u","min_per_person":1,"pack_size":1,"max_per_person":1,"stock":1,"cutoff_date":"31/12/2099"}`},
		{"PUT", "/api/v1/catalog/abc", admin, `{}`},
		{"PUT", "/api/v1/catalog/999999", admin, `{"election":"` + demo.ElectionSlug + `","sku":"X-4","name":"X","unit":"u","min_per_person":1,"pack_size":1,"max_per_person":1,"stock":1,"cutoff_date":"2099-01-01"}`},
		{"DELETE", "/api/v1/catalog/abc", admin, ""},
		{"DELETE", "/api/v1/catalog/999999", admin, ""},
		{"PUT", "/api/v1/catalog/999999/picture", admin, "not an image"},
		{"PUT", "/api/v1/catalog/abc/picture", admin, ""},
		{"GET", "/api/v1/exports/material-printer?election=nope", organizer, ""},
		{"GET", "/api/v1/exports/material-printer?batch=abc", organizer, ""},
		{"GET", "/api/v1/exports/material-labels?from=never", organizer, ""},
		{"GET", "/materiel/images/abc", "", ""},
		{"GET", "/materiel/images/999999", "", ""},
		{"GET", "/materiel/t/nope", "", ""},

		// Public delegate endpoints.
		{"POST", "/api/v1/delegate-volunteers", "", `{"election":`},
		{"POST", "/api/v1/delegate-volunteers", "", `[1,2]`},
		{"POST", "/api/v1/delegate-volunteers", "", signup("rounds", "1")},
		{"POST", "/api/v1/delegate-volunteers", "", signup("rounds", []int{-1, 99, 1 << 40})},
		{"POST", "/api/v1/delegate-volunteers", "", signup("max_distance_km", -3)},
		{"POST", "/api/v1/delegate-volunteers", "", signup("max_distance_km", 1<<40)},
		{"POST", "/api/v1/delegate-volunteers", "", signup("birth_date", "1980-02-30")},
		{"POST", "/api/v1/delegate-volunteers", "", signup("birth_date", "0001-01-01")},
		{"POST", "/api/v1/delegate-volunteers", "", signup("birth_date", "99999-01-01")},
		{"POST", "/api/v1/delegate-volunteers", "", signup("election", "nope")},
		{"POST", "/api/v1/delegate-volunteers", "", signup("last_name", long, "first_names", long, "birth_name", long)},
		{"POST", "/api/v1/delegate-volunteers", "", signup("birth_place", long, "address", long)},
		{"POST", "/api/v1/delegate-volunteers", "", signup("birth_place", "Digne\u0000", "address", "1 rue\u0000", "email", "nul-signup@example.org")},
		{"POST", "/api/v1/delegate-volunteers", "", signup("voter_number", sqlish, "commune_code", sqlish, "bureau_code", sqlish)},
		{"POST", "/api/v1/delegate-volunteers", "", signup("bureau_code", long)},
		{"POST", "/api/v1/delegate-volunteers", "", signup("roles", []string{sqlish, long})},
		{"POST", "/api/v1/delegate-volunteers", "", signup("preferred_bureaux", []string{sqlish, long, "0001"})},
		{"POST", "/api/v1/delegate-volunteers", "", signup("consent", "yes")},
		{"POST", "/api/v1/delegate-volunteers", "", signup("email", bigEmail)},
		{"POST", "/api/v1/delegate-volunteers", "", signup("email", "a\u0000b@example.org")},
		{"GET", "/assesseurs/t/nope", "", ""},
		{"POST", "/assesseurs/t/nope/confirmer", "", ""},

		// Staff delegate endpoints.
		{"GET", "/api/v1/delegate-volunteers?election=nope", organizer, ""},
		{"GET", "/api/v1/delegate-volunteers?limit=-1&round=-4&q=" + sqlish + "&status=" + sqlish + "&role=" + sqlish, organizer, ""},
		{"GET", "/api/v1/delegate-volunteers?limit=99999999999", organizer, ""},
		{"GET", "/api/v1/delegate-volunteers?commune=" + sqlish + "&departement=" + sqlish, organizer, ""},
		{"GET", "/api/v1/delegate-volunteers/abc", organizer, ""},
		{"GET", "/api/v1/delegate-volunteers/999999", organizer, ""},
		{"GET", "/api/v1/delegate-volunteers/-1", organizer, ""},
		{"POST", "/api/v1/delegate-assignment/run", organizer, `{"round":"one"}`},
		{"POST", "/api/v1/delegate-assignment/run", organizer, `{"election":"nope"}`},
		{"POST", "/api/v1/delegate-assignment/run", organizer, `{"election":"` + demo.ElectionSlug + `","round":-1,"dry_run":true}`},
		{"POST", "/api/v1/delegate-assignment/run", organizer, `{"election":"` + demo.ElectionSlug + `","round":99999999999,"dry_run":true}`},
		{"POST", "/api/v1/delegate-assignments", organizer, `{"volunteer_id":"x"}`},
		{"POST", "/api/v1/delegate-assignments", organizer, `{"election":"` + demo.ElectionSlug + `","round":1,"commune_code":"04070","bureau_code":"0001","role":"assesseur","volunteer_id":999999}`},
		{"POST", "/api/v1/delegate-assignments", organizer, `{"election":"` + demo.ElectionSlug + `","round":-7,"commune_code":"` + sqlish + `","bureau_code":"` + sqlish + `","role":"` + sqlish + `","volunteer_id":-1}`},
		{"POST", "/api/v1/delegate-assignments", organizer, `{"election":"` + demo.ElectionSlug + `","round":1,"commune_code":"75056","bureau_code":"0001","role":"assesseur","volunteer_id":1}`},
		{"DELETE", "/api/v1/delegate-assignments/abc", organizer, ""},
		{"DELETE", "/api/v1/delegate-assignments/999999", organizer, ""},
		{"GET", "/api/v1/delegate-coverage?election=nope", organizer, ""},
		{"GET", "/api/v1/delegate-coverage?round=-1&departement=" + sqlish + "&commune=" + sqlish, organizer, ""},
		{"POST", "/api/v1/delegate-needs/roles", organizer, `{"roles":"assesseur"}`},
		{"POST", "/api/v1/delegate-needs/roles", organizer, `{"election":"` + demo.ElectionSlug + `","round":-2,"scope":"` + sqlish + `","roles":["` + sqlish + `"]}`},
		{"POST", "/api/v1/delegate-needs/roles", organizer, `{"election":"` + demo.ElectionSlug + `","scope":"75","roles":["assesseur"]}`},
		{"POST", "/api/v1/delegate-needs/priorities", organizer, `{"priority":"high"}`},
		{"POST", "/api/v1/delegate-needs/priorities", organizer, `{"election":"` + demo.ElectionSlug + `","commune_code":"04070","bureau_code":"0001","priority":99999999999}`},
		{"POST", "/api/v1/delegate-needs/priorities", organizer, `{"election":"` + demo.ElectionSlug + `","commune_code":"04070","bureau_code":"0001","priority":-99999999999}`},
		{"POST", "/api/v1/delegate-needs/priorities.csv?election=nope", organizer, "commune,bureau,priorite\n04070,0001,1\n"},
		{"POST", "/api/v1/delegate-needs/priorities.csv?election=" + demo.ElectionSlug, organizer, "\"unterminated\n"},
		{"POST", "/api/v1/delegate-needs/priorities.csv?election=" + demo.ElectionSlug, organizer, "commune,bureau,priorite\n04070,0001,99999999999999\n=1+1,0001,x\n"},
		{"GET", "/api/v1/exports/designations/" + "zz" + ".pdf", organizer, ""},
		{"GET", "/api/v1/exports/prefecture/ZZ.pdf", organizer, ""},
		{"GET", "/api/v1/exports/delegates.xlsx?election=nope", organizer, ""},
		{"GET", "/api/v1/exports/credentials.pdf?round=abc", organizer, ""},

		// Messages (admin).
		{"GET", "/api/v1/messages?page=-1&per_page=-5", admin, ""},
		{"GET", "/api/v1/messages?page=99999999999999999&per_page=99999999", admin, ""},
		{"GET", "/api/v1/messages?status=" + sqlish + "&channel=" + sqlish + "&kind=" + sqlish + "&recipient=" + sqlish, admin, ""},
		{"GET", "/api/v1/messages/abc", admin, ""},
		{"GET", "/api/v1/messages/99999999999999999999", admin, ""},
		{"GET", "/api/v1/messages/999999", admin, ""},
		{"POST", "/api/v1/messages/999999/retry", admin, ""},
		{"POST", "/api/v1/messages/99999999999999999999/retry", admin, ""},

		// NUL bytes and invalid UTF-8 in query parameters reach SQL as is.
		{"GET", "/api/v1/catalog?election=%00", "", ""},
		{"GET", "/api/v1/communes?q=a%00b", "", ""},
		{"GET", "/api/v1/communes/%00/bureaux", "", ""},
		{"GET", "/api/v1/material-orders?sku=%00&election=%FF", organizer, ""},
		{"GET", "/api/v1/delegate-volunteers?q=%00&status=%FF&role=%00", organizer, ""},
		{"GET", "/api/v1/delegate-coverage?election=%00", organizer, ""},
		{"GET", "/api/v1/messages?recipient=%00&kind=%FF&status=%00", admin, ""},
		{"GET", "/api/v1/audit?entity=%00&action=%FF", admin, ""},
		{"POST", "/api/v1/delegate-needs/priorities.csv?election=" + demo.ElectionSlug, organizer, "commune,bureau,priorite\n04070,\x00,1\n"},
	}
	for _, tc := range cases {
		name := tc.method + " " + tc.path
		if len(name) > 120 {
			name = name[:120]
		}
		t.Run(name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := env.Do(t, tc.method, tc.path, tc.token, body)
			switch r.Status {
			case http.StatusOK, http.StatusCreated, http.StatusNoContent:
				// Some hostile-looking input is fine (a search that finds nothing).
			case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnsupportedMediaType, http.StatusForbidden:
			case http.StatusUnprocessableEntity:
				if _, ok := r.JSON["fields"].(map[string]any); !ok {
					t.Errorf("422 without fields: %s", r.Body)
				}
			default:
				t.Errorf("status %d: %s", r.Status, truncate(r.Body))
			}
		})
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noise is n letters that do not compress (PostgreSQL compresses long
// values, which hides size limits from repetitive test strings).
func noise(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return fmt.Sprintf("%s…", b[:300])
	}
	return string(b)
}

// NUL bytes and invalid UTF-8 in public free-text fields are refused next
// to the field (422), not by PostgreSQL (500).
func TestControlCharactersRefusedByField(t *testing.T) {
	env := webtest.Start(t, webtest.Options{
		Modules:     []web.Module{materialweb.Routes, delegateweb.Routes},
		DemoLoaders: []demo.Loader{materials.LoadDemo, delegates.LoadDemo},
	})
	order := map[string]any{"election": demo.ElectionSlug, "items": []map[string]any{{"sku": "TRACT-A5", "quantity": 100}},
		"name": "Alice Martin", "address": "12 avenue\u0000 Victor Hugo", "postal_code": "04000", "commune_code": "04070",
		"email": "ali\u0000ce@example.org", "phone": "06 12 34 56 78"}
	r := env.Do(t, "POST", "/api/v1/material-orders", "", order)
	if r.Status != http.StatusUnprocessableEntity || r.Field("address") == "" || r.Field("email") == "" {
		t.Errorf("order with NUL bytes: %d %s", r.Status, r.Body)
	}
	signup := map[string]any{"election": demo.ElectionSlug, "last_name": "Martin", "first_names": "Alice",
		"birth_date": "1980-05-04", "birth_place": "Digne\u0000", "address": "1 rue\u001b du Port", "postal_code": "04000",
		"email": "alice@example.org", "phone": "06 12 34 56 78", "commune_code": "04070",
		"voter_number": "12345678", "roles": []string{"assesseur"}, "rounds": []int{1}}
	r = env.Do(t, "POST", "/api/v1/delegate-volunteers", "", signup)
	if r.Status != http.StatusUnprocessableEntity || r.Field("birth_place") == "" || r.Field("address") == "" {
		t.Errorf("sign-up with control characters: %d %s", r.Status, r.Body)
	}

	// The form takes bytes as typed: invalid UTF-8 gets the page back.
	client := webtest.Client()
	token := csrfOf(t, get(t, client, env.URL+"/materiel?election="+demo.ElectionSlug))
	body := "_csrf=" + token + "&election=" + demo.ElectionSlug + "&items.TRACT-A5.quantity=100&name=Alice%FF+Martin" +
		"&address=12+avenue%00+Victor+Hugo&postal_code=04000&commune_code=04070&email=alice%FF@example.org&phone=0612345678&consent=oui"
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/materiel", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := fetch(t, client, req); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "caractères non autorisés") {
		t.Errorf("order form with invalid bytes: %d", p.Status)
	}

	// The login form counts attempts per address, whatever was typed.
	for _, email := range []string{noise(20_000) + "@example.org", "admin\x00@example.org"} {
		if p := loginWith(t, env, webtest.Client(), email, "not-the-password"); p.Status >= 500 {
			t.Errorf("login with a %d-byte address: %d", len(email), p.Status)
		}
	}
}

// The API takes no CSRF token: a change through it with the session cookie
// needs a JSON body, which another site's form cannot send. Without one
// (an empty or raw body), only a bearer token is taken.
func TestAPIChangesWithSessionCookieNeedJSON(t *testing.T) {
	env := webtest.Start(t, webtest.Options{
		Modules:     []web.Module{materialweb.Routes, delegateweb.Routes, notifyweb.Routes},
		DemoLoaders: []demo.Loader{materials.LoadDemo, delegates.LoadDemo},
	})
	client := login(t, env, demo.AdminEmail, demo.Password)
	send := func(method, path, contentType, body string) page {
		req, _ := http.NewRequest(method, env.URL+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		return fetch(t, client, req)
	}
	for _, tc := range []struct{ path, contentType, body string }{
		{"/api/v1/material-orders/1/shipped", "", ""},
		{"/api/v1/material-orders/1/delivered", "application/x-www-form-urlencoded", "a=b"},
		{"/api/v1/material-orders/1/cancel", "text/plain", ""},
		{"/api/v1/material-batches/1/sent", "", ""},
		{"/api/v1/messages/1/retry", "", ""},
		{"/api/v1/delegate-needs/priorities.csv?election=" + demo.ElectionSlug, "text/plain", "commune,bureau,priorite\n04070,0001,1\n"},
	} {
		if p := send("POST", tc.path, tc.contentType, tc.body); p.Status != http.StatusUnauthorized {
			t.Errorf("POST %s (%q) with the session cookie: %d %s", tc.path, tc.contentType, p.Status, p.Body)
		}
	}
	// Reads still take the cookie (export links on the staff pages), and
	// so do changes with a JSON body.
	if p := send("GET", "/api/v1/material-orders", "", ""); p.Status != http.StatusOK {
		t.Errorf("GET with the session cookie: %d", p.Status)
	}
	if p := send("POST", "/api/v1/material-batches", "application/json", `{"election":"nope"}`); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("JSON POST with the session cookie: %d %s", p.Status, p.Body)
	}
	// A bearer token needs no body.
	if r := env.Do(t, "POST", "/api/v1/material-orders/999999/shipped", env.AdminToken(t), nil); r.Status != http.StatusNotFound {
		t.Errorf("bearer POST without a body: %d %s", r.Status, r.Body)
	}
}

// A failed request under a private link is logged without the link's
// secret, like any other request.
func TestFailedRequestLogHidesPrivateToken(t *testing.T) {
	var logs bytes.Buffer
	boom := func(s *web.Server, api, pages fiber.Router) {
		api.Get("/boom/t/:token", func(c *fiber.Ctx) error { return errors.New("boom") })
	}
	s := web.New(dbtest.New(t), web.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, boom)
	resp, err := s.App.Test(httptest.NewRequest("GET", "/api/v1/boom/t/secret-token-123", nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "request failed") || strings.Contains(logs.String(), "secret-token-123") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// TestErrorMessagesInFrench: a refusal of ours keeps its French message
// whatever its status, while Fiber's own errors, whose messages are in
// English, get a French one.
func TestErrorMessagesInFrench(t *testing.T) {
	env := webtest.Start(t, webtest.Options{NoDemo: true, Modules: []web.Module{func(s *web.Server, api, pages fiber.Router) {
		api.Get("/test/refusal/:status", func(c *fiber.Ctx) error {
			status, _ := c.ParamsInt("status")
			return &web.Refusal{Status: status, Message: "Refus à nous, en français."}
		})
		api.Get("/test/fiber/:status", func(c *fiber.Ctx) error {
			status, _ := c.ParamsInt("status")
			return fiber.NewError(status, "Something in English")
		})
		api.Post("/test/json", func(c *fiber.Ctx) error {
			var v struct{}
			return web.DecodeJSON(c, &v)
		})
	}}})
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/v1/test/refusal/400", 400, "Refus à nous, en français."},
		{"/api/v1/test/refusal/404", 404, "Refus à nous, en français."},
		{"/api/v1/test/refusal/429", 429, "Refus à nous, en français."},
		{"/api/v1/test/fiber/400", 400, "Requête invalide."},
		{"/api/v1/test/fiber/405", 405, "Méthode non autorisée."},
		{"/api/v1/test/fiber/418", 418, "Requête refusée."},
		{"/api/v1/test/fiber/503", 503, "Une erreur interne est survenue."},
	} {
		r := env.Do(t, "GET", tc.path, "", nil)
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) || strings.Contains(string(r.Body), "English") {
			t.Errorf("%s: %d %s, want %d and %q", tc.path, r.Status, r.Body, tc.status, tc.want)
		}
	}
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/test/json", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body.Error, "doit être du JSON") {
		t.Errorf("JSON endpoint with text/plain: %d %q", resp.StatusCode, body.Error)
	}
}

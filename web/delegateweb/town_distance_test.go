package delegateweb

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/staff"
	"scrutin/web/webtest"
)

// listed is the volunteer of an e-mail in the staff JSON list, nil if the
// list lacks them.
func listed(t *testing.T, env *webtest.Env, token, query, email string) map[string]any {
	t.Helper()
	r := env.Do(t, "GET", "/api/v1/delegate-volunteers?election="+demo.ElectionSlug+query, token, nil)
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	vs, _ := r.JSON["volunteers"].([]any)
	for _, v := range vs {
		if m := v.(map[string]any); m["email"] == email {
			return m
		}
	}
	return nil
}

// staffPage is the body of a staff page, which must answer 200.
func staffPage(t *testing.T, env *webtest.Env, token, path string) string {
	t.Helper()
	r := env.Do(t, "GET", path, token, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d\n%s", path, r.Status, r.Body)
	}
	return string(r.Body)
}

// Staff see a volunteer's home address with its postal code and town (the
// town the designation letter prints), on the volunteers' page and in the
// API's list, within their scope only; an entry without a town (signed up
// before it was asked) says it is missing.
func TestStaffSeeTheHomeTown(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	admin := env.AdminToken(t)
	org04 := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	org75 := env.StaffToken(t, "org75@example.org", staff.Organizer, "75")
	for _, email := range []string{"ville@example.org", "sansville@example.org"} {
		if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", signupBody(email)); r.Status != 201 {
			t.Fatalf("sign-up %s: %d %s", email, r.Status, r.Body)
		}
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE delegate_volunteers SET city = NULL WHERE email = 'sansville@example.org'`); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		email, city string
	}{
		{"ville@example.org", "Sisteron"},
		{"sansville@example.org", ""},
	} {
		t.Run(tc.email, func(t *testing.T) {
			// JSON: the three fields, the town '' when missing.
			for _, token := range []string{admin, org04} {
				v := listed(t, env, token, "&commune=04209", tc.email)
				if v == nil {
					t.Fatal("not listed")
				}
				if v["address"] != "4 rue Basse" || v["postal_code"] != "04200" || v["city"] != tc.city {
					t.Fatalf("address %q, postal code %q, town %q; want 4 rue Basse, 04200, %q", v["address"], v["postal_code"], v["city"], tc.city)
				}
			}
			// HTML: the same, next to the person's contact.
			cell := `<td class="home">4 rue Basse<br>04200 Sisteron</td>`
			if tc.city == "" {
				cell = `<td class="home">4 rue Basse<br>04200 <span class="badge warn">commune de résidence manquante</span></td>`
			}
			row := regexp.MustCompile(`(?s)<a href="mailto:` + regexp.QuoteMeta(tc.email) + `">.*?</td>\s*` + regexp.QuoteMeta(cell))
			for _, token := range []string{admin, org04} {
				body := staffPage(t, env, token, "/staff/delegues/benevoles?election="+demo.ElectionSlug+"&commune=04209")
				if !strings.Contains(body, "<th>Domicile</th>") || !row.MatchString(body) {
					t.Fatalf("no home address %q in the row of %s:\n%s", cell, tc.email, body)
				}
			}
		})
	}

	// Out of scope: neither the person nor their address.
	t.Run("outside the reader's scope", func(t *testing.T) {
		if v := listed(t, env, org75, "", "ville@example.org"); v != nil {
			t.Fatalf("listed outside scope: %v", v)
		}
		body := staffPage(t, env, org75, "/staff/delegues/benevoles?election="+demo.ElectionSlug)
		if strings.Contains(body, "4 rue Basse") || strings.Contains(body, "ville@example.org") {
			t.Fatal("an address outside the reader's scope is shown")
		}
		// The demo volunteers of Paris 4e are theirs, with their town.
		if !strings.Contains(body, `<td class="home">14 rue du Pont-Louis-Philippe<br>75004 Paris</td>`) {
			t.Fatalf("the reader's own volunteers lack their address:\n%s", body)
		}
		body = staffPage(t, env, org04, "/staff/delegues/benevoles?election="+demo.ElectionSlug)
		if strings.Contains(body, "Pont-Louis-Philippe") {
			t.Fatal("a Paris address shown to the staff of the 04")
		}
		// Phones read as in France, as on the other staff pages.
		if !regexp.MustCompile(`<a href="tel:(\+|&#43;)33[0-9]{9}">0[67]( [0-9]{2}){4}</a>`).MatchString(body) || regexp.MustCompile(`<br>(\+|&#43;)33[0-9]{9}</td>`).MatchString(body) {
			t.Fatalf("phones on the volunteers page:\n%s", body)
		}
		if r := env.Do(t, "GET", "/staff/delegues/benevoles?election="+demo.ElectionSlug+"&commune=04209", org75, nil); r.Status != 403 {
			t.Fatalf("a commune outside scope: %d", r.Status)
		}
	})
}

// The travel limit takes a decimal written the French or the English way,
// on the form and in the API; it is stored to the tenth and shown the
// French way to staff (« 7,5 km »), as a number in the API.
func TestDecimalDistance(t *testing.T) {
	env := start(t)
	ctx := context.Background()
	admin := env.AdminToken(t)
	stored := func(t *testing.T, email string) string {
		t.Helper()
		var km *string
		if err := env.Pool.QueryRow(ctx, `SELECT max_distance_km::text FROM delegate_volunteers WHERE email = $1`, email).Scan(&km); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if km == nil {
			return "NULL"
		}
		return *km
	}
	notStored := func(t *testing.T, email string) {
		t.Helper()
		var n int
		env.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_volunteers WHERE email = $1`, email).Scan(&n)
		if n != 0 {
			t.Fatal("stored")
		}
	}

	t.Run("API", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			value  any
			status int
			stored string // or the field's message
		}{
			{"JSON number", 7.5, 201, "7.5"},
			{"French decimal in a string", "7,5", 201, "7.5"},
			{"English decimal in a string", "7.5", 201, "7.5"},
			{"with its unit", "12,0 km", 201, "12.0"},
			{"whole number", 15, 201, "15.0"},
			{"own bureau", 0, 201, "0.0"},
			{"hundredths", "7,25", 422, "Indiquez la distance avec une décimale au plus : par exemple 7,5."},
			{"hundredths as a JSON number", 7.25, 422, "Indiquez la distance avec une décimale au plus : par exemple 7,5."},
			{"words", "sept", 422, "Écrivez la distance en kilomètres, avec des chiffres : par exemple 12 ou 7,5."},
			{"a hundred", 100.0, 201, "100.0"},
			{"under a kilometre", 0.5, 422, "Indiquez une distance entre 1 et 200 km."},
			{"too far", "200,5", 422, "Indiquez une distance entre 1 et 200 km."},
			{"a boolean", true, 422, "Type de valeur incorrect."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				email := "api-" + strings.ToLower(strings.ReplaceAll(tc.name, " ", "-")) + "@example.org"
				body := signupBody(email)
				body["max_distance_km"] = tc.value
				r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", body)
				if r.Status != tc.status {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				if tc.status == 201 {
					if got := stored(t, email); got != tc.stored {
						t.Fatalf("stored %s, want %s", got, tc.stored)
					}
					return
				}
				if got := r.Field("max_distance_km"); got != tc.stored {
					t.Fatalf("max_distance_km: %q, want %q (%s)", got, tc.stored, r.Body)
				}
				if fields, _ := r.JSON["fields"].(map[string]any); len(fields) != 1 {
					t.Fatalf("other fields refused: %s", r.Body)
				}
				notStored(t, email)
			})
		}
		// An exponent in a string is not a way people write distances.
		body := signupBody("api-exp@example.org")
		body["max_distance_km"] = "1e2"
		if r := env.Do(t, "POST", "/api/v1/delegate-volunteers", "", body); r.Status != 422 || !strings.Contains(r.Field("max_distance_km"), "avec des chiffres") {
			t.Fatalf("\"1e2\": %d %s", r.Status, r.Body)
		}
	})

	t.Run("form", func(t *testing.T) {
		full := func(email, km string) url.Values {
			return url.Values{"election": {demo.ElectionSlug}, "last_name": {"Martin"}, "first_names": {"Léa"}, "birth_date": {"1999-09-09"},
				"birth_place": {"Digne"}, "address": {"1 place"}, "postal_code": {"04000"}, "city": {"Digne-les-Bains"}, "email": {email},
				"phone": {"0611223344"}, "commune_code": {"04070"}, "bureau_code": {"3"}, "voter_number": {voterNumberOf(email)},
				"roles": {"assesseur_titulaire"}, "rounds": {"1", "2"}, "reach": {"km"}, "max_distance_km": {km}, "consent": {"oui"}}
		}
		for _, tc := range []struct {
			name, typed, stored string
		}{
			{"French decimal", "7,5", "7.5"},
			{"English decimal", "7.5", "7.5"},
			{"with its unit", "12,5 km", "12.5"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				email := "form-" + strings.ToLower(strings.ReplaceAll(tc.name, " ", "-")) + "@example.org"
				status, body := formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", full(email, tc.typed))
				if status != 200 || !strings.Contains(body, "Votre inscription comme assesseur") {
					t.Fatalf("status %d\n%s", status, body)
				}
				if got := stored(t, email); got != tc.stored {
					t.Fatalf("stored %s, want %s", got, tc.stored)
				}
			})
		}
		// A bad distance: its message next to the field, what was typed kept.
		email := "form-bad@example.org"
		status, body := formPost(t, webtest.Client(), env, "/assesseurs/inscription", "/assesseurs/inscription", full(email, "7,25"))
		next := regexp.MustCompile(`(?s)<input id="max_distance_km" name="max_distance_km" type="text" inputmode="decimal" size="6" value="7,25" aria-invalid="true" aria-describedby="max_distance_km-error">\s*` +
			`<p class="error" id="max_distance_km-error">Indiquez la distance avec une décimale au plus : par exemple 7,5.</p>`)
		if status != 422 || !next.MatchString(body) || len(fieldErrorRe.FindAllString(body, -1)) != 1 {
			t.Fatalf("status %d\n%s", status, body)
		}
		notStored(t, email)
	})

	t.Run("staff see it the French way", func(t *testing.T) {
		v := listed(t, env, admin, "&commune=04070", "form-french-decimal@example.org")
		if v == nil || v["max_distance_km"] != 7.5 {
			t.Fatalf("API: %v", v)
		}
		if v := listed(t, env, admin, "&commune=04209", "api-own-bureau@example.org"); v == nil || v["max_distance_km"] != 0.0 {
			t.Fatalf("API, own bureau: %v", v)
		}
		if v := listed(t, env, admin, "&commune=04209", "api-whole-number@example.org"); v == nil || v["max_distance_km"] != 15.0 {
			t.Fatalf("API, whole number: %v", v)
		}
		body := staffPage(t, env, admin, "/staff/delegues/benevoles?election="+demo.ElectionSlug+"&commune=04070")
		row := regexp.MustCompile(`(?s)mailto:form-french-decimal@example.org".*?<td>sa commune d&#39;inscription et 7,5 km autour</td>`)
		if !row.MatchString(body) || strings.Contains(body, "7.5 km") {
			t.Fatalf("page:\n%s", body)
		}
	})
}

package materialweb_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/fr"
	"scrutin/logistics/materials"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/materialweb"
	"scrutin/web/webtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const nb = "\u202f" // between thousands, see materials.Count

func start(t *testing.T) *webtest.Env {
	t.Helper()
	return webtest.Start(t, webtest.Options{Modules: []web.Module{materialweb.Routes}, DemoLoaders: []demo.Loader{materials.LoadDemo}})
}

func orderBody(qty int, email string) map[string]any {
	return map[string]any{"election": demo.ElectionSlug, "items": []map[string]any{{"sku": "TRACT-A5", "quantity": qty}},
		"name": "Alice Martin", "address": "12 avenue Victor Hugo", "postal_code": "04000", "commune_code": "04070",
		"email": email, "phone": "06 12 34 56 78"}
}

func available(t *testing.T, env *webtest.Env, sku string) float64 {
	t.Helper()
	r := env.Do(t, "GET", "/api/v1/catalog?election="+demo.ElectionSlug, "", nil)
	if r.Status != 200 {
		t.Fatalf("catalog: %d %s", r.Status, r.Body)
	}
	items, _ := r.JSON["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		if m["sku"] == sku {
			return m["available"].(float64)
		}
	}
	t.Fatalf("no %s in %s", sku, r.Body)
	return 0
}

func TestMaterialCatalogAPI(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	organizer := env.StaffToken(t, "org@example.org", staff.Organizer, "04")
	body := map[string]any{"election": demo.ElectionSlug, "sku": "TRACT-B", "name": "Tract B", "unit": "tracts",
		"min_per_person": 50, "pack_size": 50, "max_per_person": 500, "stock": 5000, "price_cents": 0,
		"cutoff_date": time.Now().AddDate(0, 0, 7).Format(time.DateOnly)}
	bad := map[string]any{}
	for k, v := range body {
		bad[k] = v
	}
	bad["min_per_person"], bad["sku"] = 60, "TRACT-C"
	cases := []struct {
		name   string
		token  string
		body   any
		status int
		field  string
	}{
		{"admin creates", admin, body, 201, ""},
		{"same reference again", admin, body, 422, "sku"},
		{"minimum off the packs", admin, bad, 422, "min_per_person"},
		{"unknown field", admin, `{"election":"demo-2027","colour":"red"}`, 422, "colour"},
		{"malformed JSON", admin, `{"sku":`, 400, ""},
		{"organizers do not change the national catalog", organizer, body, 403, ""},
		{"anonymous", "", body, 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := env.Do(t, "POST", "/api/v1/catalog", c.token, c.body)
			if r.Status != c.status || (c.field != "" && r.Field(c.field) == "") {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if c.status == 201 && (r.JSON["sku"] != "TRACT-B" || r.JSON["available"].(float64) != 5000) {
				t.Fatalf("created %s", r.Body)
			}
		})
	}
	// Public view: the new item with its stock left, what a form needs.
	if got := available(t, env, "TRACT-B"); got != 5000 {
		t.Fatalf("available %v", got)
	}
	r := env.Do(t, "GET", "/api/v1/catalog?election="+demo.ElectionSlug, "", nil)
	first := r.JSON["items"].([]any)[0].(map[string]any)
	for _, k := range []string{"sku", "name", "unit", "min_per_person", "pack_size", "max_per_person", "available", "cutoff_date", "price_cents"} {
		if _, ok := first[k]; !ok {
			t.Errorf("public item lacks %q: %v", k, first)
		}
	}
	if _, ok := first["stock"]; ok {
		t.Errorf("public item shows staff fields: %v", first)
	}
	if r := env.Do(t, "GET", "/api/v1/catalog?election=nope", "", nil); r.Status != 422 || r.Field("election") != "Élection inconnue." {
		t.Fatalf("unknown election: %d %s", r.Status, r.Body)
	}

	// Update, then delete: an item nobody ordered goes, an ordered one stays.
	r = env.Do(t, "GET", "/api/v1/catalog?election="+demo.ElectionSlug, admin, nil)
	ids := map[string]int{}
	for _, it := range r.JSON["items"].([]any) {
		m := it.(map[string]any)
		ids[m["sku"].(string)] = int(m["id"].(float64))
	}
	body["stock"] = 8000
	if r := env.Do(t, "PUT", fmt.Sprintf("/api/v1/catalog/%d", ids["TRACT-B"]), admin, body); r.Status != 200 || r.JSON["stock"].(float64) != 8000 {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(100, "del@example.org")); r.Status != 201 {
		t.Fatal(string(r.Body))
	}
	for _, c := range []struct {
		sku    string
		status int
	}{{"TRACT-B", 204}, {"TRACT-A5", 409}} {
		if r := env.Do(t, "DELETE", fmt.Sprintf("/api/v1/catalog/%d", ids[c.sku]), admin, nil); r.Status != c.status {
			t.Fatalf("delete %s: %d %s", c.sku, r.Status, r.Body)
		}
	}
}

func TestMaterialOrderAPI(t *testing.T) {
	env := start(t)
	before := available(t, env, "TRACT-A5")
	cases := []struct {
		name   string
		body   any
		status int
		field  string
		msg    string
	}{
		{"valid order", orderBody(100, "api@example.org"), 201, "", ""},
		{"above the maximum", orderBody(1050, "api2@example.org"), 422, "items.TRACT-A5.quantity", "« Tract A5 » : 1" + nb + "000 tracts au plus par personne."},
		{"earlier orders count", orderBody(950, "api@example.org"), 422, "items.TRACT-A5.quantity",
			"« Tract A5 » : 1" + nb + "000 tracts au plus par personne ; vous en avez déjà commandé 100, vous pouvez encore en commander 900."},
		{"wrong postal code", func() any { b := orderBody(100, "api3@example.org"); b["postal_code"] = "04100"; return b }(), 422,
			"postal_code", "Le code postal 04100 ne correspond pas à la commune Digne-les-Bains."},
		{"quantity as text", `{"election":"demo-2027","items":[{"sku":"TRACT-A5","quantity":"cent"}]}`, 422, "items.quantity", "Type de valeur incorrect."},
		{"malformed JSON", `{"items":[`, 400, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := env.Do(t, "POST", "/api/v1/material-orders", "", c.body)
			if r.Status != c.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if c.field != "" && r.Field(c.field) != c.msg {
				t.Fatalf("%s: %q (%s)", c.field, r.Field(c.field), r.Body)
			}
			if c.status == 201 {
				items := r.JSON["items"].([]any)
				line := items[0].(map[string]any)
				if r.JSON["status"] != "pending" || r.JSON["id"] == nil || line["sku"] != "TRACT-A5" || line["quantity"].(float64) != 100 {
					t.Fatalf("answer %s", r.Body)
				}
				if _, leaks := r.JSON["email"]; leaks {
					t.Fatalf("answer echoes personal data: %s", r.Body)
				}
			}
		})
	}
	if after := available(t, env, "TRACT-A5"); after != before-100 {
		t.Fatalf("available %v after one order of 100, was %v", after, before)
	}
}

func TestMaterialOrderRateLimitedPerEmail(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Modules: []web.Module{materialweb.Routes}, DemoLoaders: []demo.Loader{materials.LoadDemo},
		PublicRatePerMinute: 25}) // 5 per e-mail per hour
	var last *webtest.Response
	for range 6 {
		last = env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(50, "bulk@example.org"))
	}
	if last.Status != http.StatusTooManyRequests {
		t.Fatalf("6th order with one e-mail: %d %s", last.Status, last.Body)
	}
}

var linkRe = regexp.MustCompile(`/materiel/t/([A-Za-z0-9_-]+)`)

// privateLink is the link of the confirmation e-mail sent to email.
func privateLink(t *testing.T, env *webtest.Env, email string) string {
	t.Helper()
	var body string
	if err := env.Pool.QueryRow(context.Background(), `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'material.order'
		ORDER BY id DESC LIMIT 1`, email).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, env.URL+"/materiel/t/") {
		t.Fatalf("no absolute link in %s", body)
	}
	return linkRe.FindString(body)
}

func TestMaterialPrivateLink(t *testing.T) {
	env := start(t)
	before := available(t, env, "TRACT-A5")
	if r := env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(300, "link@example.org")); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	link := privateLink(t, env, "link@example.org")
	token := strings.TrimPrefix(link, "/materiel/t/")

	resp, err := http.Get(env.URL + link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Enregistrée") || !strings.Contains(string(page), "Annuler ma commande") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status page %d:\n%s", resp.StatusCode, page)
	}
	if r := env.Do(t, "GET", "/api/v1/material-orders/t/"+token, "", nil); r.Status != 200 || r.JSON["cancellable"] != true {
		t.Fatalf("status API %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "POST", "/api/v1/material-orders/t/"+token+"/cancel", "", nil); r.Status != 200 || r.JSON["status"] != "cancelled" {
		t.Fatalf("cancel %d %s", r.Status, r.Body)
	}
	if after := available(t, env, "TRACT-A5"); after != before {
		t.Fatalf("stock not back: %v, was %v", after, before)
	}
	if r := env.Do(t, "POST", "/api/v1/material-orders/t/"+token+"/cancel", "", nil); r.Status != 409 || r.JSON["error"] != "Cette commande est déjà annulée." {
		t.Fatalf("second cancel %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/v1/material-orders/t/"+token+"x", "", nil); r.Status != 404 {
		t.Fatalf("wrong token %d", r.Status)
	}
}

func TestMaterialFulfilmentAPI(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	org := env.StaffToken(t, "org04@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	var ids []float64
	for i, place := range [][3]string{{"04000", "04070", "Digne"}, {"04100", "04112", "Manosque"}, {"75004", "75104", "Paris"}} {
		b := orderBody(100, fmt.Sprintf("f%d@example.org", i))
		b["postal_code"], b["commune_code"], b["address"] = place[0], place[1], "1 rue de "+place[2]
		r := env.Do(t, "POST", "/api/v1/material-orders", "", b)
		if r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		ids = append(ids, r.JSON["id"].(float64))
	}
	steps := []struct {
		name, token, method, path string
		body                      any
		status                    int
		check                     func(r *webtest.Response) bool
	}{
		{"organizer lists the 04 orders", org, "GET", "/api/v1/material-orders?election=demo-2027", nil, 200,
			func(r *webtest.Response) bool { return r.JSON["total"].(float64) == 2 }},
		{"filter by département", admin, "GET", "/api/v1/material-orders?departement=75", nil, 200,
			func(r *webtest.Response) bool { return r.JSON["total"].(float64) == 1 }},
		{"a page of at most 500, said", admin, "GET", "/api/v1/material-orders?limit=10000", nil, 200,
			func(r *webtest.Response) bool {
				return r.JSON["limit"].(float64) == 500 && r.JSON["total"].(float64) == 3 && len(r.JSON["orders"].([]any)) == 3
			}},
		{"a page of two", admin, "GET", "/api/v1/material-orders?limit=2&offset=1", nil, 200,
			func(r *webtest.Response) bool {
				return r.JSON["limit"].(float64) == 2 && len(r.JSON["orders"].([]any)) == 2
			}},
		{"bad filter", admin, "GET", "/api/v1/material-orders?status=perdu", nil, 422,
			func(r *webtest.Response) bool { return r.Field("status") == "Statut inconnu." }},
		{"Paris order is out of the 04 scope", org, "GET", fmt.Sprintf("/api/v1/material-orders/%d", int(ids[2])), nil, 404, nil},
		{"viewers do not batch", viewer, "POST", "/api/v1/material-batches", map[string]any{"election": "demo-2027"}, 403, nil},
		{"organizer batches the 04", org, "POST", "/api/v1/material-batches", map[string]any{"election": "demo-2027"}, 201,
			func(r *webtest.Response) bool { return r.JSON["orders"].(float64) == 2 }},
		{"nothing left to batch", org, "POST", "/api/v1/material-batches", map[string]any{"election": "demo-2027"}, 409, nil},
		{"printer view of the batch", org, "GET", "/api/v1/material-batches/1", nil, 200,
			func(r *webtest.Response) bool { return strings.Contains(string(r.Body), `"quantity":200`) }},
		{"ship one with tracking", org, "POST", fmt.Sprintf("/api/v1/material-orders/%d/shipped", int(ids[0])), map[string]any{"tracking": "6A0001"}, 200,
			func(r *webtest.Response) bool { return r.JSON["status"] == "shipped" && r.JSON["tracking"] == "6A0001" }},
		{"bad tracking", org, "POST", fmt.Sprintf("/api/v1/material-orders/%d/shipped", int(ids[1])), map[string]any{"tracking": "<script>"}, 422, nil},
		{"batch sent ships the rest", org, "POST", "/api/v1/material-batches/1/sent", nil, 200,
			func(r *webtest.Response) bool { return r.JSON["shipped"].(float64) == 1 }},
		{"viewers give no tracking number", viewer, "POST", fmt.Sprintf("/api/v1/material-orders/%d/tracking", int(ids[1])), map[string]any{"tracking": "6A0002"}, 403, nil},
		{"tracking number after the batch left", org, "POST", fmt.Sprintf("/api/v1/material-orders/%d/tracking", int(ids[1])), map[string]any{"tracking": "6A0002"}, 200,
			func(r *webtest.Response) bool { return r.JSON["status"] == "shipped" && r.JSON["tracking"] == "6A0002" }},
		{"the order's page offers to change it", org, "GET", fmt.Sprintf("/staff/materiel/commandes/%d", int(ids[1])), nil, 200,
			func(r *webtest.Response) bool {
				return strings.Contains(string(r.Body), "Nouveau numéro de suivi (actuel : 6A0002)") && strings.Contains(string(r.Body), "/suivi")
			}},
		{"no empty tracking number", org, "POST", fmt.Sprintf("/api/v1/material-orders/%d/tracking", int(ids[1])), map[string]any{"tracking": ""}, 422,
			func(r *webtest.Response) bool { return r.Field("tracking") == "Indiquez le numéro de suivi du colis." }},
		{"delivered", org, "POST", fmt.Sprintf("/api/v1/material-orders/%d/delivered", int(ids[1])), nil, 200,
			func(r *webtest.Response) bool { return r.JSON["status"] == "delivered" }},
		{"no cancel once shipped", admin, "POST", fmt.Sprintf("/api/v1/material-orders/%d/cancel", int(ids[0])), nil, 409, nil},
		{"staff cancels a pending order", admin, "POST", fmt.Sprintf("/api/v1/material-orders/%d/cancel", int(ids[2])), nil, 200,
			func(r *webtest.Response) bool { return r.JSON["status"] == "cancelled" }},
	}
	for _, s := range steps {
		r := env.Do(t, s.method, s.path, s.token, s.body)
		if r.Status != s.status || (s.check != nil && !s.check(r)) {
			t.Fatalf("%s: %d %s", s.name, r.Status, r.Body)
		}
	}
	var kinds string
	if err := env.Pool.QueryRow(context.Background(), `SELECT string_agg(kind, ',' ORDER BY id) FROM outbox WHERE recipient = 'f1@example.org'`).Scan(&kinds); err != nil {
		t.Fatal(err)
	}
	if kinds != "material.order,material.batched,material.shipped,material.tracking,material.delivered" {
		t.Fatalf("the person was told: %s", kinds)
	}
}

func TestMaterialExportDownloads(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	for i := range 3 {
		if r := env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(100, fmt.Sprintf("x%d@example.org", i))); r.Status != 201 {
			t.Fatal(string(r.Body))
		}
	}
	cases := []struct {
		name, ctype string
	}{
		{"material-printer", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"material-shipper", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"material-slips", "application/pdf"},
		{"material-labels", "application/pdf"},
	}
	for _, c := range cases {
		r := env.Do(t, "GET", "/api/v1/exports/"+c.name+"?election="+demo.ElectionSlug, admin, nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != c.ctype || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %d %s %s", c.name, r.Status, r.Header, r.Body)
		}
		if c.name == "material-shipper" {
			f, err := excelize.OpenReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("Colis")
			if len(rows) != 4 || rows[1][1] != "Alice Martin" {
				t.Fatalf("shipper rows %q", rows)
			}
		}
	}
	if r := env.Do(t, "GET", "/api/v1/exports/material-shipper?batch=42", admin, nil); r.Status != 422 || r.Field("batch") != "Lot inconnu." {
		t.Fatalf("unknown batch: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/v1/exports/material-shipper", "", nil); r.Status != 401 {
		t.Fatalf("anonymous export: %d", r.Status)
	}
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestMaterialPicture(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	r := env.Do(t, "GET", "/api/v1/catalog?election="+demo.ElectionSlug, admin, nil)
	id := int(r.JSON["items"].([]any)[0].(map[string]any)["id"].(float64))
	cases := []struct {
		name   string
		body   []byte
		status int
	}{
		{"HTML posing as an image", []byte("<html><script>alert(1)</script></html>"), 422},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`), 422},
		{"too big", append(pngBytes(t), make([]byte, materials.MaxPictureBytes)...), 422},
		{"PNG", pngBytes(t), 204},
	}
	for _, c := range cases {
		if r := env.Do(t, "PUT", fmt.Sprintf("/api/v1/catalog/%d/picture", id), admin, c.body); r.Status != c.status {
			t.Fatalf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	resp, err := http.Get(fmt.Sprintf("%s/materiel/images/%d", env.URL, id))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!bytes.Equal(body, pngBytes(t)) {
		t.Fatalf("picture: %d %v", resp.StatusCode, resp.Header)
	}
	r = env.Do(t, "GET", "/api/v1/catalog?election="+demo.ElectionSlug, "", nil)
	if url, _ := r.JSON["items"].([]any)[0].(map[string]any)["picture_url"].(string); !strings.HasPrefix(url, fmt.Sprintf("/materiel/images/%d?v=", id)) {
		t.Fatalf("picture_url %q", url)
	}
}

// TestMaterialStaffPagesRender opens every staff page of the capability
// with an order and a batch in place, as each role.
func TestMaterialStaffPagesRender(t *testing.T) {
	env := start(t)
	admin := env.AdminToken(t)
	viewer := env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04")
	r := env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(100, "page@example.org"))
	id := int(r.JSON["id"].(float64))
	r = env.Do(t, "POST", "/api/v1/material-orders", "", orderBody(100, "cancelled@example.org"))
	cancelled := int(r.JSON["id"].(float64))
	if r := env.Do(t, "POST", "/api/v1/material-batches", admin, map[string]any{"election": "demo-2027"}); r.Status != 201 {
		t.Fatal(string(r.Body))
	}
	// An order cancelled once batched makes no parcel.
	if r := env.Do(t, "POST", fmt.Sprintf("/api/v1/material-orders/%d/cancel", cancelled), admin, nil); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	pages := []struct {
		path string
		want string
	}{
		{"/staff/materiel", "Tract A5"},
		{"/staff/materiel", `<td class="num">20` + "\u202f" + `000</td>`}, // the stock, thousands apart
		{"/staff/materiel/commandes?status=cancelled", "<p>1 commande."},
		{"/staff/materiel/articles/1", "Dernier jour de commande"},
		{"/staff/materiel/articles/nouveau", "Nouvel article"},
		{"/staff/materiel/commandes", "Alice Martin"},
		{"/staff/materiel/commandes?status=batched&departement=04&sku=TRACT-A5", "Alice Martin"},
		{fmt.Sprintf("/staff/materiel/commandes/%d", id), "12 avenue Victor Hugo"},
		{"/staff/materiel/lots", "Lots d'expédition"},
		{"/staff/materiel/lots/1", "Pour l'imprimeur"},
		{"/staff/materiel/lots/1", "un colis par commande (1)"},
		{"/staff/materiel/lots/1?expediees=3", "Lot marqué comme envoyé : 3 commandes expédiées"},
		{"/staff", "Tract A5 : commandés"},
		{"/materiel", "Tract A5"},
	}
	for _, tok := range []string{admin, viewer} {
		for _, p := range pages {
			status := 200
			if tok == viewer && p.path == "/staff/materiel/articles/nouveau" {
				status = 403
			}
			r := env.Do(t, "GET", p.path, tok, nil)
			if r.Status != status || (status == 200 && !strings.Contains(string(r.Body), p.want)) {
				t.Errorf("%s: %d, want %d with %q\n%s", p.path, r.Status, status, p.want, r.Body)
			}
		}
	}
}

// TestMaterialItemPageIsReadOnlyForNonAdmins: only admins change the
// catalog; viewers and organizers see the item with every field disabled
// and nothing to submit (the POST would be refused).
func TestMaterialItemPageIsReadOnlyForNonAdmins(t *testing.T) {
	env := start(t)
	cases := []struct {
		who   string
		token string
		edit  bool
	}{
		{"admin", env.AdminToken(t), true},
		{"organizer", env.StaffToken(t, "org04@example.org", staff.Organizer, "04"), false},
		{"viewer", env.StaffToken(t, "viewer04@example.org", staff.Viewer, "04"), false},
	}
	for _, c := range cases {
		r := env.Do(t, "GET", "/staff/materiel/articles/1", c.token, nil)
		page := string(r.Body)
		if r.Status != 200 || !strings.Contains(page, `value="TRACT-A5"`) {
			t.Fatalf("%s: %d\n%s", c.who, r.Status, page)
		}
		// The page's own content (the header holds the logout form).
		_, page, _ = strings.Cut(page, `<main id="contenu">`)
		page, _, _ = strings.Cut(page, "</main>")
		submit := strings.Contains(page, `type="submit"`)
		post := strings.Contains(page, `method="post"`)
		disabled := strings.Contains(page, `<fieldset class="form" disabled>`)
		if c.edit && (!strings.Contains(page, `<button type="submit">Enregistrer</button>`) || !post || disabled) {
			t.Errorf("%s: the item form is not editable (submit %v, post %v, disabled %v)", c.who, submit, post, disabled)
		}
		if !c.edit && (submit || post || !disabled || strings.Contains(page, `type="file"`) || !strings.Contains(page, "Lecture seule")) {
			t.Errorf("%s: the item page is not read-only (submit %v, post %v, disabled %v)\n%s", c.who, submit, post, disabled, page)
		}
	}
}

func TestMaterialOrderPageChoosesElection(t *testing.T) {
	env := start(t)
	d := time.Now().AddDate(0, 0, 35-int(time.Now().Weekday())).Format(time.DateOnly) // a Sunday in about a month
	if r := env.Do(t, "POST", "/api/v1/elections", env.AdminToken(t), map[string]any{"name": "Municipale partielle", "slug": "partielle",
		"rounds": []map[string]any{{"number": 1, "date": d}}}); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	cases := []struct{ path, want string }{
		{"/materiel", `href="/materiel?election=partielle"`},
		{"/materiel", `href="/materiel?election=demo-2027"`},
		{"/materiel?election=demo-2027", `name="items.TRACT-A5.quantity"`},
		{"/materiel?election=partielle", "Aucun article n'est proposé pour l'instant."},
	}
	for _, c := range cases {
		r := env.Do(t, "GET", c.path, "", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), c.want) {
			t.Errorf("%s: %d, want %s\n%s", c.path, r.Status, c.want, r.Body)
		}
	}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// TestMaterialOrderFormWithoutJavaScript posts the form as a browser
// without JavaScript does (no commune search): the commune comes from the
// postal code, and robots filling the hidden field get a thank-you page.
func TestMaterialOrderFormWithoutJavaScript(t *testing.T) {
	env := start(t)
	client := webtest.Client()
	csrf := env.CSRF(t, client, "/materiel")
	form := func(edit func(v map[string]string)) string {
		v := map[string]string{"_csrf": csrf, "election": demo.ElectionSlug, "items.TRACT-A5.quantity": "100",
			"items.AFFICHE-A2.quantity": "", "name": "Bea Roux", "address": "4 rue du Pont", "postal_code": "04200",
			"commune_code": "", "email": "bea@example.org", "phone": "0611223344", "consent": "oui", "site_web": ""}
		edit(v)
		var parts []string
		for k, s := range v {
			parts = append(parts, k+"="+urlEscape(s))
		}
		return strings.Join(parts, "&")
	}
	cases := []struct {
		name   string
		edit   func(v map[string]string)
		status int
		want   string
		stored int
	}{
		{"robot fills the hidden field", func(v map[string]string) { v["site_web"] = "http://spam.example" }, 200, "Merci, votre commande est enregistrée", 0},
		{"quantity in words", func(v map[string]string) { v["items.TRACT-A5.quantity"] = "cent" }, 422,
			`id="q-TRACT-A5-error">« Tract A5 » : indiquez une quantité (50 tracts au minimum).`, 0},
		{"no consent", func(v map[string]string) { delete(v, "consent") }, 422, `id="consent-error"`, 0},
		{"quantity beyond any number", func(v map[string]string) { v["items.TRACT-A5.quantity"] = "99999999999999999999" }, 422,
			`id="q-TRACT-A5-error">« Tract A5 » : ` + fr.Number(1000) + ` tracts au plus par personne.`, 0},
		{"commune from the postal code", func(v map[string]string) {}, 303, "", 1},
	}
	var thanks string // where the order sends the browser
	for _, c := range cases {
		req, _ := http.NewRequest("POST", env.URL+"/materiel", strings.NewReader(form(c.edit)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		stored := ordersStored(t, env)
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.want) || stored != c.stored {
			t.Fatalf("%s: %d, %d orders stored, want %q in\n%s", c.name, resp.StatusCode, stored, c.want, body)
		}
		if resp.StatusCode == http.StatusSeeOther {
			thanks = resp.Header.Get("Location")
		}
	}
	// The thank-you page is the order's private page (a GET): reloading it
	// shows the order again and orders nothing more.
	if !regexp.MustCompile(`^/materiel/t/[A-Za-z0-9_-]+\?fait=commande$`).MatchString(thanks) {
		t.Fatalf("redirected to %q", thanks)
	}
	for range 2 {
		resp, err := client.Get(env.URL + thanks)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		stored := ordersStored(t, env)
		for _, want := range []string{"Merci, votre commande est enregistrée", "100 tracts — Tract A5", "4 rue du Pont, 04200 Sisteron", "bea@example.org"} {
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) || stored != 1 {
				t.Fatalf("thank-you page: %d, %d orders stored, want %q in\n%s", resp.StatusCode, stored, want, body)
			}
		}
	}
}

func urlEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// ordersStored is how many orders the database holds.
func ordersStored(t *testing.T, env *webtest.Env) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM material_orders`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

package web_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"scrutin/demo"
	"scrutin/logistics/delegates"
	"scrutin/logistics/materials"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/delegateweb"
	"scrutin/web/materialweb"
	"scrutin/web/proxyweb"
	"scrutin/web/webtest"
)

// A download is named as its audit row is, after what was exported: the
// election when the query named none (the only open one), the place as
// read ("4" is 04); explicit parameters name it as before. Read back from
// the Content-Disposition and the audit log; workbooks opened.
func TestExportDownloadsAreNamedAfterWhatWasExported(t *testing.T) {
	env := webtest.Start(t, webtest.Options{
		Modules:     []web.Module{proxyweb.Routes, delegateweb.Routes, materialweb.Routes},
		DemoLoaders: []demo.Loader{proxies.LoadDemo, delegates.LoadDemo, materials.LoadDemo},
	})
	env.AddElection(t, "passee", "Élection passée", -30) // not open: the default stays the demo's
	org := env.StaffToken(t, "org04-exports@example.org", staff.Organizer, "04")
	const el = demo.ElectionSlug
	for _, tc := range []struct {
		path, action, file string
		workbook           bool
	}{
		{"/api/v1/exports/proxies.xlsx", "proxies", "procurations-" + el + "-04.xlsx", true},
		{"/api/v1/exports/proxies.xlsx?departement=4", "proxies", "procurations-" + el + "-04.xlsx", true},
		{"/api/v1/exports/proxies.xlsx?election=" + el + "&commune=04112", "proxies", "procurations-" + el + "-04112.xlsx", true},
		{"/api/v1/exports/delegates.xlsx?departement=4", "delegates", "assesseurs-delegues-" + el + "-04.xlsx", true},
		{"/api/v1/exports/delegates.xlsx?election=" + el + "&round=1", "delegates", "assesseurs-delegues-" + el + "-04-tour1.xlsx", true},
		{"/api/v1/exports/designations/4070.pdf", "designations", "designation-" + el + "-04070.pdf", false},
		{"/api/v1/exports/prefecture/04.pdf?round=1", "prefecture", "prefecture-" + el + "-04-tour1.pdf", false},
		{"/api/v1/exports/material-shipper", "material-shipper", "materiel-transporteur-" + el + "-04.xlsx", true},
		{"/api/v1/exports/material-labels?departement=04", "material-labels", "materiel-etiquettes-" + el + "-04.pdf", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := env.Do(t, "GET", tc.path, org, nil)
			if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), `filename="`+tc.file+`"`) {
				t.Fatalf("%d %q, want %s: %.300s", r.Status, r.Header.Get("Content-Disposition"), tc.file, r.Body)
			}
			var file string
			var details map[string]any
			if err := env.Pool.QueryRow(context.Background(), `SELECT entity_id, details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`,
				"export."+tc.action).Scan(&file, &details); err != nil {
				t.Fatal(err)
			}
			if file != tc.file || details["election"] != el {
				t.Errorf("audit row %s %v, want %s for %s", file, details, tc.file, el)
			}
			if tc.workbook {
				x, err := excelize.OpenReader(bytes.NewReader(r.Body))
				if err != nil {
					t.Fatal(err)
				}
				defer x.Close()
				if len(x.GetSheetList()) == 0 {
					t.Error("a workbook without sheets")
				}
			} else if !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
				t.Errorf("not a PDF: %.20q", r.Body)
			}
		})
	}
}

// A place outside the caller's scope: 403, with the reason the proxy lists
// give (places.OutOfScope) as the summary and under the parameter that
// named the place, by every export filtered by département or commune;
// nothing audited.
func TestExportOutOfScopeSaysWhy(t *testing.T) {
	env := webtest.Start(t, webtest.Options{
		Modules:     []web.Module{proxyweb.Routes, delegateweb.Routes, materialweb.Routes},
		DemoLoaders: []demo.Loader{proxies.LoadDemo, delegates.LoadDemo, materials.LoadDemo},
	})
	org := env.StaffToken(t, "org04-scope@example.org", staff.Organizer, "04")
	viewer := env.StaffToken(t, "viewer04209@example.org", staff.Viewer, "04209")
	const (
		dep75     = "Le département 75 est hors de votre périmètre."
		paris4    = "La commune 75104 est hors de votre périmètre."
		notAll04  = "Le département 04 n'est pas entièrement dans votre périmètre."
		digne     = "La commune 04070 est hors de votre périmètre."
		anyExport = "/api/v1/exports/"
	)
	for _, tc := range []struct {
		path, token, field, reason string
	}{
		{anyExport + "proxies.xlsx?departement=75", org, "departement", dep75},
		{anyExport + "proxies.xlsx?election=" + demo.ElectionSlug + "&commune=75104", org, "commune", paris4},
		{anyExport + "proxies.xlsx?commune=4070", viewer, "commune", digne},
		{anyExport + "delegates.xlsx?departement=75", org, "departement", dep75},
		{anyExport + "delegates.xlsx?departement=04", viewer, "departement", notAll04},
		{anyExport + "designations/75104.pdf", org, "commune", paris4},
		{anyExport + "credentials.pdf?commune=75104", org, "commune", paris4},
		{anyExport + "prefecture/75.pdf", org, "departement", dep75},
		{anyExport + "material-labels?departement=75", org, "departement", dep75},
		{anyExport + "material-printer?departement=75", org, "departement", dep75},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var before, after int
			env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'`).Scan(&before)
			r := env.Do(t, "GET", tc.path, tc.token, nil)
			env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action LIKE 'export.%'`).Scan(&after)
			if r.Status != 403 || r.JSON["error"] != tc.reason || r.Field(tc.field) != tc.reason {
				t.Errorf("%d %.300s, want 403 %q under %s", r.Status, r.Body, tc.reason, tc.field)
			}
			if fields, _ := r.JSON["fields"].(map[string]any); len(fields) != 1 {
				t.Errorf("fields %v, want %s only", fields, tc.field)
			}
			if r.Header.Get("Content-Disposition") != "" || after != before {
				t.Errorf("refused, yet %q and %d audit rows", r.Header.Get("Content-Disposition"), after-before)
			}
		})
	}
}

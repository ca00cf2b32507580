package exports_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/places"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// Every export that resolves its election (the only open one when none was
// given) or reads its place ("4" is 04) reports what it resolved: Run
// audits it and names the file after it (the audit row's entity_id, the
// download, the command line's default output), and leaves the caller's
// parameters as typed. Explicit parameters name the file as before. Read
// back from the audit log itself, the workbooks opened with excelize.
func TestExportsNameAndAuditWhatTheyResolved(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), "", proxies.LoadDemo, delegates.LoadDemo, materials.LoadDemo); err != nil {
		t.Fatal(err)
	}
	addPastElection(t, pool) // the default is the only open one, not "any"
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	org := &staff.User{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	town := &staff.User{Email: "sisteron@example.org", Role: staff.Viewer, Scope: []string{"04209"}}
	const el = demo.ElectionSlug
	for _, tc := range []struct {
		export  string
		user    *staff.User
		params  exports.Params
		file    string
		details map[string]string // besides rows and scope; "" for a key: absent
		sheet   string            // a workbook: its first sheet
	}{
		// Left to the default: the election exported is named.
		{"proxies", admin, exports.Params{}, "procurations-" + el + ".xlsx",
			map[string]string{"election": el, "departement": "", "commune": ""}, "Demandes"},
		{"delegates", admin, exports.Params{}, "assesseurs-delegues-" + el + ".xlsx",
			map[string]string{"election": el, "departement": "", "commune": "", "round": ""}, "Bureaux"},
		{"delegates", org, exports.Params{"departement": "4"}, "assesseurs-delegues-" + el + "-04.xlsx",
			map[string]string{"election": el, "departement": "04"}, "Bureaux"},
		{"credentials", org, exports.Params{"commune": "4070"}, "accreditations-" + el + "-04070.pdf",
			map[string]string{"election": el, "commune": "04070", "departement": ""}, ""},
		{"designations", org, exports.Params{"commune": " 04070 ", "round": "1"}, "designation-" + el + "-04070-tour1.pdf",
			map[string]string{"election": el, "commune": "04070", "round": "1"}, ""},
		{"prefecture", org, exports.Params{"departement": "4"}, "prefecture-" + el + "-04.pdf",
			map[string]string{"election": el, "departement": "04"}, ""},
		{"material-shipper", admin, exports.Params{}, "materiel-transporteur-" + el + ".xlsx",
			map[string]string{"election": el, "batch": ""}, "Colis"},
		{"material-labels", org, exports.Params{"departement": "04"}, "materiel-etiquettes-" + el + "-04.pdf",
			map[string]string{"election": el, "departement": "04"}, ""},
		// No place asked by a reader of a limited scope: the file names
		// that scope, where a national reader's names no place, at the place's
		// position (right after the election), as in every export's name.
		{"delegates", org, exports.Params{}, "assesseurs-delegues-" + el + "-04.xlsx",
			map[string]string{"election": el, "departement": "", "commune": ""}, "Bureaux"},
		{"delegates", town, exports.Params{"round": "1"}, "assesseurs-delegues-" + el + "-04209-tour1.xlsx",
			map[string]string{"election": el, "departement": "", "commune": "", "round": "1"}, "Bureaux"},
		{"proxies", org, exports.Params{}, "procurations-" + el + "-04.xlsx",
			map[string]string{"election": el, "departement": "", "commune": ""}, "Demandes"},
		{"material-shipper", org, exports.Params{}, "materiel-transporteur-" + el + "-04.xlsx",
			map[string]string{"election": el, "departement": ""}, "Colis"},
		{"material-labels", town, exports.Params{"status": "cancelled"}, "materiel-etiquettes-" + el + "-04209-annulee.pdf",
			map[string]string{"election": el, "departement": "", "status": "cancelled"}, ""},
		{"credentials", org, exports.Params{"departement": "04", "round": "2"}, "accreditations-" + el + "-04-tour2.pdf",
			map[string]string{"election": el, "departement": "04", "round": "2"}, ""},
		// Named: as before (the slug as stored when typed otherwise).
		{"proxies", org, exports.Params{"election": el, "commune": "04112"}, "procurations-" + el + "-04112.xlsx",
			map[string]string{"election": el, "commune": "04112"}, "Demandes"},
		{"delegates", admin, exports.Params{"election": el, "departement": "04", "round": "1"}, "assesseurs-delegues-" + el + "-04-tour1.xlsx",
			map[string]string{"election": el, "departement": "04", "round": "1"}, "Bureaux"},
		{"delegates", admin, exports.Params{"election": "passee"}, "assesseurs-delegues-passee.xlsx",
			map[string]string{"election": "passee"}, "Bureaux"},
		{"material-slips", admin, exports.Params{"election": strings.ToUpper(el)}, "materiel-bordereaux-" + el + ".pdf",
			map[string]string{"election": el}, ""},
	} {
		t.Run(tc.export+" "+paramsText(tc.params), func(t *testing.T) {
			typed := maps.Clone(tc.params)
			var buf bytes.Buffer
			res, err := exports.Run(ctx, pool, tc.user, tc.user.Actor(), tc.export, tc.params, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(tc.params, typed) {
				t.Errorf("the caller's parameters were changed: %v, typed %v", tc.params, typed)
			}
			if res.Filename != tc.file {
				t.Errorf("file %q, want %q", res.Filename, tc.file)
			}
			var actor, file string
			var details map[string]any
			if err := pool.QueryRow(ctx, `SELECT actor, entity_id, details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`,
				"export."+tc.export).Scan(&actor, &file, &details); err != nil {
				t.Fatal(err)
			}
			if actor != tc.user.Actor() || file != tc.file || details["rows"] != float64(res.Rows) {
				t.Errorf("audit row: %s %s %v, want file %q, %d rows", actor, file, details, tc.file, res.Rows)
			}
			for k, v := range tc.details {
				got, ok := details[k]
				if v == "" && ok || v != "" && got != v {
					t.Errorf("audit row: %s = %v, want %q", k, got, v)
				}
				if res.Params[k] != v {
					t.Errorf("Result.Params[%s] = %q, want %q", k, res.Params[k], v)
				}
			}
			if tc.sheet == "" {
				if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
					t.Errorf("not a PDF: %.20q", buf.Bytes())
				}
				return
			}
			x, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			if sheets := x.GetSheetList(); len(sheets) == 0 || sheets[0] != tc.sheet {
				t.Errorf("sheets %v, want %s first", sheets, tc.sheet)
			}
			if rows, err := x.GetRows(tc.sheet); err != nil || len(rows) == 0 || len(rows[0]) == 0 || rows[0][0] == "" {
				t.Errorf("%s: %v (%v), want a header", tc.sheet, rows, err)
			}
		})
	}

	// The printer's quantities hold no one's data: not audited, but named
	// after the election exported all the same.
	res, err := exports.Run(ctx, pool, admin, admin.Actor(), "material-printer", exports.Params{}, &bytes.Buffer{})
	if err != nil || res.Filename != "materiel-imprimeur-"+el+".xlsx" {
		t.Errorf("material-printer: %q, %v", res.Filename, err)
	}
	// A batch names its election: the file keeps the batch's name, and
	// its parameters stay as given.
	e, err := elections.BySlug(ctx, pool, el)
	if err != nil {
		t.Fatal(err)
	}
	batch := insertMaterialOrders(t, pool, e, 3, 0)
	if res, err := exports.Run(ctx, pool, admin, admin.Actor(), "material-shipper", exports.Params{"batch": materialID(batch)}, &bytes.Buffer{}); err != nil ||
		res.Filename != "materiel-transporteur-lot-"+materialID(batch)+".xlsx" || !maps.Equal(res.Params, exports.Params{"batch": materialID(batch)}) {
		t.Errorf("batch: %q %v, %v", res.Filename, res.Params, err)
	}
}

// A place outside the caller's scope is refused with its reason, as the
// proxy lists give it (places.OutOfScope, a check.ErrForbidden), by every
// export filtered by département or commune; nothing is written or
// audited.
func TestExportsRefuseAPlaceOutOfScopeWithItsReason(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), "", proxies.LoadDemo, delegates.LoadDemo, materials.LoadDemo); err != nil {
		t.Fatal(err)
	}
	org := &staff.User{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	commune := &staff.User{Email: "com@example.org", Role: staff.Viewer, Scope: []string{"04209"}}
	for _, tc := range []struct {
		export string
		user   *staff.User
		params exports.Params
		reason string
	}{
		{"proxies", org, exports.Params{"departement": "75"}, "Le département 75 est hors de votre périmètre."},
		{"proxies", org, exports.Params{"commune": "75104"}, "La commune 75104 est hors de votre périmètre."},
		{"proxies", commune, exports.Params{"commune": "4070"}, "La commune 04070 est hors de votre périmètre."},
		{"delegates", org, exports.Params{"departement": "75"}, "Le département 75 est hors de votre périmètre."},
		{"delegates", org, exports.Params{"commune": "75104"}, "La commune 75104 est hors de votre périmètre."},
		{"designations", org, exports.Params{"commune": "75104"}, "La commune 75104 est hors de votre périmètre."},
		{"credentials", org, exports.Params{"departement": "75"}, "Le département 75 est hors de votre périmètre."},
		{"prefecture", org, exports.Params{"departement": "75"}, "Le département 75 est hors de votre périmètre."},
		// Some of the département is theirs, but its documents need all of it.
		{"prefecture", commune, exports.Params{"departement": "04"}, "Le département 04 n'est pas entièrement dans votre périmètre."},
		{"material-shipper", org, exports.Params{"departement": "75"}, "Le département 75 est hors de votre périmètre."},
		{"material-printer", org, exports.Params{"departement": "75"}, "Le département 75 est hors de votre périmètre."},
	} {
		t.Run(tc.export+" "+paramsText(tc.params), func(t *testing.T) {
			var before, after int
			pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&before)
			var buf bytes.Buffer
			_, err := exports.Run(ctx, pool, tc.user, tc.user.Actor(), tc.export, tc.params, &buf)
			pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&after)
			var outside *places.OutOfScope
			if !errors.As(err, &outside) || outside.Message != tc.reason || !errors.Is(err, check.ErrForbidden) {
				t.Errorf("err = %v, want %q", err, tc.reason)
			}
			if buf.Len() != 0 || after != before {
				t.Errorf("%d bytes written, %d audit rows", buf.Len(), after-before)
			}
		})
	}
}

func paramsText(p exports.Params) string {
	var parts []string
	for k, v := range p {
		parts = append(parts, k+"="+v)
	}
	if len(parts) == 0 {
		return "default"
	}
	return strings.Join(parts, "&")
}

// addPastElection adds an election whose one round was a Sunday about a
// month ago: closed, it is never the default.
func addPastElection(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	past := time.Now().AddDate(0, 0, -30)
	past = past.AddDate(0, 0, -int(past.Weekday()))
	if _, err := elections.Create(context.Background(), pool, elections.Input{Name: "Élection passée", Slug: "passee",
		Rounds: []elections.RoundInput{{Number: 1, Date: past.Format(time.DateOnly)}}}); err != nil {
		t.Fatal(err)
	}
}

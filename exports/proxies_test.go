package exports_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

func TestProxiesWorkbookRespectsScopeAndIsAudited(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), "", proxies.LoadDemo); err != nil {
		t.Fatal(err)
	}
	// A name that a spreadsheet would run as a formula.
	desk := proxies.NewDesk(pool, "http://test", nil)
	desk.InstantOff = true
	if _, err := desk.SubmitRequest(ctx, proxies.RequestInput(proxies.Person{Election: demo.ElectionSlug,
		FirstName: "=HYPERLINK(\"http://x\")", LastName: "Test", Email: "formula@example.org", Phone: "0612345678",
		CommuneCode: "04112", BureauCode: "2", Rounds: []int{1}, Consent: true})); err != nil {
		t.Fatal(err)
	}
	org := &staff.User{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}}

	tests := []struct {
		name    string
		user    *staff.User
		params  exports.Params
		err     error
		reqRows int // data rows of "Demandes"
		volRows int
	}{
		{"organizer 04", org, exports.Params{"election": demo.ElectionSlug}, nil, 7, 3},
		{"admin, national", &staff.User{Email: "a@example.org", Role: staff.Admin}, exports.Params{}, nil, 9, 5},
		{"organizer 04, one commune", org, exports.Params{"commune": "04112"}, nil, 3, 1},
		{"organizer 04 asking for Paris", org, exports.Params{"departement": "75"}, check.ErrForbidden, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			res, err := exports.Run(ctx, pool, tc.user, tc.user.Actor(), "proxies", tc.params, &buf)
			n := res.Rows
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("want %v, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			f, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			prefixes := quotePrefixes(t, data)
			reqs, _ := f.GetRows("Demandes")
			vols, _ := f.GetRows("Volontaires")
			if len(reqs)-1 != tc.reqRows || len(vols)-1 != tc.volRows || n != tc.reqRows+tc.volRows {
				t.Fatalf("%d request rows, %d volunteer rows, %d counted", len(reqs)-1, len(vols)-1, n)
			}
			if reqs[0][0] != "N° demande" || vols[0][5] != "Code commune" {
				t.Fatalf("headers %v / %v", reqs[0], vols[0])
			}
			for i, r := range reqs[1:] {
				if tc.user.Role != staff.Admin && !strings.HasPrefix(r[8], "04") {
					t.Fatalf("row outside scope: %v", r)
				}
				if strings.HasPrefix(r[4], "=") {
					// the text as it is, quote-prefixed: never a formula
					wantInertText(t, f, prefixes, "Demandes", "E"+strconv.Itoa(i+2), r[4])
				}
				// Phones as dialled, no "+" to quote-prefix.
				if r[4] == "=HYPERLINK(\"http://x\")" && r[7] != "06 12 34 56 78" {
					t.Fatalf("phone %q", r[7])
				}
			}
			// Volunteers' NNE and birth dates go to the mandant of an
			// accepted offer only, never into a workbook.
			found := false
			for _, v := range vols[1:] {
				if v[2] == "Robert" && v[5] == "04112" {
					found = true
				}
				if slices.Contains(v, "34567891") || slices.Contains(v, "21/06/1978") || slices.Contains(v, "1978-06-21") {
					t.Fatalf("a volunteer's NNE or birth date in the workbook: %v", v)
				}
			}
			if tc.params["commune"] == "04112" && !found {
				t.Fatalf("Inès Robert's row: %v", vols)
			}
			// The round's date and when the request came are dates, which
			// sort and filter as such; a request with no pending offer has
			// no expiry.
			pending := 0
			for i, r := range reqs[1:] {
				wantDateCell(t, f, "Demandes", 3, i+2, "02/01/2006", "dd/mm/yyyy", "")
				wantDateCell(t, f, "Demandes", 12, i+2, "02/01/2006 15:04", "dd/mm/yyyy hh:mm", "")
				if len(r) > 12 && r[12] == "en attente" {
					pending++
					wantDateCell(t, f, "Demandes", 14, i+2, "02/01/2006 15:04", "dd/mm/yyyy hh:mm", "")
				} else if len(r) > 13 && r[13] != "" {
					t.Errorf("request %s: expires %q without a pending offer", r[0], r[13])
				}
			}
			if pending == 0 {
				t.Error("no pending offer to show an expiry")
			}
		})
	}
	// A malformed département is refused, not answered with an empty
	// workbook (and not audited).
	if _, err := exports.Run(ctx, pool, org, org.Actor(), "proxies", exports.Params{"departement": "04 OR 1=1"}, &bytes.Buffer{}); err == nil {
		t.Fatal("malformed département accepted")
	} else if inv, ok := check.AsInvalid(err); !ok || inv.Fields["departement"] == "" {
		t.Fatalf("malformed département: %v", err)
	}
	entries, err := staff.AuditLog(ctx, pool, staff.AuditFilter{Action: "export.proxies"})
	if err != nil || len(entries) != 3 {
		t.Fatalf("%d audited exports, %v", len(entries), err)
	}
	if entries[len(entries)-1].Actor != org.Actor() {
		t.Fatalf("audit actor %q", entries[len(entries)-1].Actor)
	}
}

// wantDateCell checks that cell (col, row) of sheet is a real date: a number
// with the date format format, shown as text in layout (Go's), want if
// given, whose serial number is the day (and time) shown.
func wantDateCell(t *testing.T, f *excelize.File, sheet string, col, row int, layout, format, want string) {
	t.Helper()
	cell, _ := excelize.CoordinatesToCellName(col, row)
	shown, _ := f.GetCellValue(sheet, cell)
	raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	typ, _ := f.GetCellType(sheet, cell)
	id, _ := f.GetCellStyle(sheet, cell)
	st, err := f.GetStyle(id)
	if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != format {
		t.Errorf("%s!%s: style %d %+v (%v), want number format %q", sheet, cell, id, st, err, format)
	}
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("%s!%s: cell type %v, want a number", sheet, cell, typ)
	}
	if want != "" && shown != want {
		t.Errorf("%s!%s shows %q, want %q", sheet, cell, shown, want)
	}
	when, err := time.Parse(layout, shown)
	if err != nil {
		t.Errorf("%s!%s shows %q, not a date: %v", sheet, cell, shown, err)
		return
	}
	serial, err := strconv.ParseFloat(raw, 64)
	// days since 30/12/1899 (Excel's 1900 system from March 1900 on)
	if days := when.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24; err != nil || math.Abs(serial-days) > 1e-6 {
		t.Errorf("%s!%s: value %q, want %v (%s)", sheet, cell, raw, days, shown)
	}
}

// A volunteer in the scope paired with a mandant outside it: the workbook
// says where the request is, not who made it (as the staff pages do).
func TestProxiesWorkbookHidesMandantsOutsideScope(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), ""); err != nil {
		t.Fatal(err)
	}
	desk := proxies.NewDesk(pool, "http://test", nil)
	desk.InstantOff = true
	person := func(first, email, commune, bureau string) proxies.Person {
		return proxies.Person{Election: demo.ElectionSlug, FirstName: first, LastName: "Lointain", Email: email,
			Phone: "0612345678", CommuneCode: commune, BureauCode: bureau, Rounds: []int{1}, Consent: true}
	}
	req, err := desk.SubmitRequest(ctx, proxies.RequestInput(person("Nadia", "nadia@example.org", "04112", "2")))
	if err != nil {
		t.Fatal(err)
	}
	vp := person("Victor", "victor@example.org", "75104", "13")
	vp.Phone = "0698765432"
	vol, err := desk.SubmitVolunteer(ctx, proxies.NewVolunteerInput(vp, "1980-04-02", "55555555", 5))
	if err != nil {
		t.Fatal(err)
	}
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	if err := desk.ManualMatch(ctx, admin, req.ID, 1, vol.ID); err != nil {
		t.Fatal(err)
	}
	round1 := func(u *staff.User) string {
		var buf bytes.Buffer
		if _, err := exports.Run(ctx, pool, u, u.Actor(), "proxies", exports.Params{"election": demo.ElectionSlug}, &buf); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		vols, _ := f.GetRows("Volontaires")
		for _, v := range vols[1:] {
			if v[0] == strconv.FormatInt(vol.ID, 10) {
				return v[11]
			}
		}
		t.Fatalf("%s: no row for volunteer %d", u.Email, vol.ID)
		return ""
	}
	id := strconv.FormatInt(req.ID, 10)
	if got := round1(admin); got != "n° "+id+" – Nadia Lointain (proposée)" {
		t.Fatalf("admin reads %q", got)
	}
	org75 := &staff.User{Email: "org75@example.org", Role: staff.Organizer, Scope: []string{"75"}}
	if got := round1(org75); got != "n° "+id+" – Manosque, hors périmètre (proposée)" {
		t.Fatalf("organizer of Paris reads %q", got)
	}
}

// The audit row of a proxies workbook names the election it holds, also
// when the caller left the choice to the default (the only open one), and
// the place as it was read: the row says what was exported, whatever was
// typed. Read back from the audit log itself.
func TestProxiesExportAuditsTheElectionExported(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), "", proxies.LoadDemo); err != nil {
		t.Fatal(err)
	}
	addPastElection(t, pool) // the default is the only open one, not "any"
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	org := &staff.User{Email: "org04@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	for _, tc := range []struct {
		name     string
		user     *staff.User
		params   exports.Params
		election string // details->>'election'
		place    map[string]string
		file     string
	}{
		{"no election: the only open one", admin, exports.Params{}, demo.ElectionSlug, nil, "procurations-" + demo.ElectionSlug + ".xlsx"},
		{"no place: the reader's scope", org, exports.Params{}, demo.ElectionSlug, nil, "procurations-" + demo.ElectionSlug + "-04.xlsx"},
		{"no election, a département typed short", org, exports.Params{"departement": "4"}, demo.ElectionSlug,
			map[string]string{"departement": "04"}, "procurations-" + demo.ElectionSlug + "-04.xlsx"},
		{"the election named, as typed", org, exports.Params{"election": " " + strings.ToUpper(demo.ElectionSlug) + " ", "commune": "4112"}, demo.ElectionSlug,
			map[string]string{"commune": "04112"}, "procurations-" + demo.ElectionSlug + "-04112.xlsx"},
		{"a closed election named", admin, exports.Params{"election": "passee"}, "passee", nil, "procurations-passee.xlsx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := exports.Run(ctx, pool, tc.user, tc.user.Actor(), "proxies", tc.params, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			rows := res.Rows
			var actor, file string
			var details map[string]any
			if err := pool.QueryRow(ctx, `SELECT actor, entity_id, details FROM audit_log WHERE action = 'export.proxies' ORDER BY id DESC LIMIT 1`).
				Scan(&actor, &file, &details); err != nil {
				t.Fatal(err)
			}
			if details["election"] != tc.election || actor != tc.user.Actor() || file != tc.file || details["rows"] != float64(rows) {
				t.Fatalf("audit row: %s %s %v, want election %q, file %q, %d rows", actor, file, details, tc.election, tc.file, rows)
			}
			for k, v := range tc.place {
				if details[k] != v {
					t.Errorf("audit row: %s %v, want %q", k, details[k], v)
				}
			}
		})
	}
	// Refused, nothing exported: no row, whatever the default.
	var before, after int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'export.proxies'`).Scan(&before)
	if _, err := exports.Run(ctx, pool, org, org.Actor(), "proxies", exports.Params{"departement": "75"}, &bytes.Buffer{}); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("Paris for the 04 organizer: %v", err)
	}
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'export.proxies'`).Scan(&after)
	if after != before {
		t.Fatalf("a refused export was audited: %d rows, then %d", before, after)
	}
}

// round=N, as the proxy lists filter by it: the requests of that round
// and the volunteers available for it only; the file name says
// « tour1 » and the audit row records the round. A round that is not
// one (of the election's) is refused in the lists' words, and nothing is
// audited.
func TestProxiesWorkbookOfOneRound(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), "", proxies.LoadDemo); err != nil {
		t.Fatal(err)
	}
	addPastElection(t, pool) // one round only
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	sheets := func(p exports.Params) (reqs, vols [][]string, res exports.Result) {
		t.Helper()
		var buf bytes.Buffer
		res, err := exports.Run(ctx, pool, admin, admin.Actor(), "proxies", p, &buf)
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		reqs, _ = f.GetRows("Demandes")
		vols, _ = f.GetRows("Volontaires")
		return reqs[1:], vols[1:], res
	}
	allReqs, allVols, _ := sheets(exports.Params{})
	for _, round := range []string{"1", "2"} {
		reqs, vols, res := sheets(exports.Params{"round": round})
		var wantReqs, wantVols [][]string
		for _, r := range allReqs {
			if r[1] == round {
				wantReqs = append(wantReqs, r)
			}
		}
		for _, v := range allVols {
			if slices.Contains(strings.Split(v[9], " et "), round) {
				wantVols = append(wantVols, v)
			}
		}
		if len(wantReqs) == 0 || len(wantReqs) == len(allReqs) || len(wantVols) == 0 {
			t.Fatalf("round %s: the demo no longer tests much: %d of %d requests, %d volunteers", round, len(wantReqs), len(allReqs), len(wantVols))
		}
		if !slices.EqualFunc(reqs, wantReqs, slices.Equal) || !slices.EqualFunc(vols, wantVols, slices.Equal) || res.Rows != len(wantReqs)+len(wantVols) {
			t.Errorf("round %s: %d requests, %d volunteers (%d rows), want %d and %d", round, len(reqs), len(vols), res.Rows, len(wantReqs), len(wantVols))
		}
		var file string
		var details map[string]any
		if err := pool.QueryRow(ctx, `SELECT entity_id, details FROM audit_log WHERE action = 'export.proxies' ORDER BY id DESC LIMIT 1`).Scan(&file, &details); err != nil {
			t.Fatal(err)
		}
		if want := "procurations-" + demo.ElectionSlug + "-tour" + round + ".xlsx"; res.Filename != want || file != want || details["round"] != round {
			t.Errorf("round %s: file %q, audited %q %v, want %s and round %s", round, res.Filename, file, details, want, round)
		}
	}

	var before, after int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'export.proxies'`).Scan(&before)
	for _, tc := range []struct {
		p    exports.Params
		want string
	}{
		{exports.Params{"round": "3"}, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{exports.Params{"round": "x"}, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{exports.Params{"round": "0"}, "Tour inconnu : choisissez le 1er ou le 2d tour."},
		{exports.Params{"round": "2", "election": "passee"}, "L'élection « Élection passée » n'a pas de 2d tour."},
	} {
		_, err := exports.Run(ctx, pool, admin, admin.Actor(), "proxies", tc.p, &bytes.Buffer{})
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields["round"] != tc.want {
			t.Errorf("%v: %v, want %q", tc.p, err, tc.want)
		}
	}
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'export.proxies'`).Scan(&after)
	if after != before {
		t.Errorf("refused exports audited: %d rows, then %d", before, after)
	}
}

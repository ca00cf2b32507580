package exports_test

import (
	"bytes"
	"context"
	"errors"
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
	if err := demo.Load(ctx, pool, time.Now(), proxies.LoadDemo); err != nil {
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
			n, err := exports.Run(ctx, pool, tc.user, tc.user.Actor(), "proxies", tc.params, &buf)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("want %v, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			reqs, _ := f.GetRows("Demandes")
			vols, _ := f.GetRows("Volontaires")
			if len(reqs)-1 != tc.reqRows || len(vols)-1 != tc.volRows || n != tc.reqRows+tc.volRows {
				t.Fatalf("%d request rows, %d volunteer rows, %d counted", len(reqs)-1, len(vols)-1, n)
			}
			if reqs[0][0] != "N° demande" || vols[0][6] != "N° national d'électeur" {
				t.Fatalf("headers %v / %v", reqs[0], vols[0])
			}
			for _, r := range reqs[1:] {
				if tc.user.Role != staff.Admin && !strings.HasPrefix(r[8], "04") {
					t.Fatalf("row outside scope: %v", r)
				}
				if strings.HasPrefix(r[4], "=") {
					t.Fatalf("formula left as is: %q", r[4])
				}
				// Phones as dialled, no "+" to neutralise (nor its quote).
				if r[4] == "'=HYPERLINK(\"http://x\")" && r[7] != "06 12 34 56 78" {
					t.Fatalf("phone %q", r[7])
				}
			}
			// Volunteers' NNE are text, as typed.
			found := false
			for _, v := range vols[1:] {
				if v[2] == "Robert" && v[6] == "34567891" && v[5] == "21/06/1978" {
					found = true
				}
			}
			if tc.params["commune"] == "04112" && !found {
				t.Fatalf("Inès Robert's row: %v", vols)
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

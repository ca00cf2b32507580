package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"scrutin/database/dbtest"
)

// Without -o, `scrutin export` names its file as the audit row does, after
// what was exported: the election when none was given (the only open one),
// the place as read; with explicit parameters, as before. A place outside
// the scope of the account of --as is refused with its reason, and no file
// is left.
func TestExportDefaultNameFollowsWhatWasExported(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "", "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"staff", "add", "--email", "org04@example.org", "--role", "organizer", "--scope", "04"},
		{"staff", "add", "--email", "viewer04209@example.org", "--role", "viewer", "--scope", "04209"},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr)
		}
	}
	pool := connect(t, url)
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		args     []string
		file     string
		action   string
		election string // the audit row's
	}{
		{[]string{"delegates"}, "assesseurs-delegues-demo-2027.xlsx", "export.delegates", "demo-2027"},
		{[]string{"delegates", "departement=4", "round=1"}, "assesseurs-delegues-demo-2027-04-tour1.xlsx", "export.delegates", "demo-2027"},
		{[]string{"--as", "org04@example.org", "designations", "commune=4070"}, "designation-demo-2027-04070.pdf", "export.designations", "demo-2027"},
		{[]string{"material-shipper"}, "materiel-transporteur-demo-2027.xlsx", "export.material-shipper", "demo-2027"},
		{[]string{"proxies", "election=DEMO-2027", "commune=04112"}, "procurations-demo-2027-04112.xlsx", "export.proxies", "demo-2027"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append([]string{"export"}, tc.args...)...)
			if code != 0 || stdout != "" || !strings.Contains(stderr, "rows written to "+tc.file+"\n") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %s", code, stdout, stderr, tc.file)
			}
			var entity string
			var details map[string]any
			if err := pool.QueryRow(context.Background(), `SELECT entity_id, details FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`,
				tc.action).Scan(&entity, &details); err != nil {
				t.Fatal(err)
			}
			if entity != tc.file || details["election"] != tc.election {
				t.Errorf("audit row %s %v, want %s for %s", entity, details, tc.file, tc.election)
			}
			if strings.HasSuffix(tc.file, ".xlsx") {
				x, err := excelize.OpenFile(tc.file)
				if err != nil {
					t.Fatal(err)
				}
				defer x.Close()
				if len(x.GetSheetList()) == 0 {
					t.Error("a workbook without sheets")
				}
			} else if b, err := os.ReadFile(tc.file); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
				t.Errorf("not a PDF: %v %.20q", err, b)
			}
		})
	}
	written, _ := os.ReadDir(".")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--as", "org04@example.org", "delegates", "commune=75104"},
			"La commune 75104 est hors de votre périmètre (compte org04@example.org, périmètre : 04)."},
		{[]string{"--as", "org04@example.org", "material-labels", "departement=75"},
			"Le département 75 est hors de votre périmètre (compte org04@example.org, périmètre : 04)."},
		{[]string{"--as", "viewer04209@example.org", "prefecture", "departement=04"},
			"Le département 04 n'est pas entièrement dans votre périmètre (compte viewer04209@example.org, périmètre : 04209)."},
		{[]string{"--as", "viewer04209@example.org", "proxies", "commune=04070"},
			"La commune 04070 est hors de votre périmètre (compte viewer04209@example.org, périmètre : 04209)."},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", append([]string{"export"}, tc.args...)...)
			if code != 1 || stdout != "" || stderr != "scrutin export: "+tc.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, tc.want)
			}
		})
	}
	if after, _ := os.ReadDir("."); len(after) != len(written) { // temporary files too
		t.Errorf("refused exports left files: %v, then %v", written, after)
	}
}

// To standard output too, no document leaves without its audit row: the
// workbook is printed once its row is written, and not at all when the
// row cannot be.
func TestExportToStdoutAuditedFirst(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "", "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	pool := connect(t, url)
	ctx := context.Background()
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t, "", "export", "proxies", "departement=04", "-o", "-")
	if code != 0 || !strings.HasPrefix(stdout, "PK") {
		t.Fatalf("export -o -: exit %d, stdout %.20q\n%s", code, stdout, stderr)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'export.proxies'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit rows after export -o -: %d, %v", n, err)
	}
	dbtest.RefuseAudit(t, pool, "export.%")
	code, stdout, stderr = runCLI(t, "", "export", "proxies", "departement=04", "-o", "-")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "audit refused") {
		t.Errorf("export -o - without its audit row: exit %d, stdout %.20q\n%s", code, stdout, stderr)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}

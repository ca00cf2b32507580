package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database"
	"scrutin/database/dbtest"
	"scrutin/logistics/places"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// runCLI runs scrutin in-process as a user would from a shell.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelp(t *testing.T) {
	// Help must not touch any database, least of all start an embedded one.
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range []string{"serve", "migrate", "import", "staff", "demo"} {
		if commands[name] == nil {
			t.Errorf("command %q is not registered", name)
		}
	}
	for _, name := range names {
		for _, flag := range []string{"--help", "-h"} {
			code, stdout, stderr := runCLI(t, "", name, flag)
			if code != 0 || strings.Count(stdout+stderr, "Usage: scrutin "+name) != 1 {
				t.Errorf("scrutin %s %s: exit %d, output:\n%s%s", name, flag, code, stdout, stderr)
			}
		}
	}
	code, stdout, _ := runCLI(t, "", "--help")
	if code != 0 {
		t.Fatalf("scrutin --help: exit %d", code)
	}
	for _, name := range names {
		if !strings.Contains(stdout, "  "+name+" ") {
			t.Errorf("scrutin --help does not list %s:\n%s", name, stdout)
		}
	}
	if code, _, stderr := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %s", code, stderr)
	}
}

// A wrong offer delay stops every command before it starts (help aside):
// offers must not silently keep the default.
func TestWrongOfferDelayIsRefused(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	t.Setenv("SCRUTIN_OFFER_EXPIRY_LATE", "6 heures")
	if code, _, stderr := runCLI(t, "", "match", "proxies", "--dry-run"); code != 2 || !strings.Contains(stderr, `SCRUTIN_OFFER_EXPIRY_LATE="6 heures"`) {
		t.Errorf("match with a wrong delay: exit %d, %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "match", "--help"); code != 0 {
		t.Errorf("help with a wrong delay: exit %d", code)
	}
	t.Setenv("SCRUTIN_OFFER_EXPIRY_LATE", "4h")
	if x, err := proxies.ExpiryFromEnv(); err != nil || x.Late != 4*time.Hour || x.Default != proxies.DefaultExpiry.Default {
		t.Errorf("SCRUTIN_OFFER_EXPIRY_LATE=4h: %+v, %v", x, err)
	}
}

// The common options may come before a benchmark's name, as the usage
// says: they are read, not taken for a missing name.
func TestBenchOptionsBeforeName(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	code, _, stderr := runCLI(t, "", "bench", "--data", t.TempDir(), "nosuch")
	if code != 1 || !strings.Contains(stderr, `unknown benchmark "nosuch"`) {
		t.Errorf("bench --data DIR nosuch: exit %d, %s", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "", "bench", "list"); code != 0 || !strings.Contains(stdout, "proxies ") {
		t.Errorf("bench list: exit %d, %s", code, stdout)
	}
	if code, _, _ := runCLI(t, "", "bench"); code != 2 {
		t.Errorf("bench without a name: exit %d, want 2", code)
	}
}

// staff's help lists every action's options, and an unknown action is a
// usage error found before any database is opened.
func TestStaffUsage(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if code, stdout, stderr := runCLI(t, "", "staff", "--help"); code != 0 || !strings.Contains(stdout+stderr, "-password-stdin") {
		t.Errorf("staff --help: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, "", "staff", "bogus", "--email", "a@example.org"); code != 2 || strings.Contains(stdout+stderr, "dial") {
		t.Errorf("staff bogus: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestStaffAddThenToken(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	code, stdout, stderr := runCLI(t, "correct-horse-battery\n",
		"staff", "add", "--email", "Org04@Example.org", "--role", "organizer", "--scope", "04,75104", "--password-stdin")
	if code != 0 || stdout != "staff org04@example.org (organizer) saved\n" {
		t.Fatalf("staff add: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "staff", "token", "--email", "org04@example.org")
	if code != 0 || !regexp.MustCompile(`^[A-Za-z0-9_-]{43}\n$`).MatchString(stdout) {
		t.Fatalf("staff token: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	tok := strings.TrimSuffix(stdout, "\n")

	pool := connect(t, url)
	ctx := context.Background()
	u, err := staff.ByAPIToken(ctx, pool, tok)
	if err != nil {
		t.Fatalf("the printed token does not authenticate: %v", err)
	}
	if u.Email != "org04@example.org" || u.Role != staff.Organizer || strings.Join(u.Scope, ",") != "04,75104" {
		t.Fatalf("token user %+v", u)
	}
	if _, err := staff.Authenticate(ctx, pool, "org04@example.org", "correct-horse-battery"); err != nil {
		t.Fatalf("password from stdin: %v", err)
	}

	// Added again without --name nor a password: both are kept. An empty
	// first line is no password.
	pool.Exec(ctx, `UPDATE staff_users SET name = 'Organisatrice 04' WHERE email = 'org04@example.org'`)
	if code, _, stderr := runCLI(t, "", "staff", "add", "--email", "org04@example.org", "--role", "organizer", "--scope", "04"); code != 0 {
		t.Fatalf("staff add again: exit %d\n%s", code, stderr)
	}
	if u, err := staff.Authenticate(ctx, pool, "org04@example.org", "correct-horse-battery"); err != nil || u.Name != "Organisatrice 04" {
		t.Fatalf("after adding again: %+v, %v", u, err)
	}
	if code, _, stderr := runCLI(t, "", "staff", "add", "--email", "api@example.org", "--role", "viewer", "--scope", "04"); code != 0 || !strings.Contains(stderr, "no password") {
		t.Fatalf("an account without a password is not said to be one: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "\n", "staff", "add", "--email", "empty@example.org", "--role", "admin", "--password-stdin"); code != 1 || !strings.Contains(stderr, "empty") {
		t.Fatalf("empty password: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "staff", "add", "--email", "not-an-email", "--role", "chef")
	if code != 1 || !strings.Contains(stderr, "Adresse e-mail invalide") || !strings.Contains(stderr, "Rôle inconnu") {
		t.Fatalf("bad staff add: exit %d, %s", code, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "staff", "token", "--email", "nobody@example.org")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "no staff account") {
		t.Fatalf("token for an unknown account: exit %d, %q %q", code, stdout, stderr)
	}
}

// A leaked token or a departure: revoke ends the account's tokens and
// logins at once, remove deletes the account; both are in the journal.
func TestStaffRevokeThenRemove(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if code, _, stderr := runCLI(t, "correct-horse-battery\n", "staff", "add", "--email", "org04@example.org", "--role", "organizer", "--scope", "04", "--password-stdin"); code != 0 {
		t.Fatalf("staff add: exit %d\n%s", code, stderr)
	}
	var tokens []string
	for range 2 {
		_, stdout, _ := runCLI(t, "", "staff", "token", "--email", "org04@example.org")
		tokens = append(tokens, strings.TrimSpace(stdout))
	}
	pool := connect(t, url)
	ctx := context.Background()
	u, err := staff.Authenticate(ctx, pool, "org04@example.org", "correct-horse-battery")
	if err != nil {
		t.Fatal(err)
	}
	session, err := staff.NewSession(ctx, pool, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "staff", "revoke", "--email", "Org04@example.org")
	if code != 0 || stdout != "staff org04@example.org: 2 API tokens and 1 login ended\n" {
		t.Fatalf("revoke: exit %d, %q %q", code, stdout, stderr)
	}
	for _, tok := range tokens {
		if _, err := staff.ByAPIToken(ctx, pool, tok); err == nil {
			t.Fatal("a revoked token still authenticates")
		}
	}
	if _, err := staff.BySession(ctx, pool, session); err == nil {
		t.Fatal("a revoked login still works")
	}
	// The password still works: revoking is not removing.
	if _, err := staff.Authenticate(ctx, pool, "org04@example.org", "correct-horse-battery"); err != nil {
		t.Fatalf("password after revoke: %v", err)
	}
	_, stdout, _ = runCLI(t, "", "staff", "token", "--email", "org04@example.org")
	tok := strings.TrimSpace(stdout)
	if code, stdout, stderr := runCLI(t, "", "staff", "remove", "--email", "org04@example.org"); code != 0 || stdout != "staff org04@example.org removed\n" {
		t.Fatalf("remove: exit %d, %q %q", code, stdout, stderr)
	}
	if _, err := staff.ByAPIToken(ctx, pool, tok); err == nil {
		t.Fatal("the token of a removed account still authenticates")
	}
	if _, err := staff.Authenticate(ctx, pool, "org04@example.org", "correct-horse-battery"); err == nil {
		t.Fatal("a removed account still logs in")
	}
	for _, action := range []string{"revoke", "remove"} {
		if code, _, stderr := runCLI(t, "", "staff", action, "--email", "org04@example.org"); code != 1 || !strings.Contains(stderr, "no staff account") {
			t.Fatalf("%s of an unknown account: exit %d, %s", action, code, stderr)
		}
	}
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('staff.revoke', 'staff.remove') AND entity_id = 'org04@example.org'`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d journal rows for revoke and remove", n)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Setenv("DATABASE_URL", dbtest.NewURL(t))
	re := regexp.MustCompile(`^schema version (\d+) -> (\d+)\n$`)
	for i := 0; i < 2; i++ {
		code, stdout, stderr := runCLI(t, "", "migrate")
		m := re.FindStringSubmatch(stdout)
		if code != 0 || m == nil || m[1] != m[2] || m[1] == "0" {
			t.Fatalf("migrate #%d: exit %d, %q %q", i+1, code, stdout, stderr)
		}
	}
}

func TestImportCommand(t *testing.T) {
	url := dbtest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	dir := t.TempDir()
	communes := filepath.Join(dir, "communes.csv")
	if err := os.WriteFile(communes, []byte("Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\r\n"+
		"4070;DIGNE LES BAINS;4000;DIGNE LES BAINS;;44.0908723554,6.23590323452\r\n"+
		"XYZ;NULLE PART;00000;NULLE PART;;\r\n"+
		"04049;CHATEAU ARNOUX ST AUBAN;04160;CHATEAU ARNOUX ST AUBAN;;44.0854706133,5.99239535024\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bureaux := "code_commune,code,libelle_reu\n04070,0001,MAIRIE\n04070,2,ECOLE\n04999,1,NULLE PART\n"
	tests := []struct {
		name           string
		stdin          string
		args           []string
		code           int
		stdout, stderr string // stdout exactly; stderr contains
	}{
		{"communes", "", []string{"import", "communes", communes}, 0,
			"communes: 2 inserted, 0 updated, 1 skipped\n", `line 3: code commune invalide : "XYZ"`},
		{"communes again, options last", "", []string{"import", "communes", communes, "--data", dir}, 0,
			"communes: 0 inserted, 2 updated, 1 skipped\n", "line 3:"},
		{"bureaux from stdin", bureaux, []string{"import", "bureaux", "-"}, 0,
			"bureaux: 2 inserted, 0 updated, 1 skipped\n", "line 4: commune 04999 inconnue"},
		{"wrong file", bureaux, []string{"import", "communes", "-"}, 1,
			"", "n'est pas la base des codes postaux de La Poste"},
		{"missing file", "", []string{"import", "bureaux", filepath.Join(dir, "none.csv")}, 1, "", "no such file"},
		{"unknown kind", "", []string{"import", "electeurs", communes}, 2, "", "Usage: scrutin import"},
		{"no file", "", []string{"import", "communes"}, 2, "", "Usage: scrutin import"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.stdin, tt.args...)
			if code != tt.code || stdout != tt.stdout || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
			}
			if strings.Contains(stderr, "\r") {
				t.Fatalf("progress bar drawn on a non-terminal: %q", stderr)
			}
		})
	}
	pool := connect(t, url)
	c, err := places.GetCommune(context.Background(), pool, "04070")
	if err != nil || c.Name != "Digne-les-Bains" {
		t.Fatalf("04070 after import: %+v %v", c, err)
	}
	bs, err := places.BureauxOf(context.Background(), pool, "04070")
	if err != nil || len(bs) != 2 {
		t.Fatalf("bureaux of 04070: %+v %v", bs, err)
	}
	var actor string
	pool.QueryRow(context.Background(), `SELECT actor FROM audit_log WHERE action = 'import.bureaux'`).Scan(&actor)
	if actor != staff.ActorCLI {
		t.Fatalf("import audited as %q", actor)
	}
}

func connect(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := database.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Options may follow the words (as the README writes them), a stray word is
// refused rather than leaving the options after it unread, and a refused
// export leaves a file of the same name as it was.
func TestExportAndRunArguments(t *testing.T) {
	t.Setenv("DATABASE_URL", dbtest.NewURL(t))
	if code, _, stderr := runCLI(t, "", "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "procurations.xlsx")
	if code, _, stderr := runCLI(t, "", "export", "proxies", "departement=04", "-o", out); code != 0 {
		t.Fatalf("export with -o last: exit %d\n%s", code, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.HasPrefix(b, []byte("PK")) {
		t.Fatalf("workbook: %v, %.20q", err, b)
	}
	keep := filepath.Join(dir, "keep.xlsx")
	os.WriteFile(keep, []byte("precious"), 0o644)
	code, _, stderr := runCLI(t, "", "export", "proxies", "-o", keep, "bogus=1")
	if b, _ := os.ReadFile(keep); code != 1 || !strings.Contains(stderr, "Paramètre inconnu") || string(b) != "precious" {
		t.Fatalf("refused export: exit %d, file %q\n%s", code, b, stderr)
	}
	missing := filepath.Join(dir, "missing", "x.xlsx")
	if code, _, stderr := runCLI(t, "", "export", "proxies", "-o", missing); code != 1 || !strings.Contains(stderr, "cannot write "+missing+": no such file") {
		t.Errorf("export into a missing directory: exit %d\n%s", code, stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("files left: %v", entries)
	}
	// Without -o, the file is named as its audit row: with the election
	// exported, which the command did not name.
	t.Chdir(t.TempDir())
	if code, _, stderr := runCLI(t, "", "export", "proxies", "departement=4"); code != 0 || !strings.Contains(stderr, "rows written to procurations-demo-2027-04.xlsx") {
		t.Errorf("export without -o: exit %d\n%s", code, stderr)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 1 || entries[0].Name() != "procurations-demo-2027-04.xlsx" {
		t.Errorf("files written: %v", entries)
	}
	// The command after an option is read as serve's word too many: said so.
	if code, _, stderr := runCLI(t, "", "--data", t.TempDir(), "migrate"); code != 2 ||
		!strings.Contains(stderr, `scrutin: "migrate" is a command: write it first (scrutin migrate [options]).`) {
		t.Errorf("--data X migrate: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"match", "proxies", "typo", "--dry-run"},
		{"assign", "delegates", "typo", "--dry-run"},
		{"match", "proxies", "--dryrun"},
		{"assign", "delegates", "--round", "abc"},
		{"migrate", "typo"},
		{"demo", "typo"},
	} {
		if code, stdout, stderr := runCLI(t, "", args...); code != 2 || !strings.Contains(stderr, "Usage: scrutin "+args[0]) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q\n%s", args, code, stdout, stderr)
		}
	}
	// And --dry-run after the word is read.
	if code, stdout, stderr := runCLI(t, "", "match", "proxies", "--dry-run"); code != 0 || !strings.Contains(stdout, "would propose") {
		t.Errorf("match proxies --dry-run: exit %d, %q\n%s", code, stdout, stderr)
	}
	// A delegates run over one place says which; a place that is not one
	// is refused in French.
	if code, stdout, stderr := runCLI(t, "", "assign", "delegates", "--departement", "4", "--dry-run"); code != 0 || !strings.Contains(stdout, ", département 04, round 1:") {
		t.Errorf("assign delegates --departement 4: exit %d, %q\n%s", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, "", "assign", "delegates", "--commune", "ABCDE", "--dry-run"); code != 1 || !strings.Contains(stderr, "Code de commune invalide") {
		t.Errorf("assign delegates --commune ABCDE: exit %d\n%s", code, stderr)
	}
	// A place no commune or département has, or both disagreeing: refused.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--commune", "99999"}, "Commune inconnue : 99999."},
		{[]string{"--commune", "04999"}, "Commune inconnue : 04999."},
		{[]string{"--departement", "99"}, "Département inconnu : 99."},
		{[]string{"--commune", "04070", "--departement", "75"}, "Indiquez une commune ou un département, pas les deux."},
	} {
		args := append([]string{"assign", "delegates", "--dry-run"}, c.args...)
		if code, _, stderr := runCLI(t, "", args...); code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("assign delegates %v: exit %d\n%s", c.args, code, stderr)
		}
	}
	if code, stdout, stderr := runCLI(t, "", "assign", "delegates", "--commune", "04070", "--departement", "04", "--dry-run"); code != 0 ||
		!strings.Contains(stdout, ", commune 04070, round 1:") || strings.Contains(stdout, " 1 volunteers ") {
		t.Errorf("assign delegates --commune 04070 --departement 04: exit %d, %q\n%s", code, stdout, stderr)
	}
}

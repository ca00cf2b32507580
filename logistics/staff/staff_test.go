package staff_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/logistics/check"
	"scrutin/logistics/staff"
	"scrutin/logistics/token"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestAdd(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		in     staff.NewUser
		fields []string // refused fields, none when valid
		scope  []string // stored scope when valid
	}{
		{"organizer", staff.NewUser{Email: " Orga@Example.ORG ", Role: staff.Organizer, Scope: []string{"04", " 2a ", "75104", ""}, Password: "a-long-password"}, nil, []string{"04", "2A", "75104"}},
		{"admin is national", staff.NewUser{Email: "admin@example.org", Role: staff.Admin}, nil, []string{}},
		{"overseas département", staff.NewUser{Email: "dom@example.org", Role: staff.Viewer, Scope: []string{"971", "97411"}}, nil, []string{"971", "97411"}},
		{"bad e-mail", staff.NewUser{Email: "orga.example.org", Role: staff.Organizer, Scope: []string{"04"}}, []string{"email"}, nil},
		{"e-mail with two dots in a row", staff.NewUser{Email: "a..b@example.org", Role: staff.Organizer, Scope: []string{"04"}}, []string{"email"}, nil},
		{"unknown role", staff.NewUser{Email: "x@example.org", Role: "chef", Scope: []string{"04"}}, []string{"role"}, nil},
		{"organizer without scope", staff.NewUser{Email: "x@example.org", Role: staff.Organizer}, []string{"scope"}, nil},
		{"bad scope code", staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"04", "Paris"}}, []string{"scope"}, nil},
		{"département that does not exist", staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"99"}}, []string{"scope"}, nil},
		{"Corsica is 2A and 2B, not 20", staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"20004"}}, []string{"scope"}, nil},
		{"Corsican commune", staff.NewUser{Email: "corse@example.org", Role: staff.Viewer, Scope: []string{"2A004", "2b"}}, nil, []string{"2A004", "2B"}},
		{"overseas and Pacific", staff.NewUser{Email: "outremer@example.org", Role: staff.Viewer, Scope: []string{"977", "978", "97801", "98735", "98818", "98411"}}, nil, []string{"977", "978", "97801", "98735", "98818", "98411"}},
		{"no overseas 979", staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"979"}}, []string{"scope"}, nil},
		{"Pacific collectivities", staff.NewUser{Email: "pacifique@example.org", Role: staff.Viewer, Scope: []string{"987", "988", "986", "984"}}, nil, []string{"987", "988", "986", "984"}},
		{"no Mayotte's old 985", staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"985"}}, []string{"scope"}, nil},
		{"no Clipperton", staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"98901"}}, []string{"scope"}, nil},
		{"two-digit 97", staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"97"}}, []string{"scope"}, nil},
		{"admin with a scope", staff.NewUser{Email: "x@example.org", Role: staff.Admin, Scope: []string{"04"}}, []string{"scope"}, nil},
		{"short password", staff.NewUser{Email: "x@example.org", Role: staff.Admin, Password: "court"}, []string{"password"}, nil},
	}
	for _, tt := range tests {
		u, err := staff.Add(ctx, pool, tt.in)
		if tt.fields != nil {
			inv, ok := check.AsInvalid(err)
			if !ok {
				t.Errorf("%s: error %v, want invalid fields %v", tt.name, err, tt.fields)
				continue
			}
			for _, f := range tt.fields {
				if inv.Fields[f] == "" {
					t.Errorf("%s: no message for %s in %v", tt.name, f, inv.Fields)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got, err := staff.ByEmail(ctx, pool, strings.ToUpper(tt.in.Email))
		if err != nil || got.ID != u.ID || !reflect.DeepEqual(got.Scope, tt.scope) || got.Role != tt.in.Role {
			t.Errorf("%s: stored %+v, %v", tt.name, got, err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM staff_users WHERE email = 'x@example.org'`); n != 0 {
		t.Fatalf("refused accounts were stored")
	}

	// Adding the same e-mail again updates the account, and keeps its
	// password when none is given.
	u, err := staff.Add(ctx, pool, staff.NewUser{Email: "orga@example.org", Role: staff.Viewer, Scope: []string{"05"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := staff.Authenticate(ctx, pool, "orga@example.org", "a-long-password"); err != nil || got.ID != u.ID || got.Role != staff.Viewer || !reflect.DeepEqual(got.Scope, []string{"05"}) {
		t.Fatalf("after update: %+v %v", got, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM staff_users`); n != 6 {
		t.Fatalf("%d accounts, want 6", n)
	}
}

func TestAuthenticate(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if _, err := staff.Add(ctx, pool, staff.NewUser{Email: "orga@example.org", Role: staff.Organizer, Scope: []string{"04"}, Password: "a-long-password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := staff.Add(ctx, pool, staff.NewUser{Email: "robot@example.org", Role: staff.Admin}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		email, password string
		ok              bool
	}{
		{"orga@example.org", "a-long-password", true},
		{" ORGA@example.org ", "a-long-password", true},
		{"orga@example.org", "A-LONG-PASSWORD", false},
		{"orga@example.org", "", false},
		{"nobody@example.org", "a-long-password", false},
		{"robot@example.org", "", false}, // token-only account
	}
	for _, tt := range tests {
		u, err := staff.Authenticate(ctx, pool, tt.email, tt.password)
		if tt.ok && (err != nil || u.Email != "orga@example.org") {
			t.Errorf("%q/%q: %+v %v", tt.email, tt.password, u, err)
		}
		// Every failure looks the same: nothing tells which accounts exist.
		if !tt.ok && !errors.Is(err, staff.ErrBadCredentials) {
			t.Errorf("%q/%q: %v, want ErrBadCredentials", tt.email, tt.password, err)
		}
	}
	var hash string
	pool.QueryRow(ctx, `SELECT password_hash FROM staff_users WHERE email = 'orga@example.org'`).Scan(&hash)
	if !strings.HasPrefix(hash, "$2") || strings.Contains(hash, "a-long-password") {
		t.Fatalf("password stored as %q, want a bcrypt hash", hash)
	}
}

// A copy of the database must not give access: tokens and sessions are
// stored as hashes only.
func TestTokensAndSessionsStoredHashed(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	u, err := staff.Add(ctx, pool, staff.NewUser{Email: "orga@example.org", Role: staff.Organizer, Scope: []string{"04"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := staff.NewAPIToken(ctx, pool, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := staff.NewSession(ctx, pool, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{tok, sess} {
		if len(plain) < 40 {
			t.Fatalf("secret %q too short", plain)
		}
		n := count(t, pool, `
			SELECT count(*) FROM (SELECT token_hash FROM staff_tokens UNION ALL SELECT token_hash FROM staff_sessions) s
			WHERE position(convert_to($1, 'UTF8') IN token_hash) > 0 OR encode(token_hash, 'hex') LIKE '%' || $1 || '%'
				OR encode(token_hash, 'base64') LIKE '%' || $1 || '%'`, plain)
		if n != 0 {
			t.Fatalf("the plain secret is in the database")
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM staff_tokens WHERE token_hash = $1`, token.Hash(tok)); n != 1 {
		t.Fatalf("token hash stored %d times", n)
	}

	got, err := staff.ByAPIToken(ctx, pool, tok)
	if err != nil || got.ID != u.ID {
		t.Fatalf("ByAPIToken: %+v %v", got, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM staff_tokens WHERE last_used_at IS NOT NULL`); n != 1 {
		t.Fatal("token use not recorded")
	}
	// The stored value itself is not a token.
	var stored []byte
	pool.QueryRow(ctx, `SELECT token_hash FROM staff_tokens`).Scan(&stored)
	for _, bad := range []string{string(stored), "", tok + "x", strings.ToUpper(tok)} {
		if _, err := staff.ByAPIToken(ctx, pool, bad); !errors.Is(err, check.ErrNotFound) {
			t.Errorf("ByAPIToken(%q) = %v, want ErrNotFound", bad, err)
		}
	}
}

func TestSessions(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	u, err := staff.Add(ctx, pool, staff.NewUser{Email: "orga@example.org", Role: staff.Organizer, Scope: []string{"04"}})
	if err != nil {
		t.Fatal(err)
	}
	// Each login gets a new session value (no fixation).
	a, _ := staff.NewSession(ctx, pool, u.ID)
	b, _ := staff.NewSession(ctx, pool, u.ID)
	if a == b {
		t.Fatal("two logins got the same session")
	}
	if got, err := staff.BySession(ctx, pool, a); err != nil || got.Email != "orga@example.org" {
		t.Fatalf("BySession: %+v %v", got, err)
	}
	if err := staff.EndSession(ctx, pool, a); err != nil {
		t.Fatal(err)
	}
	if _, err := staff.BySession(ctx, pool, a); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("ended session still valid: %v", err)
	}
	if _, err := staff.BySession(ctx, pool, b); err != nil {
		t.Fatalf("logging out one session ended another: %v", err)
	}
	pool.Exec(ctx, `UPDATE staff_sessions SET expires_at = now() - interval '1 minute'`)
	if _, err := staff.BySession(ctx, pool, b); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("expired session still valid: %v", err)
	}
}

// Covers (Go) and in_scope (SQL, used by every query of personal data)
// must agree, for every kind of scope and commune.
func TestScopeMatchesSQL(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	users := map[string]*staff.User{
		"admin":           {Role: staff.Admin},
		"organizer 04":    {Role: staff.Organizer, Scope: []string{"04"}},
		"organizer 04070": {Role: staff.Organizer, Scope: []string{"04070"}},
		"viewer 75104":    {Role: staff.Viewer, Scope: []string{"75104"}},
		"organizer 971":   {Role: staff.Organizer, Scope: []string{"971"}},
		"viewer 97 + 2A":  {Role: staff.Viewer, Scope: []string{"97", "2A"}},
		"no scope":        {Role: staff.Organizer},
	}
	communes := []string{"04070", "04049", "05061", "75104", "75105", "97101", "97105", "97411", "2A004", "2B033"}
	want := map[string]string{ // communes covered
		"admin":           "04070 04049 05061 75104 75105 97101 97105 97411 2A004 2B033",
		"organizer 04":    "04070 04049",
		"organizer 04070": "04070",
		"viewer 75104":    "75104",
		"organizer 971":   "97101 97105",
		"viewer 97 + 2A":  "2A004", // "97" is not a département: overseas ones have 3 digits
		"no scope":        "",
	}
	for name, u := range users {
		var covered []string
		for _, code := range communes {
			var inSQL bool
			if err := pool.QueryRow(ctx, `SELECT in_scope($1, $2)`, code, u.ScopeArg()).Scan(&inSQL); err != nil {
				t.Fatal(err)
			}
			if inSQL != u.Covers(code) {
				t.Errorf("%s, %s: Covers %v but in_scope %v", name, code, u.Covers(code), inSQL)
			}
			if inSQL {
				covered = append(covered, code)
			}
		}
		if got := strings.Join(covered, " "); got != want[name] {
			t.Errorf("%s covers %q, want %q", name, got, want[name])
		}
	}
	for _, tt := range []struct {
		role           staff.Role
		admin, canAct  bool
		departement04  bool
		scope          []string
		wantScopeIsNil bool
	}{
		{staff.Admin, true, true, true, nil, true},
		{staff.Organizer, false, true, true, []string{"04"}, false},
		{staff.Viewer, false, false, false, []string{"04070"}, false},
	} {
		u := &staff.User{Role: tt.role, Scope: tt.scope}
		if u.IsAdmin() != tt.admin || u.CanAct() != tt.canAct || u.CoversDepartement("04") != tt.departement04 || (u.ScopeArg() == nil) != tt.wantScopeIsNil {
			t.Errorf("%s %v: admin %v, act %v, covers 04 %v, scope arg %v", tt.role, tt.scope, u.IsAdmin(), u.CanAct(), u.CoversDepartement("04"), u.ScopeArg())
		}
	}
	var nobody *staff.User
	if nobody.IsAdmin() || nobody.CanAct() {
		t.Fatal("a nil user may act")
	}
}

func TestAudit(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	if err := staff.Audit(ctx, pool, "staff:a@example.org", "proxy_request.create", "proxy_request", "12", map[string]any{"commune": "04070"}); err != nil {
		t.Fatal(err)
	}
	if err := staff.Audit(ctx, pool, staff.ActorCLI, "export.proxies", "", "", nil); err != nil {
		t.Fatal(err)
	}
	all, err := staff.AuditLog(ctx, pool, staff.AuditFilter{})
	if err != nil || len(all) != 2 || all[0].Action != "export.proxies" {
		t.Fatalf("newest first: %+v %v", all, err)
	}
	one, err := staff.AuditLog(ctx, pool, staff.AuditFilter{Entity: "proxy_request", EntityID: "12", Action: "proxy_request."})
	if err != nil || len(one) != 1 || one[0].Actor != "staff:a@example.org" || one[0].Details["commune"] != "04070" {
		t.Fatalf("filtered: %+v %v", one, err)
	}
}

func TestAuditPages(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		if err := staff.Audit(ctx, pool, staff.ActorCLI, "test.page", "thing", fmt.Sprint(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := staff.Audit(ctx, pool, staff.ActorCLI, "other", "thing", "x", nil); err != nil {
		t.Fatal(err)
	}
	// Pages of 2 with the filter: 5 4, 3 2, 1; the cursor keeps the filter's rows only.
	var walked [][]string
	f := staff.AuditFilter{Action: "test.", Limit: 2}
	for range 4 {
		p, err := staff.AuditLogPage(ctx, pool, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range p.Entries {
			ids = append(ids, e.EntityID)
		}
		walked = append(walked, ids)
		if p.NextBefore == 0 {
			break
		}
		f.Before = p.NextBefore
	}
	if fmt.Sprint(walked) != "[[5 4] [3 2] [1]]" {
		t.Fatalf("pages %v", walked)
	}
	// A page that ends exactly with the log has no next one.
	p, err := staff.AuditLogPage(ctx, pool, staff.AuditFilter{Action: "test.", Limit: 5})
	if err != nil || len(p.Entries) != 5 || p.NextBefore != 0 {
		t.Fatalf("exact page: %d entries, next %d, %v", len(p.Entries), p.NextBefore, err)
	}
	// Past the oldest entry: an empty page, not nil (JSON []).
	p, err = staff.AuditLogPage(ctx, pool, staff.AuditFilter{Before: 1})
	if err != nil || p.Entries == nil || len(p.Entries) != 0 {
		t.Fatalf("before the first entry: %+v %v", p, err)
	}
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Every action the code writes reads in French in the journal and the
// histories; exports name their document; an unknown action prints as
// recorded.
func TestActionLabel(t *testing.T) {
	written := []string{
		"proxy_request.create", "proxy_request.update", "proxy_request.change_held", "proxy_request.cancel",
		"proxy_request.established", "proxy_request.manual_match", "proxy_request.unmatch", "proxy_offer.accept",
		"proxy_offer.decline", "proxy_offer.expire", "proxy_offer.remind", "proxy_matching.run", "proxy_volunteer.create",
		"proxy_volunteer.update", "proxy_volunteer.change_held", "proxy_volunteer.withdraw", "proxy_volunteer.details_view",
		"delegate_volunteer.create", "delegate_volunteer.update", "delegate_volunteer.change_held", "delegate_volunteer.confirm",
		"delegate_volunteer.withdraw", "delegate_assignment.run", "delegate_assignment.assign", "delegate_assignment.unassign",
		"delegate_needs.roles", "delegate_needs.priority", "delegate_needs.priority_import", "delegate_representative.set",
		"delegate_representative.delete", "material_order.create", "material_order.cancel", "material_batch.create",
		"material_batch.sent", "material_item.delete", "material_item.picture", "message.view", "message.retry",
		"message.retry_failed", "election.create", "election.purge", "import.communes", "import.bureaux", "staff.add",
		"staff.login", "staff.token", "staff.revoke", "staff.remove", "staff.invite", "staff.invitation_accept", "proxy_request.link_resent", "proxy_volunteer.link_resent",
		"proxy_volunteer.voter_number_alert", "delegate_volunteer.voter_number_alert",
	}
	for _, a := range written {
		if l := staff.ActionLabel(a); l == a || strings.TrimSpace(l) == "" {
			t.Errorf("action %q has no label", a)
		}
	}
	if got := staff.ActionLabel("export.proxies"); got != "Export : procurations" {
		t.Errorf("export: %q", got)
	}
	if got := staff.ActionLabel("test.page"); got != "test.page" {
		t.Errorf("unknown action: %q", got)
	}
}

package staff_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// addCommunes puts communes in the communes table, as an import would.
func addCommunes(t *testing.T, pool *pgxpool.Pool, codeNames ...string) {
	t.Helper()
	for i := 0; i+1 < len(codeNames); i += 2 {
		code, name := codeNames[i], codeNames[i+1]
		if _, err := pool.Exec(context.Background(), `INSERT INTO communes (code, name, departement, search_name) VALUES ($1, $2, departement_of($1), lower($2))`,
			code, name); err != nil {
			t.Fatal(err)
		}
	}
}

// refusal is the message Add gives on field for in ("" when accepted, or
// refused on other fields only).
func refusal(t *testing.T, pool *pgxpool.Pool, in staff.NewUser, field string) string {
	t.Helper()
	_, err := staff.Add(context.Background(), pool, in)
	if err == nil {
		return ""
	}
	inv, ok := check.AsInvalid(err)
	if !ok {
		t.Fatalf("%+v: %v", in, err)
	}
	return inv.Fields[field]
}

// Paris, Lyon and Marseille as a whole cover nobody (people are stored
// under their arrondissement): refused, saying what to give instead, for
// the codes places.IsVotingPlace refuses and those only.
func TestScopeOfAWholeCity(t *testing.T) {
	pool := freshDB(t)
	for code, want := range map[string]string{
		"75056": "75056 désigne tout Paris, dont les données sont rangées par arrondissement : donnez le département 75 ou les arrondissements (75101 à 75120).",
		"69123": "69123 désigne tout Lyon, dont les données sont rangées par arrondissement : donnez les arrondissements (69381 à 69389).",
		"13055": "13055 désigne tout Marseille, dont les données sont rangées par arrondissement : donnez les arrondissements (13201 à 13216).",
	} {
		if got := refusal(t, pool, staff.NewUser{Email: "ville@example.org", Role: staff.Organizer, Scope: []string{"04", code}}, "scope"); got != want {
			t.Errorf("%s: %q, want %q", code, got, want)
		}
	}
	for _, code := range []string{"75056", "69123", "13055", "75101", "75120", "69381", "69389", "13201", "13216", "04070", "2A004", "98735"} {
		refused := strings.Contains(refusal(t, pool, staff.NewUser{Email: "ville@example.org", Role: staff.Viewer, Scope: []string{code}}, "scope"), "désigne tout")
		if refused != !places.IsVotingPlace(code) {
			t.Errorf("%s: refused as a whole city %v, places.IsVotingPlace %v", code, refused, places.IsVotingPlace(code))
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM staff_users WHERE scope && ARRAY['75056', '69123', '13055']`); n != 0 {
		t.Fatalf("%d accounts with a whole city in their scope", n)
	}
}

// freshDB is a fresh database (with one admin).
func freshDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, _ := accountsFixture(t)
	return pool
}

// A Pacific collectivity is a scope: it covers its communes (98735,
// Papeete, for 987), in Go and in SQL, and no other.
func TestPacificCollectivityScope(t *testing.T) {
	pool := freshDB(t)
	ctx := context.Background()
	addCommunes(t, pool, "98735", "Papeete", "98818", "Nouméa", "04070", "Digne-les-Bains", "97411", "Saint-Denis")
	u, err := staff.Add(ctx, pool, staff.NewUser{Email: "tahiti@example.org", Role: staff.Organizer, Scope: []string{" 987 "}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(u.Scope, []string{"987"}) {
		t.Fatalf("scope %v", u.Scope)
	}
	var covered []string
	rows, err := pool.Query(ctx, `SELECT code FROM communes WHERE in_scope(code, $1) ORDER BY code`, u.ScopeArg())
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		covered = append(covered, c)
	}
	if !reflect.DeepEqual(covered, []string{"98735"}) {
		t.Fatalf("987 covers %v in SQL, want 98735", covered)
	}
	if !u.Covers("98735") || u.Covers("98818") || u.Covers("04070") || !u.CoversDepartement("987") || u.CoversDepartement("98") || !u.Reaches("987") || u.Reaches("988") {
		t.Fatalf("987 in Go: covers 98735 %v, 98818 %v, 04070 %v; département 987 %v, 98 %v; reaches 987 %v, 988 %v",
			u.Covers("98735"), u.Covers("98818"), u.Covers("04070"), u.CoversDepartement("987"), u.CoversDepartement("98"), u.Reaches("987"), u.Reaches("988"))
	}
	admin, _ := staff.ByEmail(ctx, pool, "chef@example.org")
	a, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "noumea@example.org", Role: staff.Viewer, Scope: []string{"988", "98735"}}, baseURL, time.Now())
	if err != nil || a.ScopeLabel != "collectivité 988, Papeete (98735)" {
		t.Fatalf("invited: %+v %v", a, err)
	}
}

// Duplicates are dropped; a role missing or unknown says what to choose,
// in the page's words, and no word about the scope; the scope's own
// messages name the role as the page does.
func TestScopeAndRoleMessages(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	u, err := staff.Add(ctx, pool, staff.NewUser{Email: "doublons@example.org", Role: staff.Viewer, Scope: []string{"04", " 04", "2a", "2A", "04070", "04070 "}})
	if err != nil || !reflect.DeepEqual(u.Scope, []string{"04", "2A", "04070"}) {
		t.Fatalf("duplicates: %+v %v", u, err)
	}
	choices := "administrateur·rice (admin), organisateur·rice (organizer) ou lecture seule (viewer)."
	for _, tc := range []struct {
		in          staff.NewUser
		role, scope string
	}{
		{staff.NewUser{Email: "x@example.org"}, "Choisissez un rôle : " + choices, ""},
		{staff.NewUser{Email: "x@example.org", Scope: []string{"04"}}, "Choisissez un rôle : " + choices, ""},
		{staff.NewUser{Email: "x@example.org", Role: "chef"}, "Rôle inconnu : « chef ». Choisissez " + choices, ""},
		{staff.NewUser{Email: "x@example.org", Role: staff.Viewer}, "",
			"Le rôle « lecture seule » a besoin d'un périmètre (codes de départements ou de communes) : sans lui, le compte ne voit rien."},
		{staff.NewUser{Email: "x@example.org", Role: staff.Organizer}, "",
			"Le rôle « organisateur·rice » a besoin d'un périmètre (codes de départements ou de communes) : sans lui, le compte ne voit rien."},
		{staff.NewUser{Email: "x@example.org", Role: staff.Admin, Scope: []string{"04"}}, "", "Le rôle « administrateur·rice » couvre tout le pays : laissez le périmètre vide."},
		{staff.NewUser{Email: "x@example.org", Role: staff.Viewer, Scope: []string{"99"}}, "", "Code de département ou de commune invalide : « 99 »."},
	} {
		_, err := staff.Add(ctx, pool, tc.in)
		inv, ok := check.AsInvalid(err)
		if !ok || inv.Fields["role"] != tc.role || inv.Fields["scope"] != tc.scope {
			t.Errorf("%+v: %v, want role %q, scope %q", tc.in, err, tc.role, tc.scope)
		}
	}
	// An unknown role for an admin's account (no scope): the role only.
	_, err = staff.ChangeAccount(ctx, pool, admin, admin.ID, staff.AccountChange{Role: "x"}, time.Now())
	if inv, ok := check.AsInvalid(err); !ok || !strings.HasPrefix(inv.Fields["role"], "Rôle inconnu : « x ».") || len(inv.Fields) != 1 {
		t.Fatalf("unknown role: %v", err)
	}
}

// A commune code of the right shape that no commune has is refused once
// the communes are imported; before, its shape is all there is to check.
func TestScopeOfAnUnknownCommune(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	if _, err := staff.Add(ctx, pool, staff.NewUser{Email: "avant@example.org", Role: staff.Viewer, Scope: []string{"04999"}}); err != nil {
		t.Fatalf("before any import: %v", err)
	}
	addCommunes(t, pool, "04070", "Digne-les-Bains")
	in := staff.NewUser{Email: "apres@example.org", Role: staff.Viewer, Scope: []string{"04", "04070", "04999", "04998"}}
	if got := refusal(t, pool, in, "scope"); got != "Commune inconnue : 04999." {
		t.Fatalf("unknown commune: %q", got)
	}
	if _, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: in.Email, Role: in.Role, Scope: in.Scope}, baseURL, time.Now()); err == nil {
		t.Fatal("invited with an unknown commune")
	}
	if _, err := staff.Add(ctx, pool, staff.NewUser{Email: "apres@example.org", Role: staff.Viewer, Scope: []string{"04070"}}); err != nil {
		t.Fatalf("known commune: %v", err)
	}
}

// The 10 characters of a password are characters, not bytes, and not
// blanks only: for the command line (Add) and the invitation link alike.
func TestPasswordCharacters(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	for _, tc := range []struct{ pw, msg string }{
		{"ééééé", "Le mot de passe doit compter au moins 10 caractères."},
		{"ééééééééé", "Le mot de passe doit compter au moins 10 caractères."},
		{"          ", "Le mot de passe ne peut pas être fait seulement d'espaces."},
		{"\u00a0\t \u00a0\u00a0  \u3000  \n", "Le mot de passe ne peut pas être fait seulement d'espaces."},
		{strings.Repeat("é", 40), "Le mot de passe doit compter au plus 72 octets"},
	} {
		if got := refusal(t, pool, staff.NewUser{Email: "cli@example.org", Role: staff.Admin, Password: tc.pw}, "password"); !strings.HasPrefix(got, tc.msg) {
			t.Errorf("Add %q: %q, want %q", tc.pw, got, tc.msg)
		}
	}
	if _, err := staff.Add(ctx, pool, staff.NewUser{Email: "cli@example.org", Role: staff.Admin, Password: "éééééééééé"}); err != nil {
		t.Fatalf("10 characters: %v", err)
	}
	if _, err := staff.Authenticate(ctx, pool, "cli@example.org", "éééééééééé"); err != nil {
		t.Fatalf("login with 10 accented characters: %v", err)
	}

	if _, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "lien@example.org", Role: staff.Viewer, Scope: []string{"04"}}, baseURL, time.Now()); err != nil {
		t.Fatal(err)
	}
	plain, _ := lastInvitation(t, pool, "lien@example.org")
	for _, pw := range []string{"ééééé", "          "} {
		_, _, err := staff.AcceptInvitation(ctx, pool, plain, staff.PasswordInput{Password: pw, PasswordConfirm: pw}, time.Now(), "127.0.0.1")
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields["password"] == "" {
			t.Errorf("invitation with %q: %v", pw, err)
		}
	}
	if _, _, err := staff.AcceptInvitation(ctx, pool, plain, staff.PasswordInput{Password: "éàèùâêîôûç", PasswordConfirm: "éàèùâêîôûç"}, time.Now(), "127.0.0.1"); err != nil {
		t.Fatalf("invitation with 10 accented characters: %v", err)
	}
}

// Revoking an account's access voids its invitation links not used yet,
// whichever path revokes (the page and API's RevokeAccount, the command
// line's Revoke), and the journal says so.
func TestRevokeVoidsInvitations(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	now := time.Now()
	a, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "fuite@example.org", Role: staff.Viewer, Scope: []string{"04"}}, baseURL, now)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := lastInvitation(t, pool, "fuite@example.org")
	email, r, err := staff.RevokeAccount(ctx, pool, admin, a.ID)
	if err != nil || email != "fuite@example.org" || r != (staff.Revoked{Invitations: 1}) {
		t.Fatalf("revoke: %s %+v %v", email, r, err)
	}
	if _, err := staff.FindInvitation(ctx, pool, plain, now); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("the link after revocation: %v", err)
	}
	if _, _, err := staff.AcceptInvitation(ctx, pool, plain, staff.PasswordInput{Password: "un-long-mot-de-passe", PasswordConfirm: "un-long-mot-de-passe"}, now, "127.0.0.1"); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("the link used after revocation: %v", err)
	}
	if acc, err := staff.AccountByID(ctx, pool, a.ID, now); err != nil || acc.Status != staff.StatusNoPassword {
		t.Fatalf("account after revocation: %+v %v", acc, err)
	}
	entries, err := staff.AuditLog(ctx, pool, staff.AuditFilter{Action: "staff.revoke"})
	if err != nil || len(entries) != 1 || entries[0].DetailsText() != "invitations en attente : 1 · connexions : 0 · jetons d'API : 0" {
		t.Fatalf("journal: %+v %v", entries, err)
	}

	if _, err := staff.Reinvite(ctx, pool, admin, a.ID, baseURL, now); err != nil {
		t.Fatal(err)
	}
	plain, _ = lastInvitation(t, pool, "fuite@example.org")
	if tokens, sessions, err := staff.Revoke(ctx, pool, staff.ActorCLI, "fuite@example.org"); err != nil || tokens != 0 || sessions != 0 {
		t.Fatalf("command line: %d %d %v", tokens, sessions, err)
	}
	if _, err := staff.FindInvitation(ctx, pool, plain, now); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("the link after the command line's revocation: %v", err)
	}
}

// The invitation page and e-mail say the scope as the « Comptes » page
// does (« département 04, Digne-les-Bains (04070) »), and the e-mail
// claims no secrecy the outbox does not keep. The person sets a password
// whatever the account's scope has become since (a whole city, written
// before it was refused): that is the admins' to fix.
func TestInvitationWords(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	now := time.Now()
	addCommunes(t, pool, "04070", "Digne-les-Bains")
	a, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "mots@example.org", Role: staff.Organizer, Scope: []string{"04", "04070"}}, baseURL, now)
	if err != nil {
		t.Fatal(err)
	}
	plain, body := lastInvitation(t, pool, "mots@example.org")
	inv, err := staff.FindInvitation(ctx, pool, plain, now)
	if err != nil || inv.ScopeLabel != "département 04, Digne-les-Bains (04070)" || inv.ScopeLabel != a.ScopeLabel {
		t.Fatalf("invitation %+v (account: %q) %v", inv, a.ScopeLabel, err)
	}
	if !strings.Contains(body, "- périmètre : département 04, Digne-les-Bains (04070)\n") ||
		!strings.Contains(body, "Ce lien est personnel et ne sert qu'une fois : ne le transmettez pas.") ||
		strings.Contains(body, "Personne d'autre") || strings.Contains(body, "personne d'autre") {
		t.Fatalf("e-mail:\n%s", body)
	}

	if _, err := pool.Exec(ctx, `UPDATE staff_users SET scope = '{75056}' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := staff.AcceptInvitation(ctx, pool, plain, staff.PasswordInput{Password: "un-long-mot-de-passe", PasswordConfirm: "un-long-mot-de-passe"}, now, "127.0.0.1"); err != nil {
		t.Fatalf("password with a scope refused since: %v", err)
	}
	if u, err := staff.Authenticate(ctx, pool, "mots@example.org", "un-long-mot-de-passe"); err != nil || !reflect.DeepEqual(u.Scope, []string{"75056"}) {
		t.Fatalf("after the password: %+v %v", u, err)
	}
}

// Clipperton is in the communes table (La Poste's file has it) but nobody
// lives there: its commune and area codes are refused as a scope, saying
// why, not called invalid or unknown. A bare 98 is refused with the three
// figures of the Pacific collectivities.
func TestScopeOfClipperton(t *testing.T) {
	pool := freshDB(t)
	addCommunes(t, pool, "98901", "Ile de Clipperton", "98735", "Papeete")
	for code, want := range map[string]string{
		"98901": "L'île de Clipperton (98901) n'a ni habitant ni bureau de vote : personne n'y vote.",
		"989":   "L'île de Clipperton (989) n'a ni habitant ni bureau de vote : personne n'y vote.",
		"98735": "",
		"987":   "",
		"98":    "Code de département ou de commune invalide : « 98 ». Les collectivités du Pacifique ont trois chiffres : 984, 986, 987 ou 988.",
		"99":    "Code de département ou de commune invalide : « 99 ».", // no hint: not the Pacific's old code
	} {
		if got := refusal(t, pool, staff.NewUser{Email: "pacifique@example.org", Role: staff.Viewer, Scope: []string{code}}, "scope"); got != want {
			t.Errorf("scope %s: %q, want %q", code, got, want)
		}
	}
}

package staff_test

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/logistics/check"
	"scrutin/logistics/staff"
	"scrutin/logistics/token"
)

const baseURL = "https://scrutin.example.org"

var invitationLink = regexp.MustCompile(`https://scrutin\.example\.org/staff/invitation/([A-Za-z0-9_-]{43})\b`)

// accountsFixture is a database with one admin, who acts.
func accountsFixture(t *testing.T) (*pgxpool.Pool, *staff.User) {
	t.Helper()
	pool := dbtest.New(t)
	admin, err := staff.Add(context.Background(), pool, staff.NewUser{Email: "chef@example.org", Role: staff.Admin, Password: "a-long-password"})
	if err != nil {
		t.Fatal(err)
	}
	return pool, admin
}

// lastInvitation returns the plain token of the latest invitation e-mail
// to email, and the e-mail's body.
func lastInvitation(t *testing.T, pool *pgxpool.Pool, email string) (string, string) {
	t.Helper()
	var body, subject string
	if err := pool.QueryRow(context.Background(), `SELECT subject, body FROM outbox WHERE recipient = $1 AND kind = 'staff.invitation' ORDER BY id DESC LIMIT 1`, email).
		Scan(&subject, &body); err != nil {
		t.Fatalf("no invitation e-mail to %s: %v", email, err)
	}
	m := invitationLink.FindStringSubmatch(body)
	if m == nil || !strings.Contains(subject, "mot de passe") {
		t.Fatalf("invitation e-mail %q without a link:\n%s", subject, body)
	}
	return m[1], body
}

func TestInviteAndAccept(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	now := time.Now()
	a, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: " Orga04@Example.org ", Role: staff.Organizer, Scope: []string{"04", "04112"}}, baseURL, now)
	if err != nil {
		t.Fatal(err)
	}
	if a.Email != "orga04@example.org" || a.Role != staff.Organizer || !reflect.DeepEqual(a.Scope, []string{"04", "04112"}) ||
		a.HasPassword || a.Status != staff.StatusInvited || !a.InvitationExpiresAt.Equal(now.Add(72*time.Hour).Truncate(time.Microsecond)) {
		t.Fatalf("invited account %+v", a)
	}
	// No password: nobody can log in with one until the person chooses it.
	if _, err := staff.Authenticate(ctx, pool, "orga04@example.org", ""); !errors.Is(err, staff.ErrBadCredentials) {
		t.Fatalf("login without password: %v", err)
	}
	plain, body := lastInvitation(t, pool, "orga04@example.org")
	for _, want := range []string{"chef@example.org vous a ouvert un compte", "organisateur·rice", "département 04, commune 04112", "ne sert qu'une fois"} {
		if !strings.Contains(body, want) {
			t.Errorf("e-mail lacks %q:\n%s", want, body)
		}
	}
	// Only the hash of the link's token is stored.
	if n := count(t, pool, `SELECT count(*) FROM staff_invitations WHERE token_hash = $1`, token.Hash(plain)); n != 1 {
		t.Fatalf("token hash stored %d times", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM staff_invitations WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%' OR encode(token_hash, 'hex') = $1`, plain); n != 0 {
		t.Fatal("the plain token is in the database")
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'staff.add' AND actor = 'staff:chef@example.org' AND entity_id = 'orga04@example.org'`); n != 1 {
		t.Fatalf("%d audit rows for the invitation", n)
	}

	inv, err := staff.FindInvitation(ctx, pool, plain, now)
	if err != nil || inv.Email != "orga04@example.org" || inv.Role != staff.Organizer {
		t.Fatalf("FindInvitation: %+v %v", inv, err)
	}
	// Refused passwords, in French, next to their field; the link still serves.
	for _, tc := range []struct {
		in    staff.PasswordInput
		field string
		msg   string
	}{
		{staff.PasswordInput{}, "password", "Choisissez un mot de passe."},
		{staff.PasswordInput{Password: "court", PasswordConfirm: "court"}, "password", "Le mot de passe doit compter au moins 10 caractères."},
		{staff.PasswordInput{Password: "un-long-mot-de-passe", PasswordConfirm: "un-autre-mot-de-passe"}, "password_confirm", "Les deux mots de passe ne sont pas identiques."},
		{staff.PasswordInput{Password: strings.Repeat("é", 40), PasswordConfirm: strings.Repeat("é", 40)}, "password", "au plus 72 octets"},
	} {
		_, _, err := staff.AcceptInvitation(ctx, pool, plain, tc.in, now, "127.0.0.1")
		inv, ok := check.AsInvalid(err)
		if !ok || !strings.Contains(inv.Fields[tc.field], tc.msg) {
			t.Errorf("%+v: %v, want %q on %s", tc.in, err, tc.msg, tc.field)
		}
	}
	if _, err := staff.Authenticate(ctx, pool, "orga04@example.org", "un-long-mot-de-passe"); err == nil {
		t.Fatal("a refused password was stored")
	}

	u, session, err := staff.AcceptInvitation(ctx, pool, plain, staff.PasswordInput{Password: "un-long-mot-de-passe", PasswordConfirm: "un-long-mot-de-passe"}, now.Add(71*time.Hour), "127.0.0.1")
	if err != nil || u.Email != "orga04@example.org" {
		t.Fatalf("accept: %+v %v", u, err)
	}
	if got, err := staff.BySession(ctx, pool, session); err != nil || got.ID != a.ID {
		t.Fatalf("session after accepting: %+v %v", got, err)
	}
	got, err := staff.Authenticate(ctx, pool, "orga04@example.org", "un-long-mot-de-passe")
	if err != nil || got.Role != staff.Organizer || !reflect.DeepEqual(got.Scope, []string{"04", "04112"}) {
		t.Fatalf("login with the chosen password: %+v %v", got, err)
	}
	// Once only.
	if _, _, err := staff.AcceptInvitation(ctx, pool, plain, staff.PasswordInput{Password: "encore-un-mot-de-passe", PasswordConfirm: "encore-un-mot-de-passe"}, now, "127.0.0.1"); !errors.Is(err, staff.ErrInvitationUsed) {
		t.Fatalf("second use: %v, want ErrInvitationUsed", err)
	}
	if _, err := staff.FindInvitation(ctx, pool, plain, now); !errors.Is(err, staff.ErrInvitationUsed) {
		t.Fatalf("used link found: %v", err)
	}
	if _, err := staff.Authenticate(ctx, pool, "orga04@example.org", "un-long-mot-de-passe"); err != nil {
		t.Fatalf("the second use changed the password: %v", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'staff.invitation_accept' AND actor = 'staff:orga04@example.org'`); n != 1 {
		t.Fatalf("%d audit rows for the accepted invitation", n)
	}
	accounts, err := staff.Accounts(ctx, pool, now)
	if err != nil || len(accounts) != 2 || accounts[1].Status != staff.StatusActive || accounts[1].ScopeLabel != "département 04, commune 04112" || accounts[0].ScopeLabel != "national" {
		t.Fatalf("accounts: %+v %v", accounts, err)
	}
	// An unknown link.
	if _, err := staff.FindInvitation(ctx, pool, plain+"x", now); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("unknown link: %v", err)
	}
}

func TestInvitationExpires(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "late@example.org", Role: staff.Viewer, Scope: []string{"05"}}, baseURL, now); err != nil {
		t.Fatal(err)
	}
	plain, _ := lastInvitation(t, pool, "late@example.org")
	later := now.Add(72 * time.Hour)
	if _, err := staff.FindInvitation(ctx, pool, plain, later); !errors.Is(err, staff.ErrInvitationExpired) {
		t.Fatalf("after 72 hours: %v", err)
	}
	pw := staff.PasswordInput{Password: "un-long-mot-de-passe", PasswordConfirm: "un-long-mot-de-passe"}
	if _, _, err := staff.AcceptInvitation(ctx, pool, plain, pw, later, "127.0.0.1"); !errors.Is(err, staff.ErrInvitationExpired) {
		t.Fatalf("accept after 72 hours: %v", err)
	}
	accounts, _ := staff.Accounts(ctx, pool, later)
	if accounts[1].Email != "late@example.org" || accounts[1].Status != staff.StatusInvitationExpired {
		t.Fatalf("expired invitation listed as %+v", accounts[1])
	}

	// Sent again: a new link works, the old one no longer does.
	a, err := staff.Reinvite(ctx, pool, admin, accounts[1].ID, baseURL, later)
	if err != nil || a.Status != staff.StatusInvited {
		t.Fatalf("reinvite: %+v %v", a, err)
	}
	fresh, _ := lastInvitation(t, pool, "late@example.org")
	if fresh == plain {
		t.Fatal("the same link was sent again")
	}
	if _, err := staff.FindInvitation(ctx, pool, plain, now); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("the first link after a new one: %v", err)
	}
	if _, _, err := staff.AcceptInvitation(ctx, pool, fresh, pw, later.Add(time.Hour), "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	var conflict *check.Conflict
	if _, err := staff.Reinvite(ctx, pool, admin, a.ID, baseURL, later); !errors.As(err, &conflict) {
		t.Fatalf("invitation for an account with a password: %v", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'staff.invite'`); n != 1 {
		t.Fatalf("%d audit rows for the invitation sent again", n)
	}
}

// The same rules as the command line (Add), and nothing stored when
// refused: no account, no e-mail, no audit row.
func TestInviteRefusals(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	if _, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "orga@example.org", Role: staff.Organizer, Scope: []string{"04"}}, baseURL, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in     staff.AccountInput
		fields map[string]string
	}{
		{staff.AccountInput{Email: "ORGA@example.org", Role: staff.Viewer, Scope: []string{"05"}}, map[string]string{"email": "Un compte existe déjà"}},
		{staff.AccountInput{Email: "chef@example.org", Role: staff.Admin}, map[string]string{"email": "Un compte existe déjà"}},
		{staff.AccountInput{Email: "pas-une-adresse", Role: "chef", Scope: []string{"99"}}, map[string]string{"email": "Adresse e-mail invalide", "role": "Rôle inconnu", "scope": "invalide : « 99 »"}},
		{staff.AccountInput{Email: "x@example.org", Role: staff.Organizer}, map[string]string{"scope": "besoin d'un périmètre"}},
		{staff.AccountInput{Email: "x@example.org", Role: staff.Admin, Scope: []string{"04"}}, map[string]string{"scope": "laissez le périmètre vide"}},
	} {
		_, err := staff.Invite(ctx, pool, admin, tc.in, baseURL, time.Now())
		inv, ok := check.AsInvalid(err)
		if !ok {
			t.Errorf("%+v: %v, want invalid", tc.in, err)
			continue
		}
		for field, msg := range tc.fields {
			if !strings.Contains(inv.Fields[field], msg) {
				t.Errorf("%+v: %s is %q, want %q", tc.in, field, inv.Fields[field], msg)
			}
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM staff_users`); n != 2 {
		t.Errorf("%d accounts, want 2", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("%d e-mails, want 1", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_log`); n != 1 {
		t.Errorf("%d audit rows, want 1", n)
	}
}

// Two admins inviting one address at once: one account, one invitation,
// the other refused. Two uses of one link at once: one password.
func TestInvitationRaces(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "same@example.org", Role: staff.Viewer, Scope: []string{"04"}}, baseURL, time.Now())
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if inv, isInv := check.AsInvalid(err); !isInv || inv.Fields["email"] == "" {
			t.Errorf("concurrent invitation: %v", err)
		}
	}
	if ok != 1 || count(t, pool, `SELECT count(*) FROM outbox WHERE recipient = 'same@example.org'`) != 1 {
		t.Fatalf("%d invitations went through", ok)
	}

	plain, _ := lastInvitation(t, pool, "same@example.org")
	passwords := []string{"premier-mot-de-passe", "second-mot-de-passe", "troisieme-mot-de-passe"}
	results := make([]error, len(passwords))
	for i, pw := range passwords {
		wg.Go(func() {
			_, _, results[i] = staff.AcceptInvitation(ctx, pool, plain, staff.PasswordInput{Password: pw, PasswordConfirm: pw}, time.Now(), "127.0.0.1")
		})
	}
	wg.Wait()
	accepted := 0
	for i, err := range results {
		switch {
		case err == nil:
			accepted++
			if _, err := staff.Authenticate(ctx, pool, "same@example.org", passwords[i]); err != nil {
				t.Errorf("the accepted password does not log in: %v", err)
			}
		case !errors.Is(err, staff.ErrInvitationUsed):
			t.Errorf("concurrent use: %v", err)
		}
	}
	if accepted != 1 {
		t.Fatalf("%d uses of one link went through", accepted)
	}
}

func TestChangeAndRemoveAccount(t *testing.T) {
	pool, admin := accountsFixture(t)
	ctx := context.Background()
	now := time.Now()
	a, err := staff.Invite(ctx, pool, admin, staff.AccountInput{Email: "orga@example.org", Role: staff.Organizer, Scope: []string{"04"}}, baseURL, now)
	if err != nil {
		t.Fatal(err)
	}
	scope := []string{"05", "04070"}
	a, err = staff.ChangeAccount(ctx, pool, admin, a.ID, staff.AccountChange{Role: staff.Viewer, Scope: &scope}, now)
	if err != nil || a.Role != staff.Viewer || !reflect.DeepEqual(a.Scope, scope) {
		t.Fatalf("change: %+v %v", a, err)
	}
	bad := []string{"Paris"}
	if _, err := staff.ChangeAccount(ctx, pool, admin, a.ID, staff.AccountChange{Scope: &bad}, now); err == nil {
		t.Fatal("a bad scope was taken")
	} else if inv, ok := check.AsInvalid(err); !ok || !strings.Contains(inv.Fields["scope"], "« PARIS »") {
		t.Fatalf("bad scope: %v", err)
	}
	// A new admin is national; an omitted role stays.
	if a, err = staff.ChangeAccount(ctx, pool, admin, a.ID, staff.AccountChange{Role: staff.Admin}, now); err != nil || a.Role != staff.Admin || len(a.Scope) != 0 || a.ScopeLabel != "national" {
		t.Fatalf("to admin: %+v %v", a, err)
	}
	// Admins do not demote or remove themselves.
	if _, err := staff.ChangeAccount(ctx, pool, admin, admin.ID, staff.AccountChange{Role: staff.Viewer, Scope: &scope}, now); err == nil {
		t.Fatal("an admin demoted themselves")
	}
	var conflict *check.Conflict
	if _, err := staff.RemoveAccount(ctx, pool, admin, admin.ID); !errors.As(err, &conflict) {
		t.Fatalf("an admin removed themselves: %v", err)
	}
	if _, err := staff.ChangeAccount(ctx, pool, admin, 9999, staff.AccountChange{Role: staff.Viewer, Scope: &scope}, now); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("unknown account: %v", err)
	}

	plain, _ := lastInvitation(t, pool, "orga@example.org")
	if _, err := staff.NewSession(ctx, pool, a.ID); err != nil {
		t.Fatal(err)
	}
	if email, r, err := staff.RevokeAccount(ctx, pool, admin, a.ID); err != nil || email != "orga@example.org" || r.Tokens != 0 || r.Sessions != 1 {
		t.Fatalf("revoke: %s %+v %v", email, r, err)
	}
	if email, err := staff.RemoveAccount(ctx, pool, admin, a.ID); err != nil || email != "orga@example.org" {
		t.Fatalf("remove: %v", err)
	}
	// Its invitation went with it.
	if _, err := staff.FindInvitation(ctx, pool, plain, now); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("the removed account's invitation: %v", err)
	}
	var actions []string
	rows, _ := pool.Query(ctx, `SELECT action FROM audit_log WHERE entity_id = 'orga@example.org' ORDER BY id`)
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	if got := strings.Join(actions, " "); got != "staff.add staff.add staff.add staff.revoke staff.remove" {
		t.Fatalf("audit: %s", got)
	}
}

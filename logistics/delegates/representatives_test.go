package delegates_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"scrutin/demo"
	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/staff"
)

// The number on the commune's list is optional, stored, shown to staff and
// on the private link, and replaced by a new sign-up with the same e-mail
// once confirmed.
func TestSignupListNumberStoredAndUpdated(t *testing.T) {
	d, _, admin := setup(t, false)
	ctx := context.Background()
	in := validSignup("liste@example.org")
	in.ListNumber = "00 42"
	first, err := d.Signup(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	v, err := delegates.ForStaff(ctx, d.Pool, admin, first.ID)
	if err != nil || v.ListNumber != "0042" || v.VoterNumber != strings.ReplaceAll(in.VoterNumber, " ", "") {
		t.Fatalf("stored %q (NNE %q), %v: leading zeros kept, spaces removed", v.ListNumber, v.VoterNumber, err)
	}
	v, err = delegates.ForLink(ctx, d.Pool, lastLink(t, d.Pool, "liste@example.org"), time.Now())
	if err != nil || v.ListNumber != "0042" {
		t.Fatalf("private link: %+v, %v", v, err)
	}
	vs, err := delegates.ListVolunteers(ctx, d.Pool, admin, delegates.VolunteerFilter{ElectionID: v.ElectionID, Search: "liste@"})
	if err != nil || len(vs.Volunteers) != 1 || vs.Volunteers[0].ListNumber != "0042" {
		t.Fatalf("staff list: %+v, %v", vs, err)
	}
	// The same e-mail again, confirmed from the mailbox: the entry is the
	// new one, number included.
	in.ListNumber = "77"
	if again, err := d.Signup(ctx, in); err != nil || again.ID != 0 || !again.Held {
		t.Fatalf("sent again: %+v, %v", again, err)
	}
	if v, _ = delegates.ForStaff(ctx, d.Pool, admin, first.ID); v.ListNumber != "0042" {
		t.Fatalf("changed before the confirmation: %q", v.ListNumber)
	}
	if err := d.ConfirmChange(ctx, changeToken(t, d.Pool, "liste@example.org")); err != nil {
		t.Fatal(err)
	}
	v, _ = delegates.ForStaff(ctx, d.Pool, admin, first.ID)
	if v.ListNumber != "77" {
		t.Fatalf("after update: %q", v.ListNumber)
	}
	in.ListNumber = ""
	if _, err := d.Signup(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := d.ConfirmChange(ctx, changeToken(t, d.Pool, "liste@example.org")); err != nil {
		t.Fatal(err)
	}
	v, _ = delegates.ForStaff(ctx, d.Pool, admin, first.ID)
	if v.ListNumber != "" {
		t.Fatalf("number left out: %q", v.ListNumber)
	}
	// The database refuses what the validation refuses.
	if _, err := d.Pool.Exec(ctx, `UPDATE delegate_volunteers SET list_number = '12A' WHERE id = $1`, first.ID); err == nil {
		t.Fatal("the database took a list number with a letter")
	}
}

func TestRepresentatives(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	org04, err := staff.Authenticate(ctx, d.Pool, demo.OrganizerEmail, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	add := func(email string, role staff.Role, scope ...string) *staff.User {
		u, err := staff.Add(ctx, d.Pool, staff.NewUser{Email: email, Role: role, Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	viewer04 := add("viewer04@example.org", staff.Viewer, "04")
	orgSisteron := add("sisteron@example.org", staff.Organizer, "04209")
	org75 := add("org75@example.org", staff.Organizer, "75")

	// Without any: the election's representative signs everywhere.
	if got, err := delegates.RepresentativeOf(ctx, d.Pool, e, "04"); err != nil || got != "Camille Martin" {
		t.Fatalf("fallback: %q, %v", got, err)
	}

	for _, tc := range []struct {
		name  string
		u     *staff.User
		in    delegates.RepresentativeInput
		want  error  // nil: accepted, unless field is set
		field string // a *check.Invalid on this field
	}{
		{"organizer in scope", org04, delegates.RepresentativeInput{Election: e.Slug, Departement: "4", Name: "  Jeanne   Aubert "}, nil, ""},
		{"admin anywhere", admin, delegates.RepresentativeInput{Election: e.Slug, Departement: "75", Name: "Paul Lenoir"}, nil, ""},
		{"organizer of another département", org75, delegates.RepresentativeInput{Election: e.Slug, Departement: "04", Name: "X Y"}, check.ErrForbidden, ""},
		{"organizer of one commune", orgSisteron, delegates.RepresentativeInput{Election: e.Slug, Departement: "04", Name: "X Y"}, check.ErrForbidden, ""},
		{"viewer", viewer04, delegates.RepresentativeInput{Election: e.Slug, Departement: "04", Name: "X Y"}, check.ErrForbidden, ""},
		{"malformed département", org04, delegates.RepresentativeInput{Election: e.Slug, Departement: "4x", Name: "X Y"}, nil, "departement"},
		{"no name", org04, delegates.RepresentativeInput{Election: e.Slug, Departement: "04", Name: "  "}, nil, "name"},
		{"name with markup", org04, delegates.RepresentativeInput{Election: e.Slug, Departement: "04", Name: "<b>X</b>"}, nil, "name"},
		{"département without communes", admin, delegates.RepresentativeInput{Election: e.Slug, Departement: "48", Name: "X Y"}, check.ErrNotFound, ""},
		{"unknown election", admin, delegates.RepresentativeInput{Election: "nope", Departement: "04", Name: "X Y"}, check.ErrNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.SetRepresentative(ctx, tc.u, tc.in)
			switch {
			case tc.field != "":
				if inv, ok := check.AsInvalid(err); !ok || inv.Fields[tc.field] == "" {
					t.Fatalf("want a message on %s, got %v", tc.field, err)
				}
			case !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if got, _ := delegates.RepresentativeOf(ctx, d.Pool, e, "04"); got != "Jeanne Aubert" {
		t.Fatalf("04 signed by %q", got)
	}
	if got, _ := delegates.RepresentativeOf(ctx, d.Pool, e, "75"); got != "Paul Lenoir" {
		t.Fatalf("75 signed by %q", got)
	}

	// Each sees the départements of their scope; a commune shows its own.
	for _, c := range []struct {
		u    *staff.User
		want string
	}{{admin, "04,75"}, {org04, "04"}, {viewer04, "04"}, {orgSisteron, "04"}, {org75, "75"}} {
		reps, err := delegates.Representatives(ctx, d.Pool, c.u, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var deps []string
		for _, r := range reps {
			deps = append(deps, r.Departement)
		}
		if got := strings.Join(deps, ","); got != c.want {
			t.Errorf("%s sees %q, want %q", c.u.Email, got, c.want)
		}
	}

	// Renamed, then removed: the election's representative is back.
	if _, err := d.SetRepresentative(ctx, org04, delegates.RepresentativeInput{Election: e.Slug, Departement: "04", Name: "Jeanne Aubert-Roux"}); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveRepresentative(ctx, org75, e.Slug, "04"); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("remove out of scope: %v", err)
	}
	if err := d.RemoveRepresentative(ctx, org04, e.Slug, "04"); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveRepresentative(ctx, org04, e.Slug, "04"); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("remove twice: %v", err)
	}
	if got, _ := delegates.RepresentativeOf(ctx, d.Pool, e, "04"); got != "Camille Martin" {
		t.Fatalf("after removal: %q", got)
	}

	// Every change is audited with the previous name.
	var set, deleted int
	var previous string
	d.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'delegate_representative.set'), count(*) FILTER (WHERE action = 'delegate_representative.delete')
		FROM audit_log WHERE entity = 'election' AND entity_id = $1`, e.Slug).Scan(&set, &deleted)
	d.Pool.QueryRow(ctx, `SELECT details->>'previous' FROM audit_log WHERE action = 'delegate_representative.set' AND actor = $1 ORDER BY id DESC LIMIT 1`, org04.Actor()).Scan(&previous)
	if set != 3 || deleted != 1 || previous != "Jeanne Aubert" {
		t.Fatalf("audit: %d set, %d deleted, previous %q", set, deleted, previous)
	}
	// Saint-Barthélemy (977) has communes like any other: its
	// representative is stored (migration 020; 006 took 971 to 976 only).
	if _, err := d.Pool.Exec(ctx, `INSERT INTO communes (code, name, departement, search_name)
		VALUES ('97701', 'Saint-Barthélemy', '977', 'st barthelemy') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	if r, err := d.SetRepresentative(ctx, admin, delegates.RepresentativeInput{Election: e.Slug, Departement: "977", Name: "Lou Gréaux"}); err != nil || r == nil {
		t.Fatalf("977: %v", err)
	}
	if got, _ := delegates.RepresentativeOf(ctx, d.Pool, e, "977"); got != "Lou Gréaux" {
		t.Fatalf("977 signed by %q", got)
	}
}

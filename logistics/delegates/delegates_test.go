package delegates_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/changes"
	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
	"scrutin/migrations"
)

// setup is a database with the demo places, staff and election, and the
// demo volunteers when withVolunteers.
func setup(t *testing.T, withVolunteers bool) (*delegates.Desk, *elections.Election, *staff.User) {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	var loaders []demo.Loader
	if withVolunteers {
		loaders = append(loaders, delegates.LoadDemo)
	}
	if err := demo.Load(ctx, pool, time.Now(), "", loaders...); err != nil {
		t.Fatal(err)
	}
	e, err := elections.BySlug(ctx, pool, demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := staff.Authenticate(ctx, pool, demo.AdminEmail, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	return &delegates.Desk{Pool: pool, BaseURL: "http://test"}, e, admin
}

// km is a travel limit as written on the form or sent to the API.
func km(s string) *delegates.Distance {
	d := delegates.Distance(s)
	return &d
}

func validSignup(email string) delegates.SignupInput {
	return delegates.SignupInput{
		Election: demo.ElectionSlug, LastName: "Dupont", FirstNames: "Marie Louise", BirthDate: "1980-05-17",
		BirthPlace: "Digne-les-Bains (04)", Address: "1 rue Haute", PostalCode: "04000", City: "Digne-les-Bains",
		Email: email, Phone: "06 12 34 56 78", CommuneCode: "4070", BureauCode: "0002", VoterNumber: voterNumberOf(email),
		Roles: []string{"assesseur_titulaire", "delegue_titulaire"}, Rounds: []int{1, 2},
	}
}

// voterNumberOf is a national voter number of one person per e-mail, as
// typed on a voter card ("123 456 789"): one NNE signs up once.
func voterNumberOf(email string) string {
	n := fmt.Sprintf("%09d", crc32.ChecksumIEEE([]byte(strings.ToLower(strings.TrimSpace(email))))%1_000_000_000)
	return n[:3] + " " + n[3:6] + " " + n[6:]
}

func TestSignupValidation(t *testing.T) {
	d, e, _ := setup(t, false)
	r1, _ := e.Round(1)
	tooYoung := r1.Date.AddDate(-18, 0, 1).Format(time.DateOnly)
	for _, tc := range []struct {
		name  string
		edit  func(*delegates.SignupInput)
		field string // "" = accepted
		msg   string
	}{
		{"valid", func(*delegates.SignupInput) {}, "", ""},
		{"own bureau only", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("0") }, "", ""},
		{"preferred bureau padded", func(in *delegates.SignupInput) { in.PreferredBureaux = []string{"04070_0003"} }, "", ""},
		{"17 on the round day", func(in *delegates.SignupInput) { in.BirthDate = tooYoung }, "birth_date", "18 ans"},
		{"unknown commune", func(in *delegates.SignupInput) { in.CommuneCode = "04999" }, "commune_code", "Commune inconnue"},
		{"bureau of another commune", func(in *delegates.SignupInput) { in.BureauCode = "9" }, "bureau_code", "n'existe pas dans cette commune"},
		{"bureau missing", func(in *delegates.SignupInput) { in.BureauCode = "" }, "bureau_code", "bureau"},
		{"NNE too short", func(in *delegates.SignupInput) { in.VoterNumber = "12345" }, "voter_number", "8 ou 9 chiffres"},
		{"no role", func(in *delegates.SignupInput) { in.Roles = nil }, "roles", "au moins un rôle"},
		{"unknown role", func(in *delegates.SignupInput) { in.Roles = []string{"president"} }, "roles", "Rôle inconnu"},
		{"no round", func(in *delegates.SignupInput) { in.Rounds = nil }, "rounds", "au moins un tour"},
		{"round 3", func(in *delegates.SignupInput) { in.Rounds = []int{3} }, "rounds", "pas de 3e tour"},
		{"distance too far", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("500") }, "max_distance_km", "Indiquez une distance entre 1 et 200 km."},
		{"distance just too far", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("201") }, "max_distance_km", "Indiquez une distance entre 1 et 200 km."},
		{"distance a tenth too far", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("200,1") }, "max_distance_km", "Indiquez une distance entre 1 et 200 km."},
		{"negative distance", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("-1") }, "max_distance_km", "Indiquez une distance entre 1 et 200 km."},
		{"distance under 1 km", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("0,5") }, "max_distance_km", "Indiquez une distance entre 1 et 200 km."},
		{"distance empty", func(in *delegates.SignupInput) { in.MaxDistanceKm = km(" ") }, "max_distance_km", "Indiquez une distance entre 1 et 200 km."},
		{"distance 1 km", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("1") }, "", ""},
		{"distance 200 km", func(in *delegates.SignupInput) { in.MaxDistanceKm = km(fmt.Sprint(delegates.MaxDistanceKm)) }, "", ""},
		{"distance with a decimal comma", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("7,5") }, "", ""},
		{"distance with a decimal point", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("7.5") }, "", ""},
		{"distance in words", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("dix") }, "max_distance_km", "Écrivez la distance en kilomètres, avec des chiffres : par exemple 12 ou 7,5."},
		{"distance in hundredths", func(in *delegates.SignupInput) { in.MaxDistanceKm = km("7,25") }, "max_distance_km", "Indiquez la distance avec une décimale au plus : par exemple 7,5."},
		{"last name only a zero-width space", func(in *delegates.SignupInput) { in.LastName = "\u200b" }, "last_name", "Le nom est obligatoire."},
		{"first names only invisible", func(in *delegates.SignupInput) { in.FirstNames = "\u200b\ufeff" }, "first_names", "Les prénoms sont obligatoires."},
		{"address only a zero-width space", func(in *delegates.SignupInput) { in.Address = "\u200b" }, "address", "L'adresse est obligatoire."},
		{"bidi override in the name", func(in *delegates.SignupInput) { in.LastName = "Martin\u202e" }, "last_name", "Le nom contient des caractères non autorisés."},
		{"replacement character in the birth place", func(in *delegates.SignupInput) { in.BirthPlace = "Gap\ufffd" }, "birth_place", "Le lieu de naissance contient des caractères non autorisés."},
		{"unknown preferred bureau", func(in *delegates.SignupInput) { in.PreferredBureaux = []string{`"x`} }, "preferred_bureaux", `Bureau inconnu : « "x » (forme attendue : 04209_1).`},
		{"preferred bureau in another département", func(in *delegates.SignupInput) { in.PreferredBureaux = []string{"75104_1"} }, "preferred_bureaux", "département"},
		{"consent refused on the form", func(in *delegates.SignupInput) { no := false; in.Consent = &no }, "consent", "accord"},
		{"bad e-mail", func(in *delegates.SignupInput) { in.Email = "marie@" }, "email", "invalide"},
		{"postal code", func(in *delegates.SignupInput) { in.PostalCode = "4000" }, "postal_code", "5 chiffres"},
		{"list number given", func(in *delegates.SignupInput) { in.ListNumber = " 12 345 " }, "", ""},
		{"list number with letters", func(in *delegates.SignupInput) { in.ListNumber = "12A" }, "list_number", "1 à 6 chiffres"},
		{"list number too long", func(in *delegates.SignupInput) { in.ListNumber = "1234567" }, "list_number", "1 à 6 chiffres"},
		{"list number with its label", func(in *delegates.SignupInput) { in.ListNumber = "n° 42" }, "list_number", "sans lettres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validSignup(strings.ReplaceAll(tc.name, " ", "-") + "@example.org")
			tc.edit(&in)
			out, err := d.Signup(context.Background(), in)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if out.ID == 0 || out.Status != "active" {
					t.Fatalf("answer %+v", out)
				}
				return
			}
			inv, ok := check.AsInvalid(err)
			if !ok {
				t.Fatalf("want an invalid %s, got %v", tc.field, err)
			}
			if !strings.Contains(inv.Fields[tc.field], tc.msg) {
				t.Fatalf("%s: %q, want it to mention %q (all: %v)", tc.field, inv.Fields[tc.field], tc.msg, inv.Fields)
			}
		})
	}
}

func TestSignupPastRoundRefused(t *testing.T) {
	d, e, _ := setup(t, false)
	r1, _ := e.Round(1)
	d.Now = func() time.Time { return r1.Date.Add(36 * time.Hour) } // Monday after round 1
	in := validSignup("late@example.org")
	_, err := d.Signup(context.Background(), in)
	inv, ok := check.AsInvalid(err)
	if !ok || !strings.Contains(inv.Fields["rounds"], "est passé") {
		t.Fatalf("got %v", err)
	}
	in.Rounds = []int{2}
	if _, err := d.Signup(context.Background(), in); err != nil {
		t.Fatalf("round 2 still ahead: %v", err)
	}
}

// The same e-mail again, once confirmed from its mailbox, updates the
// entry and gives back the seats that no longer fit.
func TestSignupSameEmailUpdatesAndDropsSeatsThatNoLongerFit(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	first, err := d.Signup(ctx, validSignup("Marie@Example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 2, CommuneCode: "04070", BureauCode: "2", Role: "assesseur_titulaire", VolunteerID: first.ID}); err != nil {
		t.Fatal(err)
	}
	again := validSignup("marie@example.org")
	again.LastName, again.Rounds = "Dupont-Martin", []int{1}
	second, err := d.Signup(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != 0 || !second.Held || second.Status != changes.StatusHeld {
		t.Fatalf("second sign-up %+v", second)
	}
	if err := d.ConfirmChange(ctx, changeToken(t, d.Pool, "marie@example.org")); err != nil {
		t.Fatal(err)
	}
	v, err := delegates.ForStaff(ctx, d.Pool, admin, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.LastName != "Dupont-Martin" || len(v.Rounds) != 1 || len(v.Seats) != 0 {
		t.Fatalf("after update: %s rounds %v seats %v", v.LastName, v.Rounds, v.Seats)
	}
	var links, mails int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_links WHERE volunteer_id = $1`, first.ID).Scan(&links)
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE recipient = 'marie@example.org' AND body LIKE '%/assesseurs/t/%'`).Scan(&mails)
	if links != 3 || mails != 3 { // sign-up, assignment, update
		t.Fatalf("%d links, %d messages with a link", links, mails)
	}
}

// changeToken is the token of the latest confirmation link e-mailed to
// someone ("delegate.change").
func changeToken(t *testing.T, pool *pgxpool.Pool, email string) string {
	t.Helper()
	var body string
	if err := pool.QueryRow(context.Background(), `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'delegate.change' ORDER BY id DESC LIMIT 1`, email).Scan(&body); err != nil {
		t.Fatal(err)
	}
	path := delegates.ChangePrefix + changes.LinkPath
	i := strings.Index(body, path)
	if i < 0 {
		t.Fatalf("no confirmation link in %q", body)
	}
	return strings.Fields(body[i+len(path):])[0]
}

// Knowing someone's e-mail is not enough to rewrite their sign-up (the
// designation letter carries it) nor to free their seats: the form sent
// again changes nothing until the link e-mailed to that address is
// confirmed, once.
func TestSignupAgainIsHeldUntilConfirmedByEmail(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	first, err := d.Signup(ctx, validSignup("victime@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: "04070", BureauCode: "2", Role: "assesseur_titulaire", VolunteerID: first.ID}); err != nil {
		t.Fatal(err)
	}
	type state struct {
		last, first, nne, commune, status string
		seats, updates, signupMails       int
	}
	read := func() state {
		t.Helper()
		var s state
		if err := d.Pool.QueryRow(ctx, `SELECT last_name, first_names, voter_number, commune_code, status,
				(SELECT count(*) FROM delegate_assignments WHERE volunteer_id = v.id),
				(SELECT count(*) FROM audit_log WHERE action = 'delegate_volunteer.update' AND entity_id = v.id::text),
				(SELECT count(*) FROM outbox WHERE recipient = v.email AND kind = 'delegate.signup')
			FROM delegate_volunteers v WHERE id = $1`, first.ID).Scan(&s.last, &s.first, &s.nne, &s.commune, &s.status, &s.seats, &s.updates, &s.signupMails); err != nil {
			t.Fatal(err)
		}
		return s
	}
	private := lastLink(t, d.Pool, "victime@example.org")
	before := read()
	if before.seats != 1 || before.signupMails != 1 {
		t.Fatalf("before: %+v", before)
	}

	// Someone else sends the form with her address: another name, voter
	// number and place (in another département: the seat would go).
	forged := validSignup("Victime@example.org")
	forged.LastName, forged.FirstNames, forged.VoterNumber = "Usurpateur", "Jean", voterNumberOf("usurpateur@example.org")
	forged.CommuneCode, forged.BureauCode, forged.Address, forged.PostalCode = "75104", "1", "1 quai, 75004 Paris", "75004"
	held, err := d.Signup(ctx, forged)
	if err != nil {
		t.Fatal(err)
	}
	if !held.Held || held.ID != 0 || held.Status != "confirmation_pending" {
		t.Fatalf("answer %+v", held)
	}
	if j, _ := json.Marshal(held); string(j) != `{"status":"confirmation_pending"}` {
		t.Fatalf("the answer tells %s", j)
	}
	if after := read(); after != before {
		t.Fatalf("the form sent again changed the entry: %+v, was %+v", after, before)
	}
	var subject, body string
	if err := d.Pool.QueryRow(ctx, `SELECT subject, body FROM outbox WHERE kind = 'delegate.change' AND recipient = 'victime@example.org'`).Scan(&subject, &body); err != nil {
		t.Fatal(err)
	}
	if subject != "Confirmez la modification de votre inscription" || !strings.Contains(body, e.Name) || !strings.Contains(body, "48 heures") ||
		!strings.Contains(body, "ignorez ce message") || strings.Contains(body, "Usurpateur") || strings.Contains(body, delegates.LinkPath) {
		t.Fatalf("confirmation message %q:\n%s", subject, body)
	}
	token := changeToken(t, d.Pool, "victime@example.org")

	// The link shows the change (without the voter number nor the birth
	// date), as often as it is opened, and changes nothing.
	for range 2 {
		sum, err := d.PendingChange(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		shown := fmt.Sprint(sum.Lines)
		if !strings.Contains(shown, "Usurpateur") || !strings.Contains(shown, "(75104)") ||
			strings.Contains(shown, strings.ReplaceAll(forged.VoterNumber, " ", "")) || strings.Contains(shown, forged.VoterNumber) || strings.Contains(shown, "1980") ||
			sum.What == "" {
			t.Fatalf("summary %+v", sum)
		}
	}
	if after := read(); after != before {
		t.Fatalf("opening the link changed the entry: %+v", after)
	}

	// Unknown, expired or foreign links apply nothing.
	for _, bad := range []string{"", "not-a-token", token + "x", private} {
		if _, err := d.PendingChange(ctx, bad); !errors.Is(err, check.ErrNotFound) {
			t.Fatalf("pending %q: %v", bad, err)
		}
		if err := d.ConfirmChange(ctx, bad); !errors.Is(err, check.ErrNotFound) {
			t.Fatalf("confirm %q: %v", bad, err)
		}
	}
	later := &delegates.Desk{Pool: d.Pool, BaseURL: d.BaseURL, Now: func() time.Time { return time.Now().Add(changes.TTL + time.Hour) }}
	if _, err := later.PendingChange(ctx, token); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("expired link shown: %v", err)
	}
	if err := later.ConfirmChange(ctx, token); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("expired link confirmed: %v", err)
	}
	if after := read(); after != before {
		t.Fatalf("a bad link changed the entry: %+v", after)
	}

	// Confirmed from the mailbox: applied, once.
	if err := d.ConfirmChange(ctx, token); err != nil {
		t.Fatal(err)
	}
	after := read()
	if after.last != "Usurpateur" || after.commune != "75104" || after.nne != strings.ReplaceAll(forged.VoterNumber, " ", "") ||
		after.seats != 0 || after.updates != 1 || after.signupMails != 2 {
		t.Fatalf("after confirmation: %+v", after)
	}
	if err := d.ConfirmChange(ctx, token); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("second confirmation: %v", err)
	}
	if _, err := d.PendingChange(ctx, token); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("used link shown: %v", err)
	}
	if read() != after {
		t.Fatal("the second confirmation changed the entry")
	}
}

// Two first sendings of one form at once: one entry; the other sending,
// which finds it, is held like any second sending.
func TestSignupTwiceAtOnce(t *testing.T) {
	d, _, _ := setup(t, false)
	ctx := context.Background()
	var wg sync.WaitGroup
	outs, errs := make([]*delegates.Signed, 2), make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = d.Signup(ctx, validSignup("double@example.org"))
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors: %v / %v", errs[0], errs[1])
	}
	if (outs[0].Held) == (outs[1].Held) || outs[0].ID+outs[1].ID == 0 {
		t.Fatalf("answers %+v / %+v", outs[0], outs[1])
	}
	var n int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_volunteers WHERE email = 'double@example.org'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d entries", n)
	}
}

// A held change is validated again when confirmed: a voter number taken
// meanwhile is refused (and the change stays held), an entry gone is not
// found, and confirming one change voids the others of the same entry.
func TestConfirmChangeChecksAgain(t *testing.T) {
	d, e, _ := setup(t, false)
	ctx := context.Background()
	if _, err := d.Signup(ctx, validSignup("anne@example.org")); err != nil {
		t.Fatal(err)
	}
	in := validSignup("anne@example.org")
	in.VoterNumber = voterNumberOf("bob@example.org")
	if s, err := d.Signup(ctx, in); err != nil || !s.Held {
		t.Fatalf("held: %+v, %v", s, err)
	}
	taken := changeToken(t, d.Pool, "anne@example.org")
	if _, err := d.Signup(ctx, validSignup("bob@example.org")); err != nil {
		t.Fatal(err)
	}
	if inv, ok := check.AsInvalid(d.ConfirmChange(ctx, taken)); !ok || !strings.Contains(inv.Fields["voter_number"], "déjà inscrit") {
		t.Fatalf("voter number taken meanwhile: %v", inv)
	}
	if _, err := d.PendingChange(ctx, taken); err != nil {
		t.Fatalf("the refused change is gone: %v", err)
	}

	// Two changes held: the one confirmed voids the other.
	in = validSignup("anne@example.org")
	in.FirstNames = "Anne-Sophie"
	if _, err := d.Signup(ctx, in); err != nil {
		t.Fatal(err)
	}
	last := changeToken(t, d.Pool, "anne@example.org")
	if err := d.ConfirmChange(ctx, last); err != nil {
		t.Fatal(err)
	}
	if err := d.ConfirmChange(ctx, taken); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("the other change: %v", err)
	}

	// The entry gone (a staff deletion): the change is not found.
	if _, err := d.Signup(ctx, validSignup("anne@example.org")); err != nil {
		t.Fatal(err)
	}
	gone := changeToken(t, d.Pool, "anne@example.org")
	if _, err := d.Pool.Exec(ctx, `DELETE FROM delegate_volunteers WHERE email = 'anne@example.org'`); err != nil {
		t.Fatal(err)
	}
	if err := d.ConfirmChange(ctx, gone); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("entry gone: %v", err)
	}
	var n int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_volunteers WHERE email = 'anne@example.org'`).Scan(&n)
	if n != 0 {
		t.Fatal("confirming brought the entry back")
	}

	// Purge takes the changes held with the entries.
	if _, err := d.Signup(ctx, validSignup("bob@example.org")); err != nil {
		t.Fatal(err)
	}
	if _, err := delegates.Purge(ctx, d.Pool, e.ID); err != nil {
		t.Fatal(err)
	}
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM pending_changes WHERE election_id = $1`, e.ID).Scan(&n)
	if n != 0 {
		t.Fatalf("%d changes left after the purge", n)
	}
}

func TestPrivateLinkConfirmAndWithdraw(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	s, err := d.Signup(ctx, validSignup("lien@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: "04070", BureauCode: "2", Role: "delegue_titulaire", VolunteerID: s.ID}); err != nil {
		t.Fatal(err)
	}
	link := lastLink(t, d.Pool, "lien@example.org")
	v, err := delegates.ForLink(ctx, d.Pool, link, time.Now())
	if err != nil || v.ID != s.ID || len(v.Seats) != 1 || v.Seats[0].Confirmed {
		t.Fatalf("link shows %+v, %v", v, err)
	}
	if n, err := d.Confirm(ctx, link); err != nil || n != 1 {
		t.Fatalf("confirm: %d, %v", n, err)
	}
	var c *check.Conflict
	if _, err := d.Confirm(ctx, link); !errors.As(err, &c) || c.Msg != "Votre présence est déjà confirmée." {
		t.Fatalf("second confirm: %v", err)
	}
	if _, err := delegates.ForLink(ctx, d.Pool, "not-a-token", time.Now()); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("bad link: %v", err)
	}
	if err := d.Withdraw(ctx, link); err != nil {
		t.Fatal(err)
	}
	// A second click changes nothing and sends nothing.
	var before, after int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&before)
	if err := d.Withdraw(ctx, link); !isConflict(err) {
		t.Fatalf("second withdrawal: %v", err)
	}
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&after)
	if after != before {
		t.Fatalf("a second withdrawal sent %d messages", after-before)
	}
	v, _ = delegates.ForStaff(ctx, d.Pool, admin, s.ID)
	if v.Status != "withdrawn" || len(v.Seats) != 0 {
		t.Fatalf("after withdrawal: %s, %v", v.Status, v.Seats)
	}
	if _, err := delegates.ForLink(ctx, d.Pool, link, e.LastRound().Date.AddDate(0, 0, 3)); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("expired link: %v", err)
	}
}

func isConflict(err error) bool {
	var c *check.Conflict
	return errors.As(err, &c)
}

// lastLink is the token of the latest private link e-mailed to someone.
func lastLink(t *testing.T, pool *pgxpool.Pool, email string) string {
	t.Helper()
	var body string
	if err := pool.QueryRow(context.Background(), `SELECT body FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, email).Scan(&body); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(body, delegates.LinkPath)
	if i < 0 {
		t.Fatalf("no link in %q", body)
	}
	return strings.Fields(body[i+len(delegates.LinkPath):])[0]
}

func TestRunKeepsManualAndConfirmedSeatsAndIsStable(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	before := seatMap(t, d.Pool, e.ID)
	one := 1
	dry, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one})
	if err != nil {
		t.Fatal(err)
	}
	// A dry run says what the run does, whom it tells included.
	if dry.Added != res.Added || dry.Assigned != res.Assigned || dry.Notified != res.Notified || res.Notified == 0 {
		t.Fatalf("dry run %+v, run %+v", dry, res)
	}
	after := seatMap(t, d.Pool, e.ID)
	for key, s := range before {
		if (s.source == "manual" || s.confirmed) && after[key] != s {
			t.Errorf("kept seat %s changed: %+v → %+v", key, s, after[key])
		}
	}
	if res.Assigned != len(after) || res.Assigned+res.Uncovered != res.Seats || res.Added == 0 {
		t.Fatalf("result %+v, %d seats held", res, len(after))
	}
	checkDatabaseRules(t, d.Pool, e.ID)

	// The same run again changes nothing.
	again, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one})
	if err != nil {
		t.Fatal(err)
	}
	if again.Added != 0 || again.Removed != 0 || again.Assigned != res.Assigned || again.Notified != 0 {
		t.Fatalf("second run moved seats: %+v", again)
	}

	// A new volunteer who can only fill an empty seat of their own bureau:
	// nobody already told is moved.
	in := validSignup("nouvelle@example.org")
	in.CommuneCode, in.BureauCode, in.Roles, in.Rounds = "04209", "2", []string{"assesseur_suppleant"}, []int{1}
	in.MaxDistanceKm = km("0")
	if _, err := d.Signup(ctx, in); err != nil {
		t.Fatal(err)
	}
	third, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one})
	if err != nil {
		t.Fatal(err)
	}
	if third.Removed != 0 || third.Added != 1 || third.Assigned != res.Assigned+1 {
		t.Fatalf("after one more volunteer: %+v", third)
	}
	final := seatMap(t, d.Pool, e.ID)
	for key, s := range after {
		if final[key].volunteer != s.volunteer {
			t.Errorf("seat %s moved from %d to %d", key, s.volunteer, final[key].volunteer)
		}
	}
}

type heldSeat struct {
	volunteer int64
	source    string
	confirmed bool
}

func seatMap(t *testing.T, pool *pgxpool.Pool, electionID int64) map[string]heldSeat {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT round || ':' || commune_code || '_' || bureau_code || ':' || role, volunteer_id, source, confirmed_at IS NOT NULL
		FROM delegate_assignments WHERE election_id = $1`, electionID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]heldSeat{}
	for rows.Next() {
		var k string
		var s heldSeat
		if err := rows.Scan(&k, &s.volunteer, &s.source, &s.confirmed); err != nil {
			t.Fatal(err)
		}
		out[k] = s
	}
	return out
}

// checkDatabaseRules verifies every hard rule on what is stored.
func checkDatabaseRules(t testing.TB, pool *pgxpool.Pool, electionID int64) {
	t.Helper()
	for _, q := range []struct{ rule, sql string }{
		{"voter of the bureau's département, accepts the role, available, active", `
			SELECT count(*) FROM delegate_assignments a JOIN delegate_volunteers v ON v.id = a.volunteer_id
			WHERE a.election_id = $1 AND (departement_of(v.commune_code) <> departement_of(a.commune_code)
				OR NOT a.role = ANY (v.roles) OR NOT a.round = ANY (v.rounds) OR v.status <> 'active')`},
		{"within the travel limit", `
			SELECT count(*) FROM delegate_assignments a JOIN delegate_volunteers v ON v.id = a.volunteer_id
			JOIN communes vc ON vc.code = v.commune_code LEFT JOIN bureaux vb ON vb.commune_code = v.commune_code AND vb.code = v.bureau_code
			JOIN communes sc ON sc.code = a.commune_code LEFT JOIN bureaux sb ON sb.commune_code = a.commune_code AND sb.code = a.bureau_code
			WHERE a.election_id = $1 AND a.source = 'auto' AND CASE
				WHEN v.max_distance_km IS NULL THEN a.commune_code <> v.commune_code
				WHEN v.max_distance_km = 0 THEN a.commune_code <> v.commune_code OR a.bureau_code <> v.bureau_code
				ELSE a.commune_code <> v.commune_code AND 2 * 6371.0088 * asin(least(1, sqrt(
					sin(radians(coalesce(sb.latitude, sc.latitude) - coalesce(vb.latitude, vc.latitude)) / 2) ^ 2 +
					cos(radians(coalesce(vb.latitude, vc.latitude))) * cos(radians(coalesce(sb.latitude, sc.latitude))) *
					sin(radians(coalesce(sb.longitude, sc.longitude) - coalesce(vb.longitude, vc.longitude)) / 2) ^ 2))) > v.max_distance_km + 1e-6
				END`},
		{"one person per role per bureau", `
			SELECT count(*) FROM (SELECT 1 FROM delegate_assignments WHERE election_id = $1
				GROUP BY round, commune_code, bureau_code, role HAVING count(*) > 1) x`},
		{"one seat per person per bureau", `
			SELECT count(*) FROM (SELECT 1 FROM delegate_assignments WHERE election_id = $1
				GROUP BY volunteer_id, round, commune_code, bureau_code HAVING count(*) > 1) x`},
		{"an assesseur holds nothing else that round", `
			SELECT count(*) FROM (SELECT 1 FROM delegate_assignments WHERE election_id = $1 GROUP BY volunteer_id, round
				HAVING count(*) FILTER (WHERE role LIKE 'assesseur%') > 0 AND count(*) > 1) x`},
		{"a délégué covers at most 3 bureaux of one commune", `
			SELECT count(*) FROM (SELECT 1 FROM delegate_assignments WHERE election_id = $1 AND role LIKE 'delegue%'
				GROUP BY volunteer_id, round HAVING count(*) > 3 OR count(DISTINCT commune_code) > 1) x`},
	} {
		var n int
		if err := pool.QueryRow(context.Background(), q.sql, electionID).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q.rule, err)
		}
		if n != 0 {
			t.Errorf("rule broken %d times: %s", n, q.rule)
		}
	}
}

func TestManualAssignRulesAndConcurrency(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	signup := func(email, commune, bureau string, roles ...string) int64 {
		in := validSignup(email)
		in.CommuneCode, in.BureauCode, in.Roles = commune, bureau, roles
		s, err := d.Signup(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return s.ID
	}
	ass := signup("ass@example.org", "04070", "1", "assesseur_titulaire", "delegue_titulaire")
	del := signup("del@example.org", "04070", "2", "delegue_titulaire", "delegue_suppleant")
	far := signup("far@example.org", "04112", "1", "assesseur_titulaire")
	paris := signup("paris@example.org", "75104", "1", "assesseur_titulaire")
	other := signup("other@example.org", "04070", "3", "assesseur_titulaire")
	seat := func(v int64, commune, bureau, role string) delegates.ManualInput {
		return delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: commune, BureauCode: bureau, Role: role, VolunteerID: v}
	}
	if _, err := d.Assign(ctx, admin, seat(ass, "04070", "1", "assesseur_titulaire")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   delegates.ManualInput
		want string // part of the French message
	}{
		{"seat taken", seat(other, "04070", "1", "assesseur_titulaire"), "déjà pourvu"},
		{"assesseur elsewhere too", seat(ass, "04070", "2", "delegue_titulaire"), "ne siège que dans un bureau"},
		{"role not accepted", seat(del, "04070", "3", "assesseur_titulaire"), "pas accepté ce rôle"},
		{"other département", seat(paris, "04070", "3", "assesseur_titulaire"), "département"},
		{"beyond own commune", seat(far, "04070", "3", "assesseur_titulaire"), "trop loin"},
		{"outside scope of organizer", seat(paris, "75104", "8", "assesseur_titulaire"), "périmètre"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := admin
			if tc.name == "outside scope of organizer" {
				u, _ = staff.Authenticate(ctx, d.Pool, demo.OrganizerEmail, demo.Password)
			}
			_, err := d.Assign(ctx, u, tc.in)
			msg := ""
			if inv, ok := check.AsInvalid(err); ok {
				msg = fmt.Sprint(inv.Fields)
			} else if err != nil {
				msg = err.Error()
			}
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("got %q (%v), want %q", msg, err, tc.want)
			}
		})
	}
	// A délégué: three bureaux of one commune, not a fourth, not another commune.
	for _, b := range []string{"1", "2", "3"} {
		if _, err := d.Assign(ctx, admin, seat(del, "04070", b, "delegue_titulaire")); err != nil {
			t.Fatalf("délégué bureau %s: %v", b, err)
		}
	}
	if _, err := d.Assign(ctx, admin, seat(del, "04070", "4", "delegue_titulaire")); !isConflict(err) {
		t.Fatalf("fourth bureau: %v", err)
	}
	// Two staff members give the same empty seat at once: one wins.
	a := signup("a@example.org", "04070", "4", "assesseur_suppleant")
	b := signup("b@example.org", "04070", "4", "assesseur_suppleant")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, v := range []int64{a, b} {
		wg.Add(1)
		go func(i int, v int64) {
			defer wg.Done()
			_, errs[i] = d.Assign(ctx, admin, seat(v, "04070", "4", "assesseur_suppleant"))
		}(i, v)
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("both or neither won: %v / %v", errs[0], errs[1])
	}
	checkDatabaseRules(t, d.Pool, e.ID)
}

func TestDatabaseRefusesRuleBreaks(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	var ass, del int64 // demo: Claire (assesseur titulaire 04070_1), Karim (délégué 04070_1)
	d.Pool.QueryRow(ctx, `SELECT id FROM delegate_volunteers WHERE email = 'claire.durand@example.org'`).Scan(&ass)
	d.Pool.QueryRow(ctx, `SELECT id FROM delegate_volunteers WHERE email = 'karim.benali@example.org'`).Scan(&del)
	insert := `INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source) VALUES ($1, 1, $2, $3, $4, $5, 'auto')`
	for _, tc := range []struct {
		name                  string
		commune, bureau, role string
		volunteer             int64
		constraint            string
	}{
		{"second seat for an assesseur titulaire", "04070", "2", "assesseur_suppleant", ass, "delegate_assignments_assesseur_key"},
		{"délégué where already délégué", "04070", "1", "delegue_suppleant", del, "delegate_assignments_person_bureau_key"},
		{"two people in one role", "04070", "1", "delegue_titulaire", ass, "delegate_assignments_seat_key"},
		{"délégué in another commune", "04112", "1", "delegue_titulaire", del, "delegate_seat_limit"},
		{"role not accepted", "04070", "3", "assesseur_titulaire", del, "delegate_volunteer_fits"},
		{"unknown volunteer", "04070", "3", "assesseur_titulaire", del + 100000, "delegate_assignments_volunteer_id_fkey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Pool.Exec(ctx, insert, e.ID, tc.commune, tc.bureau, tc.role, tc.volunteer)
			if err == nil || !strings.Contains(err.Error(), tc.constraint) && !constraintIs(err, tc.constraint) {
				t.Fatalf("got %v, want %s", err, tc.constraint)
			}
		})
	}
	_ = admin
}

// The volunteer keys of seats and links (statement triggers since
// migration 008, in place of foreign keys): an unknown volunteer is
// refused with the foreign key's error, and deleting volunteers deletes
// their seats and links.
func TestVolunteerKeysOfSeatsAndLinks(t *testing.T) {
	d, _, _ := setup(t, true)
	ctx := context.Background()
	var claire int64
	d.Pool.QueryRow(ctx, `SELECT id FROM delegate_volunteers WHERE email = 'claire.durand@example.org'`).Scan(&claire)
	addLink := `INSERT INTO delegate_links (token_hash, volunteer_id, expires_at) VALUES ($1, $2, now() + interval '1 day')`
	_, err := d.Pool.Exec(ctx, addLink, []byte("unknown"), claire+100000)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" || pgErr.ConstraintName != "delegate_links_volunteer_id_fkey" {
		t.Fatalf("link of an unknown volunteer: %v", err)
	}
	if _, err := d.Pool.Exec(ctx, addLink, []byte("claire"), claire); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, `INSERT INTO delegate_removals (election_id, round, volunteer_id, commune_code, bureau_code, removed_by)
		SELECT election_id, 1, id, commune_code, bureau_code, 'test' FROM delegate_volunteers WHERE id = $1`, claire); err != nil {
		t.Fatal(err)
	}
	count := func() (seats, links, removals int) {
		d.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM delegate_assignments WHERE volunteer_id = $1),
			(SELECT count(*) FROM delegate_links WHERE volunteer_id = $1), (SELECT count(*) FROM delegate_removals WHERE volunteer_id = $1)`,
			claire).Scan(&seats, &links, &removals)
		return
	}
	if seats, links, removals := count(); seats == 0 || links == 0 || removals == 0 {
		t.Fatalf("before: %d seats, %d links, %d removals", seats, links, removals)
	}
	if _, err := d.Pool.Exec(ctx, `DELETE FROM delegate_volunteers WHERE id = $1`, claire); err != nil {
		t.Fatal(err)
	}
	if seats, links, removals := count(); seats != 0 || links != 0 || removals != 0 {
		t.Fatalf("after deleting the volunteer: %d seats, %d links, %d removals left", seats, links, removals)
	}
	if _, err := d.Pool.Exec(ctx, `UPDATE delegate_volunteers SET id = id + 100000 WHERE email = 'karim.benali@example.org'`); err == nil {
		t.Fatal("a volunteer's id changed")
	}
}

func constraintIs(err error, name string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.ConstraintName == name
}

func TestNeedsRulesAndPriorities(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	org, err := staff.Authenticate(ctx, d.Pool, demo.OrganizerEmail, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	seats := func(commune string) int {
		var n int
		d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_seats WHERE election_id = $1 AND round = 1 AND commune_code = $2`, e.ID, commune).Scan(&n)
		return n
	}
	if seats("04070") != 12 { // 4 bureaux × the 3 default roles
		t.Fatalf("default needs: %d seats", seats("04070"))
	}
	for _, tc := range []struct {
		name  string
		u     *staff.User
		in    delegates.RolesInput
		field string
		want  map[string]int // seats per commune after the change
	}{
		{"département rule: assesseurs only", org, delegates.RolesInput{Election: e.Slug, Scope: "04", Roles: []string{"assesseur_titulaire", "assesseur_suppleant"}}, "", map[string]int{"04070": 8, "75104": 12}},
		{"commune rule wins: nothing in Forcalquier", org, delegates.RolesInput{Election: e.Slug, Scope: "04088", Roles: nil}, "", map[string]int{"04088": 0, "04070": 8}},
		{"commune rule removed: the département's applies", org, delegates.RolesInput{Election: e.Slug, Scope: "04088", Reset: true}, "", map[string]int{"04088": 2}},
		{"outside the organizer's scope", org, delegates.RolesInput{Election: e.Slug, Scope: "75", Roles: []string{"delegue_titulaire"}}, "scope", nil},
		{"whole election: admins only", org, delegates.RolesInput{Election: e.Slug, Scope: "", Roles: []string{"delegue_titulaire"}}, "scope", nil},
		{"admin, whole election", admin, delegates.RolesInput{Election: e.Slug, Scope: "", Roles: []string{"delegue_titulaire", "delegue_suppleant"}}, "", map[string]int{"75104": 8, "04070": 8}},
		{"unknown role", admin, delegates.RolesInput{Election: e.Slug, Scope: "04", Roles: []string{"scrutateur"}}, "roles", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := d.SetRoles(ctx, tc.u, tc.in)
			if tc.field != "" {
				if inv, ok := check.AsInvalid(err); !ok || inv.Fields[tc.field] == "" {
					t.Fatalf("want a message for %s, got %v", tc.field, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for c, n := range tc.want {
				if got := seats(c); got != n {
					t.Errorf("%s: %d seats, want %d", c, got, n)
				}
			}
		})
	}

	// Priorities from a CSV: all or nothing.
	bad := "commune_code,bureau_code,priority\n4070,0002,5\n04070,9,3\n04112,1,12\n"
	if _, err := d.ImportPriorities(ctx, org, e.Slug, strings.NewReader(bad)); err == nil {
		t.Fatal("a file with bad lines was imported")
	} else if inv, ok := check.AsInvalid(err); !ok || !strings.Contains(inv.Fields["file"], "04070_9") || !strings.Contains(inv.Fields["file"], "ligne 4") {
		t.Fatalf("bad lines not listed: %v", err)
	}
	// A bureau given twice, and a file longer than there are bureaux.
	if _, err := d.ImportPriorities(ctx, org, e.Slug, strings.NewReader("04070,2,5\n04112,1,3\n4070,02,7\n")); err == nil {
		t.Fatal("a bureau given twice was imported")
	} else if inv, ok := check.AsInvalid(err); !ok || !strings.Contains(inv.Fields["file"], "ligne 3 : bureau 04070_2 déjà donné ligne 1") {
		t.Fatalf("a bureau given twice: %v", err)
	}
	if _, err := d.ImportPriorities(ctx, org, e.Slug, strings.NewReader(strings.Repeat("04070,2,5\n", 100_001))); err == nil {
		t.Fatal("a file of 100,001 lines was imported")
	} else if inv, ok := check.AsInvalid(err); !ok || !strings.HasPrefix(inv.Fields["file"], "Fichier trop long") {
		t.Fatalf("a file too long: %v", err)
	}
	n, err := d.ImportPriorities(ctx, org, e.Slug, strings.NewReader("4070;0002;5\n04112;1;3\n"))
	if err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	priority := func(commune, bureau string) int {
		t.Helper()
		var p int
		if err := d.Pool.QueryRow(ctx, `SELECT priority FROM delegate_seats WHERE election_id = $1 AND round = 1 AND commune_code = $2 AND bureau_code = $3 LIMIT 1`,
			e.ID, commune, bureau).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p, q := priority("04070", "2"), priority("04112", "1"); p != 5 || q != 3 {
		t.Fatalf("priorities %d and %d, want 5 and 3", p, q)
	}
	// A second file: priority 1 puts a bureau back to the default, others
	// replace what was there.
	if n, err := d.ImportPriorities(ctx, org, e.Slug, strings.NewReader("04070,2,1\n04112,1,7\n")); err != nil || n != 2 {
		t.Fatalf("second import: %d, %v", n, err)
	}
	var stored int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_priorities WHERE election_id = $1 AND commune_code = '04070' AND bureau_code = '2'`, e.ID).Scan(&stored)
	if p, q := priority("04070", "2"), priority("04112", "1"); p != 1 || q != 7 || stored != 0 {
		t.Fatalf("priorities %d and %d (%d rows for 04070_2), want 1 and 7 (none)", p, q, stored)
	}
	if _, err := d.ImportPriorities(ctx, org, e.Slug, strings.NewReader("04070,2,5\n")); err != nil || priority("04070", "2") != 5 {
		t.Fatalf("third import: %v, priority %d", err, priority("04070", "2"))
	}

	// The only volunteer able to serve two bureaux goes to the priority one.
	in := validSignup("prio@example.org")
	in.CommuneCode, in.BureauCode, in.Roles, in.Rounds = "04070", "1", []string{"assesseur_titulaire"}, []int{1}
	s, err := d.Signup(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	if _, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one}); err != nil {
		t.Fatal(err)
	}
	v, _ := delegates.ForStaff(ctx, d.Pool, admin, s.ID)
	if len(v.Seats) != 1 || v.Seats[0].BureauCode != "2" {
		t.Fatalf("seats %+v, want bureau 2 (priority 5)", v.Seats)
	}
}

func TestScopedRunLeavesOtherDepartementsAlone(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	org, err := staff.Authenticate(ctx, d.Pool, demo.OrganizerEmail, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Run(ctx, org, "", delegates.RunInput{Election: e.Slug})
	if err != nil {
		t.Fatal(err)
	}
	var paris, others int
	d.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE commune_code LIKE '75%' AND source = 'auto'), count(*) FILTER (WHERE commune_code NOT LIKE '04%' AND commune_code NOT LIKE '75%')
		FROM delegate_assignments WHERE election_id = $1`, e.ID).Scan(&paris, &others)
	if paris != 0 || others != 0 || res.Added == 0 {
		t.Fatalf("organizer of 04 ran: %+v; %d seats given in Paris", res, paris)
	}
	// Viewers do not run.
	viewer, err := staff.Add(ctx, d.Pool, staff.NewUser{Email: "viewer@example.org", Role: staff.Viewer, Scope: []string{"04"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Run(ctx, viewer, "", delegates.RunInput{Election: e.Slug}); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("viewer: %v", err)
	}
	// The national run then covers Paris too, and keeps what 04 got.
	before := seatMap(t, d.Pool, e.ID)
	if _, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug}); err != nil {
		t.Fatal(err)
	}
	after := seatMap(t, d.Pool, e.ID)
	for k, s := range before {
		if after[k].volunteer != s.volunteer {
			t.Errorf("seat %s moved", k)
		}
	}
	checkDatabaseRules(t, d.Pool, e.ID)

	// The runs listed to the organizer of the 04: theirs with its figures,
	// the national one without its figures nor who ran it, and none of a
	// Paris organizer's.
	paris75, err := staff.Add(ctx, d.Pool, staff.NewUser{Email: "org75@example.org", Role: staff.Organizer, Scope: []string{"75"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Run(ctx, paris75, "", delegates.RunInput{Election: e.Slug}); err != nil {
		t.Fatal(err)
	}
	runs, err := delegates.RecentRuns(ctx, d.Pool, org.ScopeArg(), e.ID, 10)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs seen from the 04: %+v, %v", runs, err)
	}
	if national := runs[0]; !national.Wider || national.Actor != "" || national.Seats != 0 || national.Assigned != 0 {
		t.Errorf("national run seen from the 04: %+v", national)
	}
	if own := runs[1]; own.Wider || own.Actor != org.Actor() || own.Seats == 0 || own.Added != res.Added {
		t.Errorf("own run seen from the 04: %+v", own)
	}
	all, err := delegates.RecentRuns(ctx, d.Pool, admin.ScopeArg(), e.ID, 10)
	if err != nil || len(all) != 3 || all[0].Wider || all[0].Actor == "" {
		t.Fatalf("runs seen by an admin: %+v, %v", all, err)
	}
}

// A seat staff take back from someone is not given back to them by the
// next runs; putting them back by hand lifts that.
func TestRunRespectsSeatsTakenBackByStaff(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	one := 1
	if _, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one}); err != nil {
		t.Fatal(err)
	}
	var id, volunteer int64
	var commune, bureau, role string
	if err := d.Pool.QueryRow(ctx, `SELECT id, volunteer_id, commune_code, bureau_code, role FROM delegate_assignments
		WHERE election_id = $1 AND round = 1 AND source = 'auto' AND confirmed_at IS NULL ORDER BY id LIMIT 1`, e.ID).
		Scan(&id, &volunteer, &commune, &bureau, &role); err != nil {
		t.Fatal(err)
	}
	if err := d.Unassign(ctx, admin, id); err != nil {
		t.Fatal(err)
	}
	holds := func() bool {
		var n int
		d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_assignments WHERE election_id = $1 AND round = 1
			AND volunteer_id = $2 AND commune_code = $3 AND bureau_code = $4`, e.ID, volunteer, commune, bureau).Scan(&n)
		return n > 0
	}
	for range 2 {
		if _, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one}); err != nil {
			t.Fatal(err)
		}
		if holds() {
			t.Fatalf("volunteer %d is back in %s_%s after staff took the seat back", volunteer, commune, bureau)
		}
	}
	checkDatabaseRules(t, d.Pool, e.ID)

	// Staff put them back: that holds, and runs keep it (a manual seat).
	if _, err := d.Pool.Exec(ctx, `DELETE FROM delegate_assignments WHERE election_id = $1 AND round = 1 AND commune_code = $2 AND bureau_code = $3 AND role = $4`,
		e.ID, commune, bureau, role); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: commune, BureauCode: bureau, Role: role, VolunteerID: volunteer}); err != nil {
		t.Fatal(err)
	}
	var removals int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_removals WHERE volunteer_id = $1`, volunteer).Scan(&removals)
	if removals != 0 || !holds() {
		t.Fatalf("after assigning by hand: %d removals, holds %v", removals, holds())
	}
}

// A database that held two sign-ups with one voter number before 009 keeps
// them (the migration does not fail, nor drop anyone), and still refuses a
// third.
func TestVoterNumberMigrationKeepsEarlierDuplicates(t *testing.T) {
	d, e, _ := setup(t, false)
	ctx := context.Background()
	if _, err := d.Signup(ctx, validSignup("first@example.org")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, `DROP INDEX delegate_volunteers_voter_number_key`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, `INSERT INTO delegate_volunteers (election_id, last_name, first_names, birth_date, birth_place, address,
			email, commune_code, bureau_code, voter_number, roles, rounds)
		SELECT election_id, last_name, first_names, birth_date, birth_place, address, 'second@example.org', commune_code, bureau_code,
			voter_number, roles, rounds FROM delegate_volunteers WHERE email = 'first@example.org'`); err != nil {
		t.Fatal(err)
	}
	sql, err := migrations.FS.ReadFile("009_delegate_voter_number.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, string(sql)); err != nil {
		t.Fatalf("009 on duplicates: %v", err)
	}
	var people int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_volunteers WHERE election_id = $1`, e.ID).Scan(&people)
	if people != 2 {
		t.Fatalf("%d sign-ups left", people)
	}
	// A third address: not stored, answered as a change held; both
	// addresses on record are told (TestTakenVoterNumberIsAnsweredAsAChangeHeld).
	in := validSignup("third@example.org")
	in.VoterNumber = validSignup("first@example.org").VoterNumber
	if out, err := d.Signup(ctx, in); err != nil || !out.Held || out.ID != 0 {
		t.Fatalf("third sign-up: %+v, %v", out, err)
	}
	var stored, told int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_volunteers WHERE email = 'third@example.org'`).Scan(&stored)
	d.Pool.QueryRow(ctx, `SELECT count(DISTINCT recipient) FROM outbox WHERE kind = $1`, delegates.KindVoterNumberTaken).Scan(&told)
	if stored != 0 || told != 3 {
		t.Fatalf("third sign-up: %d stored, %d addresses told", stored, told)
	}
}

// A volunteer confirming while a run replaces their seat: the run holds
// the election's lock and deletes the seat; the confirmation waits for the
// lock before touching the seat's row, so that no deadlock (40P01) aborts
// either, and then finds nothing to confirm.
func TestConfirmWhileARunDeletesTheSeat(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	s, err := d.Signup(ctx, validSignup("course@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: "04070", BureauCode: "2", Role: "delegue_titulaire", VolunteerID: s.ID}); err != nil {
		t.Fatal(err)
	}
	link := lastLink(t, d.Pool, "course@example.org")

	run, err := d.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Rollback(ctx)
	if _, err := run.Exec(ctx, `SELECT pg_advisory_xact_lock(7231005, $1)`, int32(e.ID)); err != nil {
		t.Fatal(err)
	}
	confirmed := make(chan error, 1)
	go func() {
		_, err := d.Confirm(ctx, link)
		confirmed <- err
	}()
	time.Sleep(300 * time.Millisecond) // the confirmation is waiting by now
	// It waits holding no seat: the run takes the row at once (55P03
	// otherwise), where a deadlock would have aborted one side after a
	// second, and a retry redone it.
	if _, err := run.Exec(ctx, `SELECT 1 FROM delegate_assignments WHERE volunteer_id = $1 FOR UPDATE NOWAIT`, s.ID); err != nil {
		t.Fatalf("the confirmation holds the seat's row while it waits: %v", err)
	}
	if _, err := run.Exec(ctx, `DELETE FROM delegate_assignments WHERE volunteer_id = $1`, s.ID); err != nil {
		t.Fatalf("the run's delete: %v", err)
	}
	if err := run.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var c *check.Conflict
	if err := <-confirmed; !errors.As(err, &c) || c.Msg != "Vous n'avez pas d'affectation à confirmer." {
		t.Fatalf("confirmation after the run: %v", err)
	}
}

// After a round's R46 deadline a run leaves that round alone: the mairie
// has the names already. Asked for by itself, it is refused, saying why;
// with every round, the later round is still run; a dry run still shows.
func TestRunAfterTheDeadline(t *testing.T) {
	d, e, admin := setup(t, true)
	ctx := context.Background()
	if len(e.Rounds) != 2 {
		t.Fatalf("the demo election has %d rounds", len(e.Rounds))
	}
	r1, _ := e.Round(1)
	d.Now = func() time.Time { return delegates.Deadline(r1.Date).Add(time.Minute) }
	one := 1
	_, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one})
	inv, ok := check.AsInvalid(err)
	if !ok || !strings.Contains(inv.Fields["round"], "Pour le 1er tour, la date limite de dépôt des noms à la mairie (le "+
		elections.Moment(delegates.Deadline(r1.Date))+") est passée") {
		t.Fatalf("round 1 after its deadline: %v", err)
	}
	if dry, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug, Round: &one, DryRun: true}); err != nil || len(dry.Rounds) != 1 {
		t.Fatalf("dry run after the deadline: %+v, %v", dry, err)
	}
	seats1 := func() string {
		var s string
		d.Pool.QueryRow(ctx, `SELECT coalesce(string_agg(id || ':' || volunteer_id || ':' || bureau_code || ':' || role, ',' ORDER BY id), '')
			FROM delegate_assignments WHERE election_id = $1 AND round = 1`, e.ID).Scan(&s)
		return s
	}
	before := seats1()
	res, err := d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug})
	if err != nil || len(res.Rounds) != 1 || res.Rounds[0].Round != 2 {
		t.Fatalf("every round after the 1st's deadline: %+v, %v", res, err)
	}
	if after := seats1(); after != before {
		t.Fatalf("the 1st round's seats changed after its deadline:\n%s\n%s", before, after)
	}
	r2, _ := e.Round(2)
	d.Now = func() time.Time { return delegates.Deadline(r2.Date).Add(time.Minute) }
	_, err = d.Run(ctx, admin, "", delegates.RunInput{Election: e.Slug})
	if inv, ok := check.AsInvalid(err); !ok || !strings.HasPrefix(inv.Fields["round"], "Pour chaque tour, la date limite") {
		t.Fatalf("every round after both deadlines: %v", err)
	}
}

// An admin sets how many bureaux a délégué may cover, for the whole
// election: not below what one covers already, within 1 to 20, audited;
// runs and manual seats then follow it.
func TestSettingsMaxBureauxPerDelegue(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	if k, err := delegates.MaxBureauxPerDelegue(ctx, d.Pool, e); err != nil || k != delegates.DefaultMaxBureauxPerDelegue {
		t.Fatalf("default: %d, %v", k, err)
	}
	org, err := staff.Add(ctx, d.Pool, staff.NewUser{Email: "org-k@example.org", Role: staff.Organizer, Scope: []string{"04"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetSettings(ctx, org, delegates.SettingsInput{Election: e.Slug, MaxBureauxPerDelegue: 5}); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("an organizer changed the election's setting: %v", err)
	}
	for _, k := range []int{0, -1, 21} {
		err := d.SetSettings(ctx, admin, delegates.SettingsInput{Election: e.Slug, MaxBureauxPerDelegue: k})
		if inv, ok := check.AsInvalid(err); !ok || inv.Fields["max_bureaux_per_delegue"] != "Indiquez un nombre de bureaux entre 1 et 20." {
			t.Fatalf("%d bureaux: %v", k, err)
		}
	}
	// A délégué of two bureaux of Digne.
	s, err := d.Signup(ctx, validSignup("deux@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"1", "2"} {
		if _, err := d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: "04070", BureauCode: b, Role: "delegue_titulaire", VolunteerID: s.ID}); err != nil {
			t.Fatalf("bureau %s: %v", b, err)
		}
	}
	err = d.SetSettings(ctx, admin, delegates.SettingsInput{Election: e.Slug, MaxBureauxPerDelegue: 1})
	if inv, ok := check.AsInvalid(err); !ok || inv.Fields["max_bureaux_per_delegue"] != "Un·e délégué·e couvre déjà 2 bureaux : retirez-lui des bureaux avant de descendre sous ce nombre." {
		t.Fatalf("below what a délégué covers: %v", err)
	}
	if err := d.SetSettings(ctx, admin, delegates.SettingsInput{Election: e.Slug, MaxBureauxPerDelegue: 2}); err != nil {
		t.Fatal(err)
	}
	if k, _ := delegates.MaxBureauxPerDelegue(ctx, d.Pool, e); k != 2 {
		t.Fatalf("setting read back: %d", k)
	}
	// The third bureau is now refused, by the same rule manual seats follow.
	_, err = d.Assign(ctx, admin, delegates.ManualInput{Election: e.Slug, Round: 1, CommuneCode: "04070", BureauCode: "3", Role: "delegue_titulaire", VolunteerID: s.ID})
	if c := (*check.Conflict)(nil); !errors.As(err, &c) || !strings.Contains(c.Msg, "un·e délégué·e couvre au plus quelques bureaux") {
		t.Fatalf("a 3rd bureau with a limit of 2: %v", err)
	}
	var details map[string]any
	if err := d.Pool.QueryRow(ctx, `SELECT details FROM audit_log WHERE action = 'delegate_settings.update' AND entity_id = $1`, e.Slug).Scan(&details); err != nil ||
		details["max_bureaux_per_delegue"] != float64(2) || details["previous"] != float64(3) {
		t.Fatalf("audit: %v, %v", details, err)
	}
}

package delegates_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
)

// outboxOf lists the messages of a kind, as "recipient: subject\nbody".
func outboxOf(t *testing.T, d *delegates.Desk, kind string) map[string]string {
	t.Helper()
	rows, err := d.Pool.Query(context.Background(), `SELECT recipient, subject, body FROM outbox WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var to, subject, body string
		if err := rows.Scan(&to, &subject, &body); err != nil {
			t.Fatal(err)
		}
		if _, twice := out[to]; twice {
			t.Fatalf("two %s messages to %s", kind, to)
		}
		out[to] = subject + "\n" + body
	}
	return out
}

// storedFor counts what a sign-up left for an address: entries, changes
// held, audit rows naming it, private links.
func storedFor(t *testing.T, d *delegates.Desk, email string) int {
	t.Helper()
	var n int
	if err := d.Pool.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM delegate_volunteers WHERE email = $1)
			+ (SELECT count(*) FROM pending_changes WHERE email = $1)
			+ (SELECT count(*) FROM audit_log WHERE details::text LIKE '%' || $1 || '%')`, email).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A new e-mail with a voter number signed up under another address is
// answered exactly as a change held for confirmation (the answer must not
// tell whether a voter number is signed up), nothing is stored for it, and
// the two mailboxes learn more: the address on record that someone tried
// (the other address masked), the address sent that it could not be
// recorded and what to do.
func TestTakenVoterNumberIsAnsweredAsAChangeHeld(t *testing.T) {
	d, e, admin := setup(t, false)
	ctx := context.Background()
	owner, err := d.Signup(ctx, validSignup("titulaire@example.org"))
	if err != nil {
		t.Fatal(err)
	}

	// What a change held answers (the owner's own address sent again).
	again := validSignup("titulaire@example.org")
	again.LastName = "Autre"
	held, err := d.Signup(ctx, again)
	if err != nil {
		t.Fatal(err)
	}

	// The owner's voter number with a new address.
	in := validSignup("Curieux.Voisin@Example.net")
	in.VoterNumber = validSignup("titulaire@example.org").VoterNumber
	taken, err := d.Signup(ctx, in)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if *taken != *held || !taken.Held || taken.ID != 0 {
		t.Fatalf("taken voter number %+v, change held %+v", taken, held)
	}
	heldJSON, _ := json.Marshal(held)
	takenJSON, _ := json.Marshal(taken)
	if string(takenJSON) != string(heldJSON) || string(takenJSON) != `{"status":"confirmation_pending"}` {
		t.Fatalf("answers differ: %s / %s", takenJSON, heldJSON)
	}

	// Nothing stored for the new address; the owner's entry as it was.
	if n := storedFor(t, d, "curieux.voisin@example.net"); n != 0 {
		t.Fatalf("%d rows stored for the new address", n)
	}
	v, err := delegates.ForStaff(ctx, d.Pool, admin, owner.ID)
	if err != nil || v.LastName != "Dupont" || v.Email != "titulaire@example.org" {
		t.Fatalf("owner's entry: %+v, %v", v, err)
	}
	var signups int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE recipient = 'curieux.voisin@example.net' AND kind <> $1`, delegates.KindVoterNumberTaken).Scan(&signups)
	if signups != 0 {
		t.Fatalf("%d other messages to the new address (a page link?)", signups)
	}

	// Two messages, in the outbox with the answer's transaction.
	msgs := outboxOf(t, d, delegates.KindVoterNumberTaken)
	if len(msgs) != 2 {
		t.Fatalf("messages %v", msgs)
	}
	toOwner, toSender := msgs["titulaire@example.org"], msgs["curieux.voisin@example.net"]
	for _, want := range []string{"c***@e***.net", "votre numéro national d'électeur", e.Name, "assesseurs et délégués",
		"Le lien vers votre page n'a pas été envoyé à l'autre adresse", "répondez à ce message"} {
		if !strings.Contains(toOwner, want) {
			t.Errorf("the owner's message lacks %q:\n%s", want, toOwner)
		}
	}
	for _, want := range []string{"Votre inscription n'a pas pu être enregistrée", e.Name,
		"n'a pas pu être enregistrée avec le numéro national d'électeur indiqué", "lors de votre première inscription"} {
		if !strings.Contains(toSender, want) {
			t.Errorf("the sender's message lacks %q:\n%s", want, toSender)
		}
	}
	nne := strings.ReplaceAll(in.VoterNumber, " ", "")
	for who, body := range msgs {
		if strings.Contains(body, "curieux") || strings.Contains(body, "example.net") || strings.Contains(body, "titulaire@") ||
			strings.Contains(body, nne) || strings.Contains(body, delegates.LinkPath) {
			t.Errorf("the message to %s tells too much:\n%s", who, body)
		}
	}

	// An address with an entry of its own, sent with someone else's
	// number: a change held like any other (not a field error), refused
	// plainly only when confirmed from that mailbox.
	if _, err := d.Signup(ctx, validSignup("autre@example.org")); err != nil {
		t.Fatal(err)
	}
	in = validSignup("autre@example.org")
	in.VoterNumber = validSignup("titulaire@example.org").VoterNumber
	if out, err := d.Signup(ctx, in); err != nil || *out != *held {
		t.Fatalf("own entry with a taken number: %+v, %v", out, err)
	}
	if msgs := outboxOf(t, d, delegates.KindVoterNumberTaken); len(msgs) != 2 {
		t.Fatalf("a change held told the owner: %v", msgs)
	}
	if inv, ok := check.AsInvalid(d.ConfirmChange(ctx, changeToken(t, d.Pool, "autre@example.org"))); !ok ||
		!strings.Contains(inv.Fields["voter_number"], "déjà inscrit avec une autre adresse e-mail") {
		t.Fatalf("confirmed from the mailbox: %v", inv)
	}

	// A withdrawn owner still holds the number.
	var welcome string
	if err := d.Pool.QueryRow(ctx, `SELECT body FROM outbox WHERE recipient = 'titulaire@example.org' AND kind = 'delegate.signup'`).Scan(&welcome); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(welcome, delegates.LinkPath)
	if i < 0 {
		t.Fatalf("no private link in %q", welcome)
	}
	if err := d.Withdraw(ctx, strings.Fields(welcome[i+len(delegates.LinkPath):])[0]); err != nil {
		t.Fatal(err)
	}
	in = validSignup("troisieme@example.org")
	in.VoterNumber = validSignup("titulaire@example.org").VoterNumber
	if out, err := d.Signup(ctx, in); err != nil || *out != *held || storedFor(t, d, "troisieme@example.org") != 0 {
		t.Fatalf("withdrawn owner: %+v, %v", out, err)
	}
}

// Two new addresses with one voter number at once: one entry; the other is
// answered as a change held and its messages written, once.
func TestTakenVoterNumberAtOnce(t *testing.T) {
	d, _, _ := setup(t, false)
	ctx := context.Background()
	var wg sync.WaitGroup
	outs, errs := make([]*delegates.Signed, 2), make([]error, 2)
	for i, email := range []string{"premier@example.org", "second@example.org"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := validSignup(email)
			in.VoterNumber = "123 456 789"
			outs[i], errs[i] = d.Signup(ctx, in)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors: %v / %v", errs[0], errs[1])
	}
	if outs[0].Held == outs[1].Held || outs[0].ID+outs[1].ID == 0 {
		t.Fatalf("answers %+v / %+v", outs[0], outs[1])
	}
	var n int
	d.Pool.QueryRow(ctx, `SELECT count(*) FROM delegate_volunteers WHERE voter_number = '123456789'`).Scan(&n)
	if msgs := outboxOf(t, d, delegates.KindVoterNumberTaken); n != 1 || len(msgs) != 2 {
		t.Fatalf("%d entries, messages %v", n, msgs)
	}
}

// The town of the home address is asked for on its own: required, one
// line, 100 characters at most; stored, and replaced by a change
// confirmed from the mailbox.
func TestSignupCity(t *testing.T) {
	d, _, admin := setup(t, false)
	ctx := context.Background()
	for _, tc := range []struct {
		name, city, msg string
	}{
		{"missing", "", "La commune de résidence est obligatoire."},
		{"blank", "  \t ", "La commune de résidence est obligatoire."},
		{"invisible only", "\u200b", "La commune de résidence est obligatoire."},
		{"too long", strings.Repeat("Saint-", 17), "La commune de résidence dépasse 100 caractères."},
		{"line break", "Digne\nles-Bains", ""},
		{"bidi override", "Digne\u202e", "La commune de résidence contient des caractères non autorisés."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := strings.ReplaceAll(tc.name, " ", "-") + "@example.org"
			in := validSignup(email)
			in.City = tc.city
			out, err := d.Signup(ctx, in)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				v, _ := delegates.ForStaff(ctx, d.Pool, admin, out.ID)
				if v.City != "Digne les-Bains" {
					t.Fatalf("stored %q: spaces collapsed on one line", v.City)
				}
				return
			}
			inv, ok := check.AsInvalid(err)
			if !ok || inv.Fields["city"] != tc.msg || len(inv.Fields) != 1 {
				t.Fatalf("want city %q, got %v", tc.msg, err)
			}
			if storedFor(t, d, email) != 0 {
				t.Fatal("stored")
			}
		})
	}

	in := validSignup("ville@example.org")
	in.City = "  Digne-les-Bains "
	out, err := d.Signup(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := delegates.ForStaff(ctx, d.Pool, admin, out.ID); err != nil || v.City != "Digne-les-Bains" || v.Address != "1 rue Haute" || v.PostalCode != "04000" {
		t.Fatalf("stored %+v, %v", v, err)
	}
	in.City, in.Address, in.PostalCode = "Manosque", "8 boulevard des Tilleuls", "04100"
	if _, err := d.Signup(ctx, in); err != nil {
		t.Fatal(err)
	}
	if v, _ := delegates.ForStaff(ctx, d.Pool, admin, out.ID); v.City != "Digne-les-Bains" {
		t.Fatalf("changed before the confirmation: %q", v.City)
	}
	if err := d.ConfirmChange(ctx, changeToken(t, d.Pool, "ville@example.org")); err != nil {
		t.Fatal(err)
	}
	if v, _ := delegates.ForStaff(ctx, d.Pool, admin, out.ID); v.City != "Manosque" || v.Address != "8 boulevard des Tilleuls" {
		t.Fatalf("after the confirmation: %q, %q", v.Address, v.City)
	}
}

// The demo volunteers have their address in three fields, as the form
// stores them.
func TestDemoVolunteersHaveATown(t *testing.T) {
	d, _, _ := setup(t, true)
	var street, postal, city string
	if err := d.Pool.QueryRow(context.Background(), `SELECT address, postal_code, city FROM delegate_volunteers WHERE email = 'claire.durand@example.org'`).
		Scan(&street, &postal, &city); err != nil {
		t.Fatal(err)
	}
	if street != "12 rue de l'Hubac" || postal != "04000" || city != "Digne-les-Bains" {
		t.Fatalf("demo address %q, %q, %q", street, postal, city)
	}
	var without int
	d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM delegate_volunteers WHERE city IS NULL OR city = '' OR postal_code = ''`).Scan(&without)
	if without != 0 {
		t.Fatalf("%d demo volunteers without a town or postal code", without)
	}
}

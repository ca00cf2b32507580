package proxies_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"scrutin/demo"
	"scrutin/logistics/check"
	"scrutin/logistics/proxies"
	"scrutin/web"
	"scrutin/web/proxyweb"
	"scrutin/web/webtest"
)

// takenMessages maps the recipients of the proxies' messages about a voter
// number signed up under another address to their bodies (one each).
func takenMessages(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT recipient, subject, body FROM outbox WHERE kind = $1 ORDER BY id`, proxies.KindVoterNumberTaken)
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
			t.Fatalf("two messages to %s", to)
		}
		out[to] = subject + "\n" + body
	}
	return out
}

// storedFor counts the entries and changes held of an address.
func storedFor(t *testing.T, f *fixture, email string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM proxy_volunteers WHERE email = $1)
		+ (SELECT count(*) FROM pending_changes WHERE email = $1)`, email).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A new e-mail sent with the voter number of a volunteer signed up under
// another address is answered exactly as a change held (the NNE is on the
// voter card; whether someone volunteers is a political opinion): nothing
// is stored, and only the two mailboxes learn more.
func TestTakenVoterNumberIsAnsweredAsAChangeHeld(t *testing.T) {
	f := setup(t)
	owner := f.person("Vera", "04070", "2")
	f.volunteer(t, owner, 10)

	// What a change held answers, and a form sent again unchanged.
	held, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(owner, "1980-04-02", nne(owner), 15))
	if err != nil {
		t.Fatal(err)
	}
	unchanged, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(owner, "1980-04-02", nne(owner), 10))
	if err != nil || !reflect.DeepEqual(unchanged, held) {
		t.Fatalf("sent again unchanged: %+v, %v; held %+v", unchanged, err, held)
	}

	newcomer := f.person("Ines", "04112", "1")
	newcomer.Email = "Ines.Curieuse@Example.net"
	taken, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(newcomer, "1985-01-01", " "+nne(owner)[:3]+" "+nne(owner)[3:], 10))
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	takenJSON, _ := json.Marshal(taken)
	heldJSON, _ := json.Marshal(held)
	if !reflect.DeepEqual(taken, held) || string(takenJSON) != string(heldJSON) || string(takenJSON) != `{"status":"confirmation_pending"}` {
		t.Fatalf("taken voter number %+v %s, change held %+v %s", taken, takenJSON, held, heldJSON)
	}
	if n := storedFor(t, f, "ines.curieuse@example.net"); n != 0 {
		t.Fatalf("%d rows stored for the new address", n)
	}
	var other int
	f.pool.QueryRow(f.ctx, `SELECT count(*) FROM outbox WHERE recipient = 'ines.curieuse@example.net' AND kind <> $1`, proxies.KindVoterNumberTaken).Scan(&other)
	if other != 0 {
		t.Fatalf("%d other messages to the new address", other)
	}

	msgs := takenMessages(t, f)
	toOwner, toSender := msgs[owner.Email], msgs["ines.curieuse@example.net"]
	if len(msgs) != 2 || toOwner == "" || toSender == "" {
		t.Fatalf("messages %v", msgs)
	}
	for _, want := range []string{"i***@e***.net", "votre numéro national d'électeur", f.e.Name, "porter une procuration",
		"Le lien vers votre page n'a pas été envoyé à l'autre adresse", "répondez à ce message", "L'équipe procurations"} {
		if !strings.Contains(toOwner, want) {
			t.Errorf("the owner's message lacks %q:\n%s", want, toOwner)
		}
	}
	for _, want := range []string{"Votre inscription n'a pas pu être enregistrée", f.e.Name,
		"n'a pas pu être enregistrée avec le numéro national d'électeur indiqué", "lors de votre première inscription"} {
		if !strings.Contains(toSender, want) {
			t.Errorf("the sender's message lacks %q:\n%s", want, toSender)
		}
	}
	for who, body := range msgs {
		if strings.Contains(body, "ines.curieuse") || strings.Contains(body, "example.net") || strings.Contains(body, owner.Email) ||
			strings.Contains(body, nne(owner)) || strings.Contains(body, "/procuration/t/") {
			t.Errorf("the message to %s tells too much:\n%s", who, body)
		}
	}

	// An address with an entry of its own, sent with someone else's
	// number: a change held (as before), refused plainly only when
	// confirmed from that mailbox.
	other2 := f.person("Paul", "04070", "1")
	f.volunteer(t, other2, 10)
	if out, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(other2, "1980-04-02", nne(owner), 10)); err != nil || !reflect.DeepEqual(out, held) {
		t.Fatalf("own entry with a taken number: %+v, %v", out, err)
	}
	if len(takenMessages(t, f)) != 2 {
		t.Fatal("a change held told the owner")
	}
	var body string
	f.pool.QueryRow(f.ctx, `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'proxy.change' ORDER BY id DESC LIMIT 1`, other2.Email).Scan(&body)
	token := changeRe.FindStringSubmatch(body)
	if token == nil {
		t.Fatalf("no change link in %q", body)
	}
	if inv, ok := check.AsInvalid(f.desk.ConfirmChange(f.ctx, token[1])); !ok || !strings.Contains(inv.Fields["voter_number"], "déjà inscrit") {
		t.Fatalf("confirmed from the mailbox: %v", inv)
	}
}

// Two new addresses with one voter number at once: one entry; the other is
// answered as a change held, with its two messages.
func TestTakenVoterNumberAtOnce(t *testing.T) {
	f := setup(t)
	people := []proxies.Person{f.person("Anna", "04070", "1"), f.person("Bruno", "04070", "2")}
	outs, errs := make([]*proxies.Submitted, 2), make([]error, 2)
	var wg sync.WaitGroup
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(p, "1980-04-02", "987654321", 10))
		}()
	}
	wg.Wait()
	f.desk.Settle()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("errors: %v / %v", errs[0], errs[1])
	}
	if outs[0].Held == outs[1].Held || outs[0].ID+outs[1].ID == 0 {
		t.Fatalf("answers %+v / %+v", outs[0], outs[1])
	}
	var n int
	f.pool.QueryRow(f.ctx, `SELECT count(*) FROM proxy_volunteers WHERE voter_number = '987654321'`).Scan(&n)
	if msgs := takenMessages(t, f); n != 1 || len(msgs) != 2 {
		t.Fatalf("%d entries, messages %v", n, msgs)
	}
}

// Over HTTP, the API and the form answer a taken voter number as they
// answer a change held: the same status, body and redirection.
func TestTakenVoterNumberOverHTTPIsAnsweredAsAChangeHeld(t *testing.T) {
	env := webtest.Start(t, webtest.Options{Modules: []web.Module{proxyweb.Routes}})
	ctx := context.Background()
	body := func(email, nne string, km int) map[string]any {
		return map[string]any{"election": demo.ElectionSlug, "first_name": "Paul", "last_name": "Petit", "email": email,
			"phone": "06 98 76 54 32", "commune_code": "04070", "bureau_code": "2", "rounds": []int{1}, "consent": true,
			"birth_date": "1990-05-17", "voter_number": nne, "max_distance_km": km}
	}
	if r := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", body("paul@example.org", "123456789", 10)); r.Status != 201 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	held := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", body("paul@example.org", "123456789", 15))
	taken := env.Do(t, "POST", "/api/v1/proxy-volunteers", "", body("marc@example.org", "123 456 789", 10))
	if held.Status != 202 || taken.Status != held.Status || string(taken.Body) != string(held.Body) ||
		taken.Header.Get("Content-Type") != held.Header.Get("Content-Type") || taken.Header.Get("Content-Length") != held.Header.Get("Content-Length") {
		t.Fatalf("API: taken %d %s, held %d %s", taken.Status, taken.Body, held.Status, held.Body)
	}

	post := func(email, nne string) (*http.Response, string) {
		t.Helper()
		c := webtest.Client()
		csrf := env.CSRF(t, c, "/procuration/volontaire")
		resp, err := c.PostForm(env.URL+"/procuration/volontaire", url.Values{"_csrf": {csrf}, "election": {demo.ElectionSlug},
			"first_name": {"Léa"}, "last_name": {"Martin"}, "email": {email}, "phone": {"06 11 22 33 44"}, "commune_code": {"04070"},
			"bureau_code": {"2"}, "birth_date": {"1991-01-01"}, "voter_number": {nne}, "max_distance_km": {"12"}, "rounds": {"1"}, "consent": {"oui"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	heldForm, heldBody := post("paul@example.org", "123456789")
	takenForm, takenBody := post("lea@example.org", "123456789")
	if heldForm.StatusCode != http.StatusSeeOther || takenForm.StatusCode != heldForm.StatusCode || takenBody != heldBody ||
		takenForm.Header.Get("Location") != heldForm.Header.Get("Location") || heldForm.Header.Get("Location") != "/procuration/modification" {
		t.Fatalf("form: taken %d to %q, held %d to %q", takenForm.StatusCode, takenForm.Header.Get("Location"),
			heldForm.StatusCode, heldForm.Header.Get("Location"))
	}
	if strings.Contains(takenBody, "déjà inscrit") {
		t.Fatal("the form tells the voter number is signed up")
	}

	var stored int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM proxy_volunteers WHERE email IN ('marc@example.org', 'lea@example.org')`).Scan(&stored)
	var owner, senders int
	env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE recipient = 'paul@example.org' AND body LIKE '%m***@e***.org%'),
			count(*) FILTER (WHERE recipient IN ('marc@example.org', 'lea@example.org'))
		FROM outbox WHERE kind = $1`, proxies.KindVoterNumberTaken).Scan(&owner, &senders)
	if stored != 0 || owner != 1 || senders != 2 {
		t.Fatalf("%d stored; %d messages to the owner naming marc masked, %d to the senders", stored, owner, senders)
	}
}

package proxies_test

import (
	"reflect"
	"sync"
	"testing"

	"scrutin/logistics/proxies"
)

// alertsTo counts the messages of kind KindVoterNumberTaken to recipient.
func alertsTo(t *testing.T, f *fixture, recipient string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM outbox WHERE kind = $1 AND recipient = $2`,
		proxies.KindVoterNumberTaken, recipient).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Whoever knows a voter number may send the volunteer form with it again
// and again, each time with another address of their own: its owner is
// told once every ten minutes at most, each sender every time, and the
// answer is a change held's throughout.
func TestVoterNumberAlertThrottle(t *testing.T) {
	f := setup(t)
	owner := f.person("Vera", "04070", "2")
	f.volunteer(t, owner, 10)
	held, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(owner, "1980-04-02", nne(owner), 15))
	if err != nil || !held.Held {
		t.Fatalf("change held: %+v, %v", held, err)
	}
	send := func(t *testing.T) string {
		p := f.person("Ines", "04112", "1")
		out, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(p, "1985-01-01", nne(owner), 10))
		if err != nil || !reflect.DeepEqual(out, held) {
			t.Errorf("sent with %s: %+v, %v; change held %+v", p.Email, out, err, held)
		}
		return p.Email
	}

	var senders []string
	for range 5 {
		senders = append(senders, send(t))
	}
	if n := alertsTo(t, f, owner.Email); n != 1 {
		t.Fatalf("%d alerts to the owner after 5 sendings, want 1", n)
	}
	for _, s := range senders {
		if n := alertsTo(t, f, s); n != 1 {
			t.Errorf("%d messages to the sender %s, want 1", n, s)
		}
	}

	// Ten minutes later, the owner is told again.
	if _, err := f.pool.Exec(f.ctx, `UPDATE audit_log SET at = at - interval '11 minutes';
		UPDATE outbox SET created_at = created_at - interval '11 minutes'`); err != nil {
		t.Fatal(err)
	}
	send(t)
	if n := alertsTo(t, f, owner.Email); n != 2 {
		t.Fatalf("%d alerts to the owner ten minutes later, want 2", n)
	}
	send(t)
	if n := alertsTo(t, f, owner.Email); n != 2 {
		t.Fatalf("%d alerts to the owner, want 2", n)
	}
}

// Sendings at once with one voter number and as many addresses: one alert.
func TestVoterNumberAlertThrottleAtOnce(t *testing.T) {
	f := setup(t)
	owner := f.person("Vera", "04070", "2")
	f.volunteer(t, owner, 10)
	held, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(owner, "1980-04-02", nne(owner), 15))
	if err != nil {
		t.Fatal(err)
	}
	// An alert takes its time to be recorded: each sending has looked
	// for one by then. Without a lock between the look and the record,
	// each would alert.
	if _, err := f.pool.Exec(f.ctx, `
		CREATE FUNCTION slow_alert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$;
		CREATE TRIGGER slow_alert BEFORE INSERT ON audit_log FOR EACH ROW
			WHEN (NEW.action LIKE '%voter_number_alert') EXECUTE FUNCTION slow_alert()`); err != nil {
		t.Fatal(err)
	}
	const n = 8
	inputs := make([]proxies.VolunteerInput, n)
	senders := make([]string, n)
	for i := range inputs {
		p := f.person("Ines", "04112", "1")
		senders[i] = p.Email
		inputs[i] = proxies.NewVolunteerInput(p, "1985-01-01", nne(owner), 10)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out, err := f.desk.SubmitVolunteer(f.ctx, inputs[i])
			if err != nil || !reflect.DeepEqual(out, held) {
				t.Errorf("sent with %s: %+v, %v", senders[i], out, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := alertsTo(t, f, owner.Email); got != 1 {
		t.Fatalf("%d alerts to the owner after %d sendings at once, want 1", got, n)
	}
	for _, s := range senders {
		if got := alertsTo(t, f, s); got != 1 {
			t.Errorf("%d messages to the sender %s, want 1", got, s)
		}
	}
}

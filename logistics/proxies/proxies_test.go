package proxies_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/changes"
	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a settable time for the desk.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	pool  *pgxpool.Pool
	desk  *proxies.Desk
	clock *clock
	e     *elections.Election
	ctx   context.Context
	seq   int
}

func setup(t *testing.T) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	now := time.Now()
	if err := demo.Load(ctx, pool, now, ""); err != nil {
		t.Fatal(err)
	}
	e, err := elections.BySlug(ctx, pool, demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: now}
	d := proxies.NewDesk(pool, "http://test", c.Now)
	d.OnError = func(err error) { t.Errorf("instant matching: %v", err) }
	t.Cleanup(d.Settle)
	return &fixture{pool: pool, desk: d, clock: c, e: e, ctx: ctx}
}

func (f *fixture) person(first, commune, bureau string, rounds ...int) proxies.Person {
	f.seq++
	if len(rounds) == 0 {
		rounds = []int{1}
	}
	return proxies.Person{Election: f.e.Slug, FirstName: first, LastName: "Test", Email: fmt.Sprintf("%s%d@example.org", strings.ToLower(first), f.seq),
		Phone: fmt.Sprintf("06%08d", 10000000+f.seq), CommuneCode: commune, BureauCode: bureau, Rounds: rounds, Consent: true}
}

func (f *fixture) request(t *testing.T, p proxies.Person) int64 {
	t.Helper()
	s, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(p))
	if err != nil {
		t.Fatalf("request %s: %v", p.FirstName, err)
	}
	f.desk.Settle()
	return s.ID
}

func (f *fixture) volunteer(t *testing.T, p proxies.Person, km int) int64 {
	t.Helper()
	s, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(p, "1980-04-02", nne(p), km))
	if err != nil {
		t.Fatalf("volunteer %s: %v", p.FirstName, err)
	}
	f.desk.Settle()
	return s.ID
}

// nne is a person's made-up voter number: unique, as NNE are.
func nne(p proxies.Person) string { return "7" + p.Phone[3:] }

// offers returns live offers as "request/round→volunteer:status".
func (f *fixture) liveOffers(t *testing.T) map[[2]int64]int64 {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT request_id, round, volunteer_id FROM proxy_offers WHERE status IN ('pending', 'accepted')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[[2]int64]int64{}
	for rows.Next() {
		var r, v int64
		var n int16
		if err := rows.Scan(&r, &n, &v); err != nil {
			t.Fatal(err)
		}
		out[[2]int64{r, int64(n)}] = v
	}
	return out
}

func (f *fixture) roundStatus(t *testing.T, request int64, round int) string {
	t.Helper()
	var s string
	if err := f.pool.QueryRow(f.ctx, `SELECT status FROM proxy_request_rounds WHERE request_id = $1 AND round = $2`, request, round).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

var linkRe = regexp.MustCompile(`http://test/procuration/t/([A-Za-z0-9_-]+)`)

// lastMessage returns the body of the newest outbox message of kind for
// the recipient, and the private link it carries.
func (f *fixture) lastMessage(t *testing.T, recipient, kind string) (string, string) {
	t.Helper()
	var body string
	if err := f.pool.QueryRow(f.ctx, `SELECT body FROM outbox WHERE recipient = $1 AND kind = $2 ORDER BY id DESC LIMIT 1`, recipient, kind).Scan(&body); err != nil {
		t.Fatalf("no %s message to %s: %v", kind, recipient, err)
	}
	m := linkRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no private link in %q", body)
	}
	return body, m[1]
}

var changeRe = regexp.MustCompile(`http://test/procuration/modification/t/([A-Za-z0-9_-]+)`)

// confirmChange follows the newest change link sent to recipient, as the
// person would from their mailbox.
func (f *fixture) confirmChange(t *testing.T, recipient string) {
	t.Helper()
	var body string
	if err := f.pool.QueryRow(f.ctx, `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'proxy.change' ORDER BY id DESC LIMIT 1`,
		recipient).Scan(&body); err != nil {
		t.Fatalf("no change to confirm for %s: %v", recipient, err)
	}
	m := changeRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no change link in %q", body)
	}
	if err := f.desk.ConfirmChange(f.ctx, m[1]); err != nil {
		t.Fatalf("confirming the change of %s: %v", recipient, err)
	}
	f.desk.Settle()
}

func TestRequestValidation(t *testing.T) {
	f := setup(t)
	// An election whose first round is today or last Sunday (rounds are
	// on Sundays): too late for it.
	today := time.Now().AddDate(0, 0, -int(time.Now().Weekday())).Format(time.DateOnly)
	later := time.Now().AddDate(0, 0, 7-int(time.Now().Weekday())).Format(time.DateOnly)
	if _, err := elections.Create(f.ctx, f.pool, elections.Input{Name: "Partielle", Slug: "partielle",
		Rounds: []elections.RoundInput{{Number: 1, Date: today}, {Number: 2, Date: later}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(p *proxies.Person)
		field  string
		msg    string
	}{
		{"unknown commune", func(p *proxies.Person) { p.CommuneCode = "04999" }, "commune_code", "Commune inconnue."},
		{"whole Paris", func(p *proxies.Person) { p.CommuneCode = "75056" }, "commune_code", "Choisissez votre arrondissement, pas la ville entière."},
		{"bureau of another commune", func(p *proxies.Person) { p.BureauCode = "13" }, "bureau_code", "Ce bureau de vote n'existe pas dans cette commune."},
		{"no round", func(p *proxies.Person) { p.Rounds = nil }, "rounds", "Choisissez au moins un tour."},
		{"no such round", func(p *proxies.Person) { p.Rounds = []int{3} }, "rounds", "Cette élection n'a pas de 3e tour."},
		{"round today", func(p *proxies.Person) { p.Election = "partielle"; p.Rounds = []int{1} }, "rounds", "est passé ou a lieu aujourd'hui"},
		{"no consent", func(p *proxies.Person) { p.Consent = false }, "consent", "Votre accord est nécessaire : sans lui, nous ne pouvons pas enregistrer ce formulaire."},
		{"bad e-mail", func(p *proxies.Person) { p.Email = "jeanne@" }, "email", "Adresse e-mail invalide."},
		{"bad phone", func(p *proxies.Person) { p.Phone = "12" }, "phone", "Numéro de téléphone invalide."},
		{"unknown election", func(p *proxies.Person) { p.Election = "nope" }, "election", "Élection inconnue."},
		{"no first name", func(p *proxies.Person) { p.FirstName = " " }, "first_name", "Le prénom est obligatoire."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := f.person("Jeanne", "04070", "2")
			tc.change(&p)
			_, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(p))
			inv, ok := check.AsInvalid(err)
			if !ok {
				t.Fatalf("want invalid, got %v", err)
			}
			if got := inv.Fields[tc.field]; !regexp.MustCompile(regexp.QuoteMeta(tc.msg)).MatchString(got) {
				t.Fatalf("%s: got %q (all: %v)", tc.field, got, inv.Fields)
			}
		})
	}
	var n int
	f.pool.QueryRow(f.ctx, `SELECT count(*) FROM proxy_requests`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d requests stored from invalid input", n)
	}
}

func TestVolunteerValidation(t *testing.T) {
	f := setup(t)
	r1, _ := f.e.Round(1)
	minor := r1.Date.AddDate(-18, 0, 1).Format(time.DateOnly) // 18 the day after round 1
	adult := r1.Date.AddDate(-18, 0, 0).Format(time.DateOnly) // 18 on round 1
	tests := []struct {
		name   string
		birth  string
		nne    string
		km     int
		field  string
		msg    string
		stored bool
	}{
		{"NNE too short", "1980-01-01", "1234567", 10, "voter_number", "8 ou 9 chiffres", false},
		{"NNE with letters", "1980-01-01", "12345678A", 10, "voter_number", "8 ou 9 chiffres", false},
		{"under 18 on round day", minor, "123456789", 10, "birth_date", "Il faut avoir 18 ans le jour du scrutin.", false},
		{"distance too far", "1980-01-01", "123456789", 21, "max_distance_km", "de 1 à 20 km", false},
		{"18 on round day", adult, "123 456 789", 0, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := proxies.NewVolunteerInput(f.person("Paul", "04112", "1"), tc.birth, tc.nne, tc.km)
			_, err := f.desk.SubmitVolunteer(f.ctx, in)
			if tc.stored {
				if err != nil {
					t.Fatal(err)
				}
				var nne string
				var km int
				f.pool.QueryRow(f.ctx, `SELECT voter_number, max_distance_km FROM proxy_volunteers WHERE email = $1`, in.Email).Scan(&nne, &km)
				if nne != "123456789" || km != proxies.DefaultMaxDistanceKm {
					t.Fatalf("stored NNE %q, %d km", nne, km)
				}
				return
			}
			inv, ok := check.AsInvalid(err)
			if !ok || !regexp.MustCompile(regexp.QuoteMeta(tc.msg)).MatchString(inv.Fields[tc.field]) {
				t.Fatalf("want %s: %q, got %v", tc.field, tc.msg, err)
			}
		})
	}
}

func TestSubmittingAgainUpdatesTheEntry(t *testing.T) {
	f := setup(t)
	p := f.person("Jeanne", "04070", "2", 1)
	first, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(p))
	if err != nil {
		t.Fatal(err)
	}
	p.Email = "  " + p.Email + " " // the same person, typed differently
	p.Rounds = []int{1, 2}
	p.Phone = "06 98 76 54 32"
	second, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(p))
	if err != nil {
		t.Fatal(err)
	}
	// Held, nothing told of the entry, nothing changed yet.
	if !second.Held || second.ID != 0 || second.Rounds != nil || second.Status != changes.StatusHeld {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	entry := func() (n int, phone string, rounds int) {
		f.pool.QueryRow(f.ctx, `SELECT count(*), max(phone), (SELECT count(*) FROM proxy_request_rounds WHERE status <> 'cancelled') FROM proxy_requests`).Scan(&n, &phone, &rounds)
		return
	}
	if n, phone, rounds := entry(); n != 1 || phone == "+33698765432" || rounds != 1 {
		t.Fatalf("before the confirmation: %d entries, phone %q, %d rounds", n, phone, rounds)
	}
	f.confirmChange(t, strings.TrimSpace(p.Email))
	if n, phone, rounds := entry(); n != 1 || phone != "+33698765432" || rounds != 2 {
		t.Fatalf("after the confirmation: %d entries, phone %q, %d rounds", n, phone, rounds)
	}
	// Dropping a round cancels it.
	p.Rounds = []int{2}
	if _, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(p)); err != nil {
		t.Fatal(err)
	}
	f.confirmChange(t, strings.TrimSpace(p.Email))
	if s1, s2 := f.roundStatus(t, first.ID, 1), f.roundStatus(t, first.ID, 2); s1 != proxies.RoundCancelled || s2 != proxies.RoundOpen {
		t.Fatalf("rounds after dropping round 1: %s, %s", s1, s2)
	}
}

// A held change that no longer passes the checks says why, before and
// when it is confirmed, and changes nothing.
func TestChangeThatNoLongerPassesSaysWhy(t *testing.T) {
	f := setup(t)
	p := f.person("Jeanne", "04070", "2", 1, 2)
	req := f.request(t, p)
	p.Phone = "06 98 76 54 32"
	if _, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(p)); err != nil {
		t.Fatal(err)
	}
	var body string
	f.pool.QueryRow(f.ctx, `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'proxy.change'`, p.Email).Scan(&body)
	plain := changeRe.FindStringSubmatch(body)[1]
	// Round 1 is over by the time the link is opened.
	if _, err := f.pool.Exec(f.ctx, `UPDATE rounds SET date = $2 WHERE election_id = $1 AND number = 1`, f.e.ID, f.clock.Now().AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	sum, err := f.desk.PendingChange(f.ctx, plain)
	if err != nil || len(sum.Problems) != 1 || !strings.Contains(sum.Problems[0], "passé") {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	if _, ok := check.AsInvalid(f.desk.ConfirmChange(f.ctx, plain)); !ok {
		t.Fatal("a change that no longer passes was applied")
	}
	var phone string
	f.pool.QueryRow(f.ctx, `SELECT phone FROM proxy_requests WHERE id = $1`, req).Scan(&phone)
	if phone == "+33698765432" {
		t.Fatal("the phone changed")
	}
}

// Anyone can send the form with anyone's address: the entry changes only
// once the change is confirmed from that address, by its link, once.
func TestChangeWaitsForItsConfirmation(t *testing.T) {
	f := setup(t)
	vp := f.person("Paul", "04070", "2")
	vol := f.volunteer(t, vp, 10)
	forged := vp
	forged.FirstName, forged.LastName, forged.CommuneCode, forged.BureauCode = "Mallory", "Faussaire", "04112", "1"
	for range 2 {
		if s, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(forged, "1970-01-01", "99999991", 15)); err != nil || !s.Held {
			t.Fatalf("%+v, %v", s, err)
		}
	}
	stored := func() (first, voter, commune string) {
		f.pool.QueryRow(f.ctx, `SELECT first_name, voter_number, commune_code FROM proxy_volunteers WHERE id = $1`, vol).Scan(&first, &voter, &commune)
		return
	}
	if first, voter, commune := stored(); first != "Paul" || voter != nne(vp) || commune != "04070" {
		t.Fatalf("changed before any confirmation: %s %s %s", first, voter, commune)
	}
	// The link only shows the change.
	var body string
	f.pool.QueryRow(f.ctx, `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'proxy.change' ORDER BY id DESC LIMIT 1`, vp.Email).Scan(&body)
	plain := changeRe.FindStringSubmatch(body)[1]
	// The values as they would be stored, never the voter number.
	sum, err := f.desk.PendingChange(f.ctx, plain)
	lines := fmt.Sprint(sum.Lines)
	if err != nil || !strings.Contains(lines, "Mallory") || !strings.Contains(lines, "Manosque (04112)") || !strings.Contains(lines, "le 1er tour (") ||
		strings.Contains(lines, "99999991") || sum.Problems != nil {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	if first, _, _ := stored(); first != "Paul" {
		t.Fatal("showing the change applied it")
	}
	for _, bad := range []string{"", "not-a-token", plain + "x"} {
		if err := f.desk.ConfirmChange(f.ctx, bad); !errors.Is(err, check.ErrNotFound) {
			t.Fatalf("token %q: %v", bad, err)
		}
	}
	if err := f.desk.ConfirmChange(f.ctx, plain); err != nil {
		t.Fatal(err)
	}
	if first, voter, commune := stored(); first != "Mallory" || voter != "99999991" || commune != "04112" {
		t.Fatalf("after the confirmation: %s %s %s", first, voter, commune)
	}
	// Used, and the other change held for the entry went with it.
	if err := f.desk.ConfirmChange(f.ctx, plain); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("confirmed twice: %v", err)
	}
	var held int
	f.pool.QueryRow(f.ctx, `SELECT count(*) FROM pending_changes`).Scan(&held)
	if held != 0 {
		t.Fatalf("%d changes still held", held)
	}
	// A link expires.
	if _, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(vp, "1980-04-02", nne(vp), 10)); err != nil {
		t.Fatal(err)
	}
	f.pool.QueryRow(f.ctx, `SELECT body FROM outbox WHERE recipient = $1 AND kind = 'proxy.change' ORDER BY id DESC LIMIT 1`, vp.Email).Scan(&body)
	f.clock.Add(49 * time.Hour)
	if err := f.desk.ConfirmChange(f.ctx, changeRe.FindStringSubmatch(body)[1]); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("expired link: %v", err)
	}
}

func TestNewVolunteerGetsAnOfferWithAPrivateLink(t *testing.T) {
	f := setup(t)
	req := f.request(t, f.person("Jeanne", "04070", "2"))
	vp := f.person("Paul", "04070", "2")
	vol := f.volunteer(t, vp, 10)
	if got := f.liveOffers(t)[[2]int64{req, 1}]; got != vol {
		t.Fatalf("offer to %d, want %d", got, vol)
	}
	if s := f.roundStatus(t, req, 1); s != proxies.RoundProposed {
		t.Fatalf("round status %s", s)
	}
	body, tok := f.lastMessage(t, vp.Email, "proxy.offer")
	if !regexp.MustCompile(`Jeanne \(Digne-les-Bains\) cherche un·e mandataire pour le 1er tour`).MatchString(body) {
		t.Fatalf("offer message: %s", body)
	}
	owner, err := proxies.ResolveLink(f.ctx, f.pool, tok, f.clock.Now())
	if err != nil || owner.VolunteerID != vol {
		t.Fatalf("link opens %+v, %v", owner, err)
	}
	// The link dies after the election.
	if _, err := proxies.ResolveLink(f.ctx, f.pool, tok, f.e.LastRound().Date.AddDate(0, 0, 10)); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("link after the election: %v", err)
	}
}

func TestAPersonIsNeverTheirOwnMandataire(t *testing.T) {
	f := setup(t)
	p := f.person("Jeanne", "04070", "2")
	req := f.request(t, p)
	// Same e-mail on the volunteer side.
	f.volunteer(t, p, 10)
	// Same phone, another e-mail.
	q := f.person("Jeanne", "04070", "2")
	q.Phone = p.Phone
	if _, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(q, "1980-04-02", "99999999", 10)); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.liveOffers(t)[[2]int64{req, 1}]; ok {
		t.Fatalf("request offered to volunteer %d, the same person", got)
	}
}

func TestAcceptGivesTheMandantTheDetailsThreeTimes(t *testing.T) {
	f := setup(t)
	rp := f.person("Jeanne", "04070", "2", 1, 2)
	req := f.request(t, rp)
	vp := f.person("Paul", "04070", "1", 1, 2)
	vol := f.volunteer(t, vp, 10)
	if err := f.desk.Accept(f.ctx, vol, req); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2} {
		if s := f.roundStatus(t, req, n); s != proxies.RoundAccepted {
			t.Fatalf("round %d: %s", n, s)
		}
	}
	// A second answer is refused.
	if err := f.desk.Decline(f.ctx, vol, req); !isConflict(err) {
		t.Fatalf("decline after accept: %v", err)
	}
	body, _ := f.lastMessage(t, rp.Email, "proxy.accepted")
	if !regexp.MustCompile(`Paul Test accepte de porter votre procuration pour le 1er tour \(.*\) et le 2d tour`).MatchString(body) ||
		!regexp.MustCompile(`avec ces informations, pour le 1er tour \(.*\) et le 2d tour \(.*\) seulement\.`).MatchString(body) ||
		!strings.Contains(body, "avec votre pièce d'identité et la référence reçue par e-mail.") ||
		regexp.MustCompile(nne(vp)).MatchString(body) {
		t.Fatalf("mandant message (must name the volunteer, not give the NNE): %s", body)
	}
	page, err := proxies.LoadRequestPage(f.ctx, f.pool, req)
	if err != nil || page.Rounds[0].VolunteerName != "Paul Test" || page.Rounds[0].ViewsLeft != 3 {
		t.Fatalf("page %+v, %v", page, err)
	}
	for i := 1; i <= 3; i++ {
		ds, err := f.desk.RevealDetails(f.ctx, req)
		if err != nil {
			t.Fatalf("view %d: %v", i, err)
		}
		if len(ds) != 1 || ds[0].VoterNumber != nne(vp) || ds[0].BirthDate.Format(time.DateOnly) != "1980-04-02" || ds[0].ViewsLeft != 3-i {
			t.Fatalf("view %d: %+v", i, ds)
		}
	}
	if _, err := f.desk.RevealDetails(f.ctx, req); !isConflict(err) {
		t.Fatalf("fourth view: %v", err)
	}
	entries, err := staff.AuditLog(f.ctx, f.pool, staff.AuditFilter{Action: "proxy_volunteer.details_view"})
	if err != nil || len(entries) != 3 {
		t.Fatalf("%d audited views, %v", len(entries), err)
	}
	// The mandant confirms; the volunteer is told.
	if err := f.desk.ConfirmEstablished(f.ctx, req, 1); err != nil {
		t.Fatal(err)
	}
	if s := f.roundStatus(t, req, 1); s != proxies.RoundEstablished {
		t.Fatalf("round 1: %s", s)
	}
	if body, _ := f.lastMessage(t, vp.Email, "proxy.established"); !strings.Contains(body, "enregistrée sur service-public.fr (« Interroger sa situation électorale »)") {
		t.Fatalf("established message: %s", body)
	}
	if err := f.desk.ConfirmEstablished(f.ctx, req, 1); !isConflict(err) {
		t.Fatalf("confirming twice: %v", err)
	}
}

func isConflict(err error) bool {
	var c *check.Conflict
	return errors.As(err, &c)
}

func TestDeclineAndExpiryGoToTheNextCandidate(t *testing.T) {
	f := setup(t)
	req := f.request(t, f.person("Jeanne", "04070", "2"))
	near := f.volunteer(t, f.person("Near", "04070", "2"), 10)   // same bureau
	other := f.volunteer(t, f.person("Other", "04070", "3"), 10) // same commune
	third := f.volunteer(t, f.person("Third", "04049", "1"), 20) // 19 km away
	k := [2]int64{req, 1}
	if got := f.liveOffers(t)[k]; got != near {
		t.Fatalf("first offer to %d, want the same bureau's %d", got, near)
	}
	if err := f.desk.Decline(f.ctx, near, req); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	if got := f.liveOffers(t)[k]; got != other {
		t.Fatalf("after decline offer to %d, want %d", got, other)
	}
	// Nobody answers: the offer expires after 24 h (the round is weeks away).
	f.clock.Add(23 * time.Hour)
	if n, err := f.desk.ExpireOffers(f.ctx); err != nil || n != 0 {
		t.Fatalf("expired %d before the deadline, %v", n, err)
	}
	f.clock.Add(2 * time.Hour)
	if n, err := f.desk.ExpireOffers(f.ctx); err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	f.desk.Settle()
	if got := f.liveOffers(t)[k]; got != third {
		t.Fatalf("after expiry offer to %d, want %d", got, third)
	}
	if err := f.desk.Accept(f.ctx, other, req); !isConflict(err) {
		t.Fatalf("accepting an expired offer: %v", err)
	}
	// Declined and expired pairs are never proposed again, even by a batch
	// when the third volunteer leaves.
	if err := f.desk.WithdrawVolunteer(f.ctx, third, staff.ActorPublic); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.liveOffers(t)[k]; ok {
		t.Fatalf("request offered again to %d", got)
	}
	if s := f.roundStatus(t, req, 1); s != proxies.RoundOpen {
		t.Fatalf("round: %s", s)
	}
	// The request's staff page tells the whole story, though the matching
	// and the expiries file their audit entries under the election. (The
	// test's clock dates the offers, not the audit entries: only the
	// offers' events are in order here; Near's decline has its own entry.)
	d, err := f.desk.LoadRequestDetail(f.ctx, &staff.User{Email: "a@example.org", Role: staff.Admin}, req)
	if err != nil {
		t.Fatal(err)
	}
	var story []string
	declines := 0
	for i := len(d.History) - 1; i >= 0; i-- {
		if e := d.History[i]; e.Action == "" {
			story = append(story, e.Label())
		} else if e.Label() == "Proposition refusée" {
			declines++
		}
	}
	want := []string{
		"Proposition automatique à Near Test (1er tour)",
		"Proposition automatique à Other Test (1er tour)",
		"Proposition à Other Test expirée sans réponse (1er tour)",
		"Proposition automatique à Third Test (1er tour)",
		"Proposition à Third Test retirée (volontaire retiré·e) (1er tour)",
	}
	if !slices.Equal(story, want) || declines != 1 {
		t.Fatalf("history, oldest first:\n%s\nwant\n%s\n(and %d declines)", strings.Join(story, "\n"), strings.Join(want, "\n"), declines)
	}
}

func TestExpiryDelay(t *testing.T) {
	x := proxies.DefaultExpiry
	round := time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		before time.Duration
		want   time.Duration
	}{
		{10 * 24 * time.Hour, 24 * time.Hour},
		{4 * 24 * time.Hour, 24 * time.Hour},
		{3*24*time.Hour - time.Minute, 6 * time.Hour},
		{20 * time.Hour, 6 * time.Hour},
	}
	for _, tc := range tests {
		now := round.Add(-tc.before)
		if got := x.Deadline(now, round).Sub(now); got != tc.want {
			t.Errorf("%v before the round: %v, want %v", tc.before, got, tc.want)
		}
	}
}

// Two requests, two volunteers: R1 (Digne) can use V1 or V2, R2
// (Château-Arnoux, 19 km) only V1, who holds R1's unanswered offer. The
// instant path for R2 must swap: R1 to V2, R2 to V1, both volunteers told
// (V1 in one message: TestInstantMovedOfferIsOneMessage).
func TestUnansweredOfferIsSwappedSoThatBothAreServed(t *testing.T) {
	f := setup(t)
	v1p := f.person("Vera", "04070", "1")
	v1 := f.volunteer(t, v1p, 20)
	r1 := f.request(t, f.person("Rita", "04070", "4"))
	v2p := f.person("Victor", "04070", "2")
	v2 := f.volunteer(t, v2p, 1) // Digne only
	if got := f.liveOffers(t)[[2]int64{r1, 1}]; got != v1 {
		t.Fatalf("R1 offered to %d, want V1 %d (offers are kept unless worth changing)", got, v1)
	}
	r2 := f.request(t, f.person("Rémi", "04049", "1"))
	live := f.liveOffers(t)
	if live[[2]int64{r1, 1}] != v2 || live[[2]int64{r2, 1}] != v1 {
		t.Fatalf("after R2: R1→%d R2→%d, want R1→V2 %d, R2→V1 %d", live[[2]int64{r1, 1}], live[[2]int64{r2, 1}], v2, v1)
	}
	f.lastMessage(t, v2p.Email, "proxy.offer")
	if body, _ := f.lastMessage(t, v1p.Email, "proxy.offer"); !regexp.MustCompile(`(?s)Rita .*confiée à quelqu'un d'autre.*Rémi`).MatchString(body) {
		t.Fatalf("V1 not told of the move with the new offer: %s", body)
	}
}

func TestCancelAndWithdrawTellTheOtherSide(t *testing.T) {
	f := setup(t)
	rp := f.person("Jeanne", "04070", "2")
	req := f.request(t, rp)
	vp := f.person("Paul", "04070", "2")
	vol := f.volunteer(t, vp, 10)
	if err := f.desk.Accept(f.ctx, vol, req); err != nil {
		t.Fatal(err)
	}
	// The volunteer withdraws: the mandant is told and the round reopens.
	if err := f.desk.WithdrawVolunteer(f.ctx, vol, staff.ActorPublic); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	if body, _ := f.lastMessage(t, rp.Email, "proxy.withdrawn"); !regexp.MustCompile(`Paul Test ne peut plus porter votre procuration`).MatchString(body) {
		t.Fatalf("mandant message: %s", body)
	}
	if s := f.roundStatus(t, req, 1); s != proxies.RoundOpen {
		t.Fatalf("round after withdrawal: %s", s)
	}
	// Another volunteer gets it; the mandant cancels; that volunteer is told.
	wp := f.person("Wanda", "04070", "3")
	w := f.volunteer(t, wp, 10)
	if got := f.liveOffers(t)[[2]int64{req, 1}]; got != w {
		t.Fatalf("offer to %d, want %d", got, w)
	}
	if err := f.desk.CancelRequest(f.ctx, req); err != nil {
		t.Fatal(err)
	}
	if body, _ := f.lastMessage(t, wp.Email, "proxy.withdrawn"); !regexp.MustCompile(`annulée par la personne`).MatchString(body) {
		t.Fatalf("volunteer message: %s", body)
	}
	var subject string
	f.pool.QueryRow(f.ctx, `SELECT subject FROM outbox WHERE recipient = $1 AND kind = 'proxy.withdrawn' ORDER BY id DESC LIMIT 1`, wp.Email).Scan(&subject)
	if subject != "Procuration : la demande est annulée" {
		t.Fatalf("volunteer message's subject: %q", subject)
	}
	if s := f.roundStatus(t, req, 1); s != proxies.RoundCancelled {
		t.Fatalf("round after cancel: %s", s)
	}
	if len(f.liveOffers(t)) != 0 {
		t.Fatalf("live offers left: %v", f.liveOffers(t))
	}
	// Cancelling again (a second click) changes nothing and tells nobody.
	var before, after int
	f.pool.QueryRow(f.ctx, `SELECT count(*) FROM outbox`).Scan(&before)
	if err := f.desk.CancelRequest(f.ctx, req); !isConflict(err) {
		t.Fatalf("second cancel: %v", err)
	}
	f.pool.QueryRow(f.ctx, `SELECT count(*) FROM outbox`).Scan(&after)
	if after != before {
		t.Fatalf("a second cancel sent %d messages", after-before)
	}
	// The page's "show the details" says the request is cancelled, not
	// that nobody accepted it yet.
	if _, err := f.desk.RevealDetails(f.ctx, req); !isConflict(err) || !strings.Contains(err.Error(), "Votre demande est annulée") {
		t.Fatalf("details of a cancelled request: %v", err)
	}
}

// A second submission that ends an accepted pair (a round dropped, a new
// bureau) tells the other side, as a withdrawal or a cancellation does.
func TestResubmissionThatEndsAPairTellsTheOtherSide(t *testing.T) {
	f := setup(t)
	rp := f.person("Jeanne", "04070", "2", 1, 2)
	req := f.request(t, rp)
	vp := f.person("Paul", "04070", "2", 1, 2)
	vol := f.volunteer(t, vp, 10)
	if err := f.desk.Accept(f.ctx, vol, req); err != nil {
		t.Fatal(err)
	}
	// The volunteer signs up again for round 2 only.
	vp.Rounds = []int{2}
	if _, err := f.desk.SubmitVolunteer(f.ctx, proxies.NewVolunteerInput(vp, "1980-04-02", nne(vp), 10)); err != nil {
		t.Fatal(err)
	}
	f.confirmChange(t, vp.Email)
	if body, _ := f.lastMessage(t, rp.Email, "proxy.withdrawn"); !strings.Contains(body, "Paul Test ne peut plus porter votre procuration pour le 1er tour") {
		t.Fatalf("mandant message: %s", body)
	}
	if s := f.roundStatus(t, req, 2); s != proxies.RoundAccepted {
		t.Fatalf("round 2, still accepted by the volunteer: %s", s)
	}
	// The mandant moves to another bureau: the volunteer of round 2 no
	// longer votes there, and is told.
	rp.BureauCode = "3"
	if _, err := f.desk.SubmitRequest(f.ctx, proxies.RequestInput(rp)); err != nil {
		t.Fatal(err)
	}
	f.confirmChange(t, rp.Email)
	body, _ := f.lastMessage(t, vp.Email, "proxy.withdrawn")
	if !strings.Contains(body, "pour le 2d tour") || !strings.Contains(body, "a changé (autre bureau de vote ou autres tours)") ||
		!strings.Contains(body, "Vous n'avez donc plus à voter pour cette personne.") {
		t.Fatalf("volunteer message: %s", body)
	}
	var reasons []string
	rows, err := f.pool.Query(f.ctx, `SELECT round || ':' || reason FROM proxy_offers WHERE volunteer_id = $1 AND request_id = $2 AND status = 'withdrawn' ORDER BY round`, vol, req)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		reasons = append(reasons, s)
	}
	if strings.Join(reasons, " ") != "1:volunteer_changed 2:request_changed" {
		t.Fatalf("offers' reasons: %v", reasons)
	}
}
func TestReminderOncePerPairThreeDaysBefore(t *testing.T) {
	f := setup(t)
	rp := f.person("Jeanne", "04070", "2")
	req := f.request(t, rp)
	vol := f.volunteer(t, f.person("Paul", "04070", "2"), 10)
	if err := f.desk.Accept(f.ctx, vol, req); err != nil {
		t.Fatal(err)
	}
	if n, err := f.desk.SendReminders(f.ctx); err != nil || n != 0 {
		t.Fatalf("weeks before: %d reminders, %v", n, err)
	}
	r1, _ := f.e.Round(1)
	f.clock.Set(r1.Date.Add(-3*24*time.Hour + 10*time.Hour)) // Thursday 10:00 UTC
	for i, want := range []int{1, 0} {
		if n, err := f.desk.SendReminders(f.ctx); err != nil || n != want {
			t.Fatalf("run %d: %d reminders, %v", i, n, err)
		}
	}
	f.lastMessage(t, rp.Email, "proxy.reminder")
	// Without an SMS gateway, nothing is written for one.
	var texts int
	f.pool.QueryRow(f.ctx, `SELECT count(*) FROM outbox WHERE channel = 'sms'`).Scan(&texts)
	if texts != 0 {
		t.Fatalf("%d SMS without a gateway", texts)
	}
}

// With an SMS gateway, the mandant is also texted when the volunteer
// accepts and when the reminder goes, with the link of the e-mail.
func TestMandantTextedOnAcceptAndReminder(t *testing.T) {
	f := setup(t)
	f.desk.SMS = true
	rp := f.person("Jeanne", "04070", "2")
	req := f.request(t, rp)
	vol := f.volunteer(t, f.person("Paul", "04070", "2"), 10)
	if err := f.desk.Accept(f.ctx, vol, req); err != nil {
		t.Fatal(err)
	}
	r1, _ := f.e.Round(1)
	f.clock.Set(r1.Date.Add(-3*24*time.Hour + 10*time.Hour))
	if n, err := f.desk.SendReminders(f.ctx); err != nil || n != 1 {
		t.Fatalf("%d reminders, %v", n, err)
	}
	phone := "+33" + rp.Phone[1:]
	for kind, want := range map[string]string{
		"proxy.accepted": "Votre mandataire a accepté pour le " + r1.Date.Format("02/01") + " : établissez la procuration.\n",
		"proxy.reminder": "Vote le " + r1.Date.Format("02/01") + " : procuration établie ? Sinon, faites-la aujourd'hui.\n",
	} {
		_, mailed := f.lastMessage(t, rp.Email, kind)
		text, texted := f.lastMessage(t, phone, kind)
		if !strings.HasPrefix(text, want) || texted != mailed || notify.SMSSegments(text) != 1 {
			t.Errorf("%s SMS %q (link %s), e-mail link %s", kind, text, texted, mailed)
		}
	}
}

// Staff cannot give a volunteer a second proxy in a round, whether the
// first is accepted or still waits for an answer (Code électoral L73).
func TestManualMatchKeepsOneProxyPerRound(t *testing.T) {
	f := setup(t)
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	first := f.request(t, f.person("Jeanne", "04070", "2"))
	vol := f.volunteer(t, f.person("Paul", "04070", "2"), 10)
	if got := f.liveOffers(t)[[2]int64{first, 1}]; got != vol {
		t.Fatalf("offer to %d, want %d", got, vol)
	}
	second := f.request(t, f.person("Louise", "04070", "2"))
	// Pending, then accepted: either way Paul's one place is taken.
	for _, accept := range []bool{false, true} {
		if accept {
			if err := f.desk.Accept(f.ctx, vol, first); err != nil {
				t.Fatal(err)
			}
		}
		err := f.desk.ManualMatch(f.ctx, admin, second, 1, vol)
		if !isConflict(err) || !strings.Contains(err.Error(), "n'a plus de place au 1er tour") {
			t.Fatalf("accepted %v: a second proxy for the round: %v", accept, err)
		}
	}
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM proxy_offers WHERE volunteer_id = $1 AND status IN ('pending', 'accepted')`, vol).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d live offers, %v", n, err)
	}
	if s := f.roundStatus(t, second, 1); s != proxies.RoundOpen {
		t.Fatalf("second request: %s", s)
	}
}

func TestStaffSeeOnlyTheirScope(t *testing.T) {
	f := setup(t)
	digne := f.request(t, f.person("Jeanne", "04070", "2"))
	paris := f.request(t, f.person("Thomas", "75104", "13"))
	org04 := &staff.User{Email: "o@example.org", Role: staff.Organizer, Scope: []string{"04"}}
	viewer := &staff.User{Email: "v@example.org", Role: staff.Viewer, Scope: []string{"04"}}
	if _, err := proxies.GetRequest(f.ctx, f.pool, org04, paris); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("Paris request seen from 04: %v", err)
	}
	r, err := proxies.GetRequest(f.ctx, f.pool, org04, digne)
	if err != nil || r.Status != proxies.RoundOpen || r.CommuneCode != "04070" {
		t.Fatalf("%+v, %v", r, err)
	}
	q, err := proxies.ListQueue(f.ctx, f.pool, org04, proxies.Filter{Status: proxies.RoundOpen, Limit: 50})
	if err != nil || q.Rounds != 1 || q.Entries[0].RequestID != digne {
		t.Fatalf("queue %+v, %v", q, err)
	}
	vol := f.volunteer(t, f.person("Paul", "04070", "1"), 10)
	if err := f.desk.Unmatch(f.ctx, viewer, digne, 1); !errors.Is(err, check.ErrForbidden) {
		t.Fatalf("viewer unmatching: %v", err)
	}
	if err := f.desk.Unmatch(f.ctx, org04, digne, 1); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	if _, ok := f.liveOffers(t)[[2]int64{digne, 1}]; ok {
		t.Fatal("an unmatched pair was proposed again")
	}
	if err := f.desk.ManualMatch(f.ctx, org04, paris, 1, vol); !errors.Is(err, check.ErrNotFound) {
		t.Fatalf("manual match outside scope: %v", err)
	}
	other := f.volunteer(t, f.person("Lise", "04112", "1"), 1) // Manosque, 1 km: no candidate for Digne
	if err := f.desk.ManualMatch(f.ctx, org04, digne, 1, other); err != nil {
		t.Fatal(err)
	}
	if got := f.liveOffers(t)[[2]int64{digne, 1}]; got != other {
		t.Fatalf("manual match: offer to %d", got)
	}
	// The request's updated_at follows its rounds' statuses.
	before := r.UpdatedAt
	f.clock.Add(time.Hour)
	if err := f.desk.Unmatch(f.ctx, org04, digne, 1); err != nil {
		t.Fatal(err)
	}
	if r, err = proxies.GetRequest(f.ctx, f.pool, org04, digne); err != nil || !r.UpdatedAt.After(before) {
		t.Fatalf("updated_at %v after a change at %v (was %v), %v", r.UpdatedAt, f.clock.Now(), before, err)
	}
	if err := f.desk.ManualMatch(f.ctx, org04, digne, 1, other); err != nil {
		t.Fatal(err)
	}
	// Staff chose that pair: a batch, which would not have proposed it,
	// leaves it standing.
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.liveOffers(t)[[2]int64{digne, 1}]; got != other {
		t.Fatalf("after a batch: offer to %d, want the staff's %d", got, other)
	}
	// Proposing it again to the same person changes nothing, and tells
	// them nothing.
	if err := f.desk.ManualMatch(f.ctx, org04, digne, 1, other); !isConflict(err) {
		t.Fatalf("same volunteer again: %v", err)
	}
	// A Paris volunteer, neither in the 04 nor a candidate, is unknown to
	// the 04 organizer, as one that does not exist.
	far := f.volunteer(t, f.person("Chloé", "75104", "13"), 5)
	for _, id := range []int64{far, far + 1000} {
		if inv, ok := check.AsInvalid(f.desk.ManualMatch(f.ctx, org04, digne, 1, id)); !ok || inv.Fields["volunteer_id"] != "Volontaire inconnu·e pour cette élection." {
			t.Fatalf("volunteer %d outside the scope: %v", id, inv)
		}
	}
	// A refusal is final, for staff too.
	if err := f.desk.Decline(f.ctx, other, digne); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	if err := f.desk.ManualMatch(f.ctx, org04, digne, 1, other); !isConflict(err) {
		t.Fatalf("declined volunteer proposed again: %v", err)
	}
	// Unmatched earlier by staff, Paul may be proposed again by staff.
	if err := f.desk.ManualMatch(f.ctx, org04, digne, 1, vol); err != nil {
		t.Fatal(err)
	}
	c, err := proxies.DashboardCounts(f.ctx, f.pool, org04, f.clock.Now())
	if err != nil || c.Proposed != 1 || c.Open != 0 || c.Volunteers != 2 {
		t.Fatalf("counts %+v, %v", c, err)
	}
	// Staff give it to someone else: Paul is told the team did, not that
	// someone closer was found.
	marc := f.volunteer(t, f.person("Marc", "04070", "2"), 10)
	f.desk.Settle()
	if err := f.desk.ManualMatch(f.ctx, org04, digne, 1, marc); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := f.pool.QueryRow(f.ctx, `SELECT o.body FROM outbox o JOIN proxy_volunteers v ON v.email = o.recipient
		WHERE v.id = $1 AND o.kind = 'proxy.withdrawn' ORDER BY o.id DESC LIMIT 1`, vol).Scan(&body); err != nil ||
		!strings.Contains(body, "a été confiée par l'équipe à un·e autre volontaire") {
		t.Fatalf("message to the volunteer left: %q, %v", body, err)
	}
}

func TestDemoLoader(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	// Loaded for a server elsewhere than the default address: the links
	// in its messages lead there.
	if err := demo.Load(ctx, pool, time.Now(), "https://campagne.example.org", proxies.LoadDemo); err != nil {
		t.Fatal(err)
	}
	var linked, elsewhere int
	pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE body LIKE '%https://campagne.example.org/%'),
		count(*) FILTER (WHERE body LIKE '%127.0.0.1%') FROM outbox`).Scan(&linked, &elsewhere)
	if linked == 0 || elsewhere != 0 {
		t.Errorf("demo messages: %d with links to the server, %d to another address", linked, elsewhere)
	}
	counts := map[string]int{}
	rows, _ := pool.Query(ctx, `SELECT status, count(*) FROM proxy_request_rounds GROUP BY status`)
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		counts[s] = n
	}
	rows.Close()
	for _, s := range []string{proxies.RoundOpen, proxies.RoundProposed, proxies.RoundAccepted, proxies.RoundEstablished} {
		if counts[s] == 0 {
			t.Errorf("demo has no %s request round: %v", s, counts)
		}
	}
	// Loading again adds nothing.
	if err := demo.Load(ctx, pool, time.Now(), "", proxies.LoadDemo); err != nil {
		t.Fatal(err)
	}
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM proxy_requests`).Scan(&n)
	if n != 6 {
		t.Fatalf("%d requests after loading twice", n)
	}
}

// A request given back to a volunteer reads once on their page, as what it
// is now, not also as the offer withdrawn before.
func TestVolunteerPageShowsALiveRequestOnce(t *testing.T) {
	f := setup(t)
	admin := &staff.User{Email: "a@example.org", Role: staff.Admin}
	req := f.request(t, f.person("Jeanne", "04070", "1"))
	anna := f.volunteer(t, f.person("Anna", "04070", "1"), 10)
	bob := f.volunteer(t, f.person("Bob", "04070", "2"), 10)
	f.desk.Settle()
	for _, v := range []int64{bob, anna} {
		if f.liveOffers(t)[[2]int64{req, 1}] == v {
			continue
		}
		if err := f.desk.ManualMatch(f.ctx, admin, req, 1, v); err != nil {
			t.Fatal(err)
		}
	}
	if f.liveOffers(t)[[2]int64{req, 1}] != anna {
		t.Fatal("the request is not Anna's")
	}
	page, err := proxies.LoadVolunteerPage(f.ctx, f.pool, anna, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Offers) != 1 || !page.Offers[0].Pending() {
		t.Fatalf("Anna's page: %+v", page.Offers)
	}
}

// French elides "de" before a vowel: "la procuration d'Anne".
func TestMessagesElideDe(t *testing.T) {
	f := setup(t)
	req := f.request(t, f.person("Anne", "04070", "2"))
	vp := f.person("Paul", "04070", "2")
	vol := f.volunteer(t, vp, 10)
	if err := f.desk.Accept(f.ctx, vol, req); err != nil {
		t.Fatal(err)
	}
	if body, _ := f.lastMessage(t, vp.Email, "proxy.accepted"); !strings.Contains(body, "Vous avez accepté de porter la procuration d'Anne Test") {
		t.Fatalf("accepted message: %s", body)
	}
}

// A run that tells many volunteers writes their messages on a second
// connection too (notify.Stage): each message is still listed and sent
// once the run commits, and its private link opens the volunteer's page.
func TestOfferMessagesWrittenBesideTheRun(t *testing.T) {
	defer proxies.SetStageFrom(1)()
	f := setup(t)
	req := f.request(t, f.person("Jeanne", "04070", "2"))
	vp := f.person("Paul", "04070", "2")
	vol := f.volunteer(t, vp, 10)
	if got := f.liveOffers(t)[[2]int64{req, 1}]; got != vol {
		t.Fatalf("offer to %d, want %d", got, vol)
	}
	page, err := notify.List(f.ctx, f.pool, notify.Filter{Kind: "proxy.offer", Recipient: vp.Email})
	if err != nil || page.Total != 1 {
		t.Fatalf("the Messages page lists %d offers to the volunteer (%v), want 1", page.Total, err)
	}
	// The second connection's hold was released (it may have written none
	// of the messages: the run's transaction writes those it has not
	// taken yet, notify.Shared).
	var released, unreleased int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FILTER (WHERE released_at IS NOT NULL), count(*) FILTER (WHERE released_at IS NULL)
		FROM outbox_holds`).Scan(&released, &unreleased); err != nil {
		t.Fatal(err)
	}
	if released == 0 || unreleased != 0 {
		t.Fatalf("%d holds released, %d not", released, unreleased)
	}
	_, tok := f.lastMessage(t, vp.Email, "proxy.offer")
	owner, err := proxies.ResolveLink(f.ctx, f.pool, tok, f.clock.Now())
	if err != nil || owner.VolunteerID != vol {
		t.Fatalf("link opens %+v, %v", owner, err)
	}
}

// batchSetup is setup for tests of the batch alone: no instant matching,
// and its messages written beside its transaction however few.
func batchSetup(t *testing.T) *fixture {
	t.Helper()
	t.Cleanup(proxies.SetStageFrom(1))
	f := setup(t)
	f.desk.InstantOff = true
	return f
}

// A batch writes the offers the plan settles first (volunteers to spare
// around these requests) while it solves the rest: each request round
// gets one offer, each volunteer at most one message, and running the
// batch again changes nothing.
func TestBatchWritesSettledOffersOnce(t *testing.T) {
	f := batchSetup(t)
	var reqs []int64
	for i := 0; i < 40; i++ {
		reqs = append(reqs, f.request(t, f.person("Marie", "04070", "")))
	}
	var vols []proxies.Person
	for i := 0; i < 60; i++ {
		p := f.person("Luc", "04070", "")
		f.volunteer(t, p, 10)
		vols = append(vols, p)
	}
	res, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Early < len(reqs) || res.Early > res.Proposed {
		t.Fatalf("%d offers written early of %d proposed, want the %d requests of Digne among them", res.Early, res.Proposed, len(reqs))
	}
	live := f.liveOffers(t)
	for _, r := range reqs {
		if live[[2]int64{r, 1}] == 0 || f.roundStatus(t, r, 1) != proxies.RoundProposed {
			t.Fatalf("request %d: offer to %d, status %s", r, live[[2]int64{r, 1}], f.roundStatus(t, r, 1))
		}
	}
	told := 0
	for _, p := range vols {
		page, err := notify.List(f.ctx, f.pool, notify.Filter{Kind: "proxy.offer", Recipient: p.Email})
		if err != nil || page.Total > 1 {
			t.Fatalf("%s was told %d times (%v)", p.Email, page.Total, err)
		}
		told += int(page.Total)
	}
	if told != len(reqs) {
		t.Fatalf("%d volunteers told, want %d", told, len(reqs))
	}
	again, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{})
	if err != nil || again.Proposed+again.Moved+again.Withdrawn != 0 {
		t.Fatalf("second batch: %+v, %v", again, err)
	}
}

// A batch writes the links of the volunteers its plan is sure to use
// before it knows their requests (Options.Saturated); every link the run
// leaves is in one of its messages and opens its recipient's page, even
// when a volunteer gets one message for two rounds.
func TestBatchLinksAreThoseOfItsMessages(t *testing.T) {
	f := batchSetup(t)
	both := f.request(t, f.person("Alice", "04070", "1", 1, 2))
	for i := 0; i < 5; i++ {
		f.request(t, f.person("Marie", "04070", "1", 1))
		f.request(t, f.person("Nina", "04070", "1", 2))
	}
	vols := map[string]int64{}
	for i := 0; i < 3; i++ {
		p := f.person("Luc", "04070", "1", 1, 2)
		vols[p.Email] = f.volunteer(t, p, 10)
	}
	var before int64
	if err := f.pool.QueryRow(f.ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	run := f.clock.Now()
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.pool.Query(f.ctx, `SELECT recipient, body FROM outbox WHERE id > $1 AND kind = 'proxy.offer'`, before)
	if err != nil {
		t.Fatal(err)
	}
	type msg struct{ Recipient, Body string }
	msgs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[msg])
	if err != nil {
		t.Fatal(err)
	}
	var links int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM proxy_links WHERE created_at = $1`, run).Scan(&links); err != nil {
		t.Fatal(err)
	}
	if links != len(msgs) {
		t.Fatalf("the run left %d links for %d offer messages", links, len(msgs))
	}
	mine := 0
	for _, m := range msgs {
		tok := linkRe.FindStringSubmatch(m.Body)
		if tok == nil {
			t.Fatalf("no link in %q", m.Body)
		}
		owner, err := proxies.ResolveLink(f.ctx, f.pool, tok[1], run)
		if err != nil || vols[m.Recipient] != 0 && owner.VolunteerID != vols[m.Recipient] {
			t.Fatalf("the link sent to %s opens %+v (%v)", m.Recipient, owner, err)
		}
		if vols[m.Recipient] != 0 {
			mine++
		}
	}
	// Alice's volunteer for both rounds has one message for the two.
	v1 := f.liveOffers(t)[[2]int64{both, 1}]
	if v2 := f.liveOffers(t)[[2]int64{both, 2}]; v1 == 0 || v1 != v2 {
		t.Fatalf("Alice's rounds go to volunteers %d and %d, want one for both", v1, v2)
	}
	if mine != 5 {
		t.Fatalf("%d offer messages to the three volunteers, want 5 (one for Alice's two rounds)", mine)
	}
}

// With an SMS gateway, each offer also goes by SMS to the volunteer's
// phone, with the link of its e-mail; the batch writes both (on its two
// connections).
func TestOffersAlsoGoBySMSWithAGateway(t *testing.T) {
	f := batchSetup(t)
	f.desk.SMS = true
	for i := 0; i < 4; i++ {
		f.request(t, f.person("Marie", "04070", "1"))
	}
	emailOf := map[string]string{} // volunteer's phone (E.164) -> e-mail
	for i := 0; i < 3; i++ {
		p := f.person("Luc", "04070", "1")
		f.volunteer(t, p, 10)
		emailOf["+33"+p.Phone[1:]] = p.Email
	}
	// A landline takes no SMS: its offer goes by e-mail only.
	fixed := f.person("Léa", "04070", "1")
	fixed.Phone = "04 92 30 52 00"
	f.volunteer(t, fixed, 10)
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.pool.Query(f.ctx, `SELECT channel, recipient, body FROM outbox WHERE kind = 'proxy.offer' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type msg struct{ Channel, Recipient, Body string }
	msgs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[msg])
	if err != nil {
		t.Fatal(err)
	}
	mailed := map[string]string{} // e-mail -> link
	var emails int
	var texts []msg
	for _, m := range msgs {
		tok := linkRe.FindString(m.Body)
		switch m.Channel {
		case "email":
			mailed[m.Recipient] = tok
			emails++
		case "sms":
			texts = append(texts, m)
		}
	}
	if emails != 4 || len(mailed) != 4 || len(texts) != 3 {
		t.Fatalf("%d e-mails (to %d people) and %d SMS for 4 offers, one to a landline: %+v", emails, len(mailed), len(texts), msgs)
	}
	sms := regexp.MustCompile(`^Procuration à porter le \d\d/\d\d : répondez avant le \d\d/\d\d à \d\dh\d\d\.\n` +
		`http://test/procuration/t/[A-Za-z0-9_-]+$`)
	for _, m := range texts {
		if !sms.MatchString(m.Body) || notify.SMSSegments(m.Body) != 1 {
			t.Errorf("SMS: %q", m.Body)
		}
		if link := linkRe.FindString(m.Body); emailOf[m.Recipient] == "" || link != mailed[emailOf[m.Recipient]] {
			t.Errorf("SMS to %s carries %s, its e-mail %s", m.Recipient, link, mailed[emailOf[m.Recipient]])
		}
	}
}

// A batch proposes the open request rounds it serves, and leaves the
// others open as they were: their queue age (status_at) does not move.
func TestBatchLeavesUnservedRoundsAsTheyWere(t *testing.T) {
	f := batchSetup(t)
	var mine []int64
	for i := 0; i < 3; i++ {
		mine = append(mine, f.request(t, f.person("Marie", "04070", "")))
	}
	f.volunteer(t, f.person("Luc", "04070", ""), 10)
	type round struct {
		status string
		at     time.Time
	}
	rounds := func() map[[2]int64]round {
		rows, err := f.pool.Query(f.ctx, `SELECT rr.request_id, rr.round, rr.status, rr.status_at
			FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id WHERE r.election_id = $1`, f.e.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[[2]int64]round{}
		for rows.Next() {
			var id int64
			var n int16
			var r round
			if err := rows.Scan(&id, &n, &r.status, &r.at); err != nil {
				t.Fatal(err)
			}
			out[[2]int64{id, int64(n)}] = r
		}
		return out
	}
	before := rounds()
	f.clock.Add(time.Hour)
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	after := rounds()
	proposed := 0
	for k, b := range before {
		a := after[k]
		switch {
		case b.status == proxies.RoundOpen && a.status == proxies.RoundProposed:
			if d := a.at.Sub(f.clock.Now()); d <= -time.Microsecond || d >= time.Microsecond {
				t.Errorf("round %v proposed as of %v, want the run's time %v", k, a.at, f.clock.Now())
			}
			if slices.Contains(mine, k[0]) {
				proposed++
			}
		case a.status != b.status || !a.at.Equal(b.at):
			t.Errorf("round %v: %s as of %v, now %s as of %v", k, b.status, b.at, a.status, a.at)
		}
	}
	if proposed != 1 {
		t.Fatalf("%d of the 3 requests of Digne proposed, want 1 (one volunteer)", proposed)
	}
	// A run that finds nothing new changes nothing.
	f.clock.Add(time.Hour)
	if _, err := f.desk.Match(f.ctx, f.e.ID, proxies.MatchOptions{}); err != nil {
		t.Fatal(err)
	}
	same := func(a, b round) bool { return a.status == b.status && a.at.Equal(b.at) }
	if again := rounds(); !maps.EqualFunc(again, after, same) {
		t.Fatalf("second run changed the rounds:\n%v\nwas\n%v", again, after)
	}
}

package proxies_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// A round that changes status keeps its place in the queue: the age shown
// and sorted on is the person's wait since the request came, the time in
// the status comes beside it; the dashboard counts people waiting.
func TestQueueKeepsThePersonsWait(t *testing.T) {
	f := setup(t)
	admin := &staff.User{Email: "admin@example.org", Role: staff.Admin}
	anne := f.request(t, f.person("Anne", "04112", "1", 1, 2))
	f.clock.Add(time.Hour)
	bruno := f.request(t, f.person("Bruno", "04112", "1"))
	f.clock.Add(time.Hour)
	// Staff propose Anne's first round to a volunteer of Digne, who stays
	// within 1 km, and withdraw him an hour later.
	far := f.volunteer(t, f.person("Paul", "04070", "2"), 1)
	if err := f.desk.ManualMatch(f.ctx, admin, anne, 1, far); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	if err := f.desk.StaffWithdrawVolunteer(f.ctx, admin, far); err != nil {
		t.Fatal(err)
	}
	f.desk.Settle()
	if s := f.roundStatus(t, anne, 1); s != proxies.RoundOpen {
		t.Fatalf("Anne's round 1: %s", s)
	}

	now := f.clock.Now()
	flt := proxies.Filter{Status: proxies.RoundOpen, Commune: "04112"}
	if err := flt.Normalize(f.ctx, f.pool, false); err != nil {
		t.Fatal(err)
	}
	l, err := proxies.ListQueue(f.ctx, f.pool, admin, flt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range l.Entries {
		got = append(got, fmt.Sprintf("n° %d tour %d : %s · %s", e.RequestID, e.Round, e.Age(now), e.StatusSince(now)))
	}
	want := []string{
		fmt.Sprintf("n° %d tour 1 : il y a 3 h · en recherche depuis un instant", anne),
		fmt.Sprintf("n° %d tour 2 : il y a 3 h · ", anne),
		fmt.Sprintf("n° %d tour 1 : il y a 2 h · ", bruno),
	}
	if !slices.Equal(got, want) || l.Rounds != 3 || l.Requests != 2 {
		t.Fatalf("queue, %d rounds of %d requests:\n%s\nwant 3 of 2:\n%s", l.Rounds, l.Requests, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The API tells the same: received at created_at, round 1 open since
	// status_at.
	r, err := proxies.GetRequest(f.ctx, f.pool, admin, anne)
	if err != nil {
		t.Fatal(err)
	}
	if wait := now.Sub(r.CreatedAt); wait < 3*time.Hour || wait > 3*time.Hour+time.Minute || len(r.Rounds) != 2 || !r.Rounds[0].StatusAt.Equal(l.Entries[0].StatusAt) ||
		!r.Rounds[1].StatusAt.Equal(r.CreatedAt) {
		t.Fatalf("Anne's request in the API: %+v", r)
	}
	// Two people wait (three rounds): the dashboard says 2 requests.
	c, err := proxies.DashboardCounts(f.ctx, f.pool, admin, now)
	if err != nil || c.Open != 2 {
		t.Fatalf("dashboard: %d requests without a volunteer (%v), want 2", c.Open, err)
	}
}

package proxies

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// What staff read and do, always within their scope: every query binds
// u.ScopeArg() to in_scope(commune_code, $n), and a record outside scope is
// check.ErrNotFound.
//
// This file holds what the staff desk shares: the list filter and its
// paging, ages in French, the dashboard counts and the election a command
// is about. What staff do is in the staff*.go files: the queue and the list
// of requests (staffqueue.go), the list of volunteers (staffvolunteers.go),
// a request's page (staffrequestpage.go) with its ranked candidates
// (staffcandidates.go) and the offers' history (staffhistory.go, shared
// with the volunteer's page in volunteerdesk.go), and pairing by hand
// (staffmatch.go).

// Filter narrows staff lists.
type Filter struct {
	Election    string // slug; empty: every election
	Status      string // a round status (requests) or volunteer status
	Departement string
	Commune     string
	Round       int
	// RoundParam is the round as a query string gives it ("": none):
	// Normalize reads it into Round, refusing what is not a number or not
	// a round of the election, rather than ignoring it.
	RoundParam string
	Limit      int
	Offset     int
	// After is the keyset cursor of the lists of volunteers and requests:
	// rows with an id above it (the previous page's NextAfter). Unlike
	// Offset, a deep page costs what the first one does.
	After int64
}

// Normalize checks a filter given in a query string. An election that
// does not exist is an error, not an empty list.
func (f *Filter) Normalize(ctx context.Context, q pgdb.Q, forVolunteers bool) error {
	errs := check.Errors{}
	var e *elections.Election
	if f.Election = elections.NormalizeSlug(f.Election); f.Election != "" {
		found, err := elections.BySlug(ctx, q, f.Election)
		switch {
		case errors.Is(err, check.ErrNotFound):
			errs.Add("election", "Élection inconnue.")
		case err != nil:
			return err
		default:
			e = found
		}
	}
	f.Status = strings.TrimSpace(f.Status)
	valid := []string{"", RoundOpen, RoundProposed, RoundAccepted, RoundEstablished, RoundCancelled}
	if forVolunteers {
		valid = []string{"", VolunteerActive, VolunteerAvailable, VolunteerOffered, VolunteerCarrying, VolunteerWithdrawn}
	}
	if !slices.Contains(valid, f.Status) {
		errs.Add("status", "Statut inconnu.")
	}
	if err := f.checkPlace(errs); err != nil {
		return err
	}
	f.checkRound(errs, e)
	f.Limit = f.pageSize()
	if f.Offset < 0 {
		f.Offset = 0
	}
	if f.After < 0 {
		f.After = 0
	}
	if f.After > 0 && f.Offset > 0 {
		// Both would skip rows: a page is one or the other.
		errs.Add("offset", "Utilisez after (le next_after de la page précédente) ou offset, pas les deux.")
	}
	return errs.Err()
}

// checkPlace reads the place as every staff view reads it
// (places.CheckArea; the scope is the caller's to check, with the user).
// The département and the commune are checked each on its own first, so
// that both are reported when both are bad (CheckArea stops at the
// commune), then together: a commune must be in the département given.
// It returns only errors that are not the filter's (none today).
func (f *Filter) checkPlace(errs check.Errors) error {
	bad := false
	for _, place := range [][2]string{{f.Departement, ""}, {"", f.Commune}} {
		_, _, err := places.CheckArea(nil, place[0], place[1])
		merged, err := errs.Merge(err)
		if err != nil {
			return err
		}
		bad = bad || merged
	}
	if bad {
		return nil
	}
	dep, commune, err := places.CheckArea(nil, f.Departement, f.Commune)
	if merged, err := errs.Merge(err); merged || err != nil {
		return err
	}
	f.Departement, f.Commune = dep, commune
	return nil
}

// checkRound reads RoundParam into Round and checks the round: 1 or 2,
// and with an election, one of its rounds (e nil: every election).
func (f *Filter) checkRound(errs check.Errors, e *elections.Election) {
	param := f.RoundParam
	if param == "" && f.Round != 0 {
		param = strconv.Itoa(f.Round) // set by a caller in Go
	}
	f.Round = elections.ListRound(errs, "round", param, e)
}

// pageSize is the filter's page: its Limit, 200 when it gives none, 1,000
// at most.
func (f Filter) pageSize() int {
	if f.Limit <= 0 {
		return 200
	}
	return min(f.Limit, 1000)
}

// keysetPage cuts rows, read one beyond a page of limit, to the page, and
// gives the cursor of the next one (0: the last page).
func keysetPage[T any](rows []T, limit int, id func(T) int64) ([]T, int64) {
	var next int64
	if len(rows) > limit {
		rows = rows[:limit]
		next = id(rows[limit-1])
	}
	if rows == nil {
		rows = []T{}
	}
	return rows, next
}

// agoText is how long ago, in French: "il y a 3 min", "à l'instant"
// under a minute.
func agoText(d time.Duration) string {
	if d < time.Minute {
		return "à l'instant"
	}
	return "il y a " + humanAge(d)
}

func humanAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
	return fmt.Sprintf("%d j", int(d.Hours()/24))
}

// Counts are the dashboard figures for u's scope, over rounds still ahead.
type Counts struct {
	// Open is the requests (people) with a round still without a
	// volunteer, however many of their rounds are: the dashboard's
	// "Demandes sans volontaire", the queue's requests when filtered on
	// open rounds.
	Open int64
	// Proposed, Accepted and Established count request rounds: an offer,
	// a proxy each.
	Proposed, Accepted, Established int64
	Volunteers                      int64 // active (not withdrawn)
	// VolunteerSituations splits them as the volunteer list does.
	VolunteerSituations VolunteerCounts
}

// DashboardCounts counts requests waiting for a volunteer, request rounds
// by status beyond and volunteers by situation, for the elections with a
// round ahead.
func DashboardCounts(ctx context.Context, q pgdb.Q, u *staff.User, now time.Time) (Counts, error) {
	var c Counts
	today := elections.Today(now)
	err := q.QueryRow(ctx, `
		SELECT count(DISTINCT r.id) FILTER (WHERE rr.status = 'open'), count(*) FILTER (WHERE rr.status = 'proposed'),
			count(*) FILTER (WHERE rr.status = 'accepted'), count(*) FILTER (WHERE rr.status = 'established')
		FROM proxy_request_rounds rr JOIN proxy_requests r ON r.id = rr.request_id
		JOIN rounds rd ON rd.election_id = r.election_id AND rd.number = rr.round
		WHERE in_scope(r.commune_code, $1) AND rd.date >= $2`, u.ScopeArg(), today).Scan(&c.Open, &c.Proposed, &c.Accepted, &c.Established)
	if err != nil {
		return c, err
	}
	err = volunteerReads(ctx, q, func(q pgdb.Q) error {
		var err error
		c.VolunteerSituations, err = countVolunteers(ctx, q, "", `EXISTS (SELECT 1 FROM rounds x WHERE x.election_id = v.election_id AND x.date >= $2)`,
			u.ScopeArg(), today)
		return err
	})
	c.Volunteers = c.VolunteerSituations.Active()
	return c, err
}

// ElectionID resolves an election slug (or the only open one) for staff
// commands and pages.
func ElectionID(ctx context.Context, q pgdb.Q, slug string, now time.Time) (int64, string, error) {
	e, err := elections.Resolve(ctx, q, slug, "election", now)
	if err != nil {
		return 0, "", err
	}
	return e.ID, e.Slug, nil
}

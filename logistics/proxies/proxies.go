// Package proxies is the proxy-vote (procuration) capability: voters who
// need a mandataire (requests), volunteers who can carry a proxy, the
// offers that pair them, and their life from the public forms to the proxy
// established on maprocuration.gouv.fr. Rules: DOMAIN.md §2.
//
// The matching engine (plan*.go) computes assignments; this package loads
// its input from PostgreSQL, writes its result as offers and drives every
// state change in one transaction with its audit row and its messages.
package proxies

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/places"
)

// Request round statuses.
const (
	RoundOpen        = "open"
	RoundProposed    = "proposed"
	RoundAccepted    = "accepted"
	RoundEstablished = "established"
	RoundCancelled   = "cancelled"
)

// Offer statuses.
const (
	OfferPending   = "pending"
	OfferAccepted  = "accepted"
	OfferDeclined  = "declined"
	OfferExpired   = "expired"
	OfferWithdrawn = "withdrawn"
)

// Volunteer statuses.
const (
	VolunteerActive    = "active"
	VolunteerWithdrawn = "withdrawn"
)

// MaxDetailViews is how many times the mandant of an accepted offer may
// display the volunteer's NNE and birth date; after that the page asks
// them to contact the team (DOMAIN.md: throttle "send me the details").
const MaxDetailViews = 3

// DefaultMaxDistanceKm is a volunteer's travel limit when they give none.
const DefaultMaxDistanceKm = 10

// MaxTravelKm caps the distance between a volunteer and the bureau they
// would vote in, whatever the volunteer accepts (Desk.GlobalMaxKm); a
// volunteer's own limit is at most this much.
const MaxTravelKm = 20

// lockClass is the first key of the per-election advisory locks
// (pg_advisory_xact_lock(lockClass, election_id)): matching runs take it
// exclusively, state changes share it, so that a run never writes from a
// snapshot that a concurrent accept or cancel has made stale.
const lockClass = 7303

// Expiry is how long a volunteer has to answer an offer.
type Expiry struct {
	Default time.Duration // 24 h unless configured
	Late    time.Duration // used when the round is less than LateWindow away
	// LateWindow: in the last days before a round, an unanswered offer must
	// move on faster or the proxy will not be made in time.
	LateWindow time.Duration
}

// DefaultExpiry: 24 h, 6 h in the last 3 days before the round.
var DefaultExpiry = Expiry{Default: 24 * time.Hour, Late: 6 * time.Hour, LateWindow: 72 * time.Hour}

// Deadline is when an offer made at now for a round on roundDate expires.
func (x Expiry) Deadline(now, roundDate time.Time) time.Time {
	d := x.Default
	if d <= 0 {
		d = DefaultExpiry.Default
	}
	late, window := x.Late, x.LateWindow
	if late <= 0 {
		late = DefaultExpiry.Late
	}
	if window <= 0 {
		window = DefaultExpiry.LateWindow
	}
	if roundDate.Sub(now) < window && late < d {
		d = late
	}
	return now.Add(d)
}

// Desk is the campaign's procuration desk: what every entry point (pages,
// API, CLI, workers) calls to change proxy data. It holds the settings
// that state changes need (links in messages, clock, expiry) and runs the
// instant matching after each change that frees or adds capacity.
type Desk struct {
	Pool    *pgxpool.Pool
	BaseURL string           // prefix of private links in messages
	Now     func() time.Time // time.Now unless a test freezes it
	Expiry  Expiry
	// GlobalMaxKm caps the distance between a volunteer and the bureau
	// they would vote in, whatever the volunteer accepts (default
	// MaxTravelKm).
	GlobalMaxKm float64
	// OnError reports failures of background work (instant matching).
	OnError func(err error)
	// InstantOff disables the instant matching after changes (benchmarks
	// of the batch alone; commands that exit at once).
	InstantOff bool
	// SMS: offers also go by SMS to the volunteer's phone (NewDesk: when
	// SMS_URL names a gateway). Without one, SMS would only pile up in
	// the outbox beside the e-mails.
	SMS bool

	instant instantQueue
}

// NewDesk returns a desk with the default settings; the offer delays
// can be set with SCRUTIN_OFFER_EXPIRY and SCRUTIN_OFFER_EXPIRY_LATE (Go
// durations, e.g. 12h), so that every instance (web, workers, CLI) agrees.
func NewDesk(pool *pgxpool.Pool, baseURL string, now func() time.Time) *Desk {
	if now == nil {
		now = time.Now
	}
	x, _ := ExpiryFromEnv() // the command line refused a wrong value
	return &Desk{Pool: pool, BaseURL: baseURL, Now: now, Expiry: x, GlobalMaxKm: MaxTravelKm, SMS: os.Getenv("SMS_URL") != ""}
}

// ExpiryFromEnv is DefaultExpiry with the delays given in the environment;
// a value that is not a positive duration is an error (and the default is
// kept for it): a typo must not silently leave offers open for a day.
func ExpiryFromEnv() (Expiry, error) {
	x := DefaultExpiry
	var errs []error
	for _, v := range []struct {
		name string
		to   *time.Duration
	}{{"SCRUTIN_OFFER_EXPIRY", &x.Default}, {"SCRUTIN_OFFER_EXPIRY_LATE", &x.Late}} {
		raw := os.Getenv(v.name)
		if raw == "" {
			continue
		}
		if d, err := time.ParseDuration(raw); err == nil && d > 0 {
			*v.to = d
		} else {
			errs = append(errs, fmt.Errorf("%s=%q: a positive duration is expected, e.g. 12h or 90m", v.name, raw))
		}
	}
	return x, errors.Join(errs...)
}

func (d *Desk) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

func (d *Desk) globalMaxKm() float64 {
	if d.GlobalMaxKm <= 0 {
		return MaxTravelKm
	}
	return d.GlobalMaxKm
}

// event is a change after which the instant matching should look around a
// place for what it frees or adds.
type event struct {
	electionID int64
	point      *places.Point
}

// instantQueue coalesces events per election so that a burst of sign-ups
// runs one neighbourhood plan per election at a time, not one per sign-up.
type instantQueue struct {
	mu      sync.Mutex
	pending map[int64][]places.Point
	running map[int64]bool
	wg      sync.WaitGroup
}

package proxies

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/token"
)

// offerNote is one offer message to write: a volunteer, a request, and
// the offers between them (one per round).
type offerNote struct {
	volunteerID, requestID int64
	rounds                 []int
	km                     *float64
	expires                time.Time
}

// noteOffers groups offers by volunteer and request: one message per pair,
// both rounds together, with the earliest deadline.
func noteOffers(add []Assignment, km []float64, expires []time.Time) []offerNote {
	idx := make(map[[2]int64]int, len(add))
	notes := make([]offerNote, 0, len(add))
	for i, a := range add {
		k := [2]int64{a.VolunteerID, a.RequestID}
		j, ok := idx[k]
		if !ok {
			j = len(notes)
			idx[k] = j
			notes = append(notes, offerNote{volunteerID: a.VolunteerID, requestID: a.RequestID, km: &km[i], expires: expires[i]})
		}
		n := &notes[j]
		n.rounds = append(n.rounds, a.Round)
		if expires[i].Before(n.expires) {
			n.expires = expires[i]
		}
	}
	return notes
}

// offerLinks are new private links to volunteers' pages (drawLinks): the
// secrets the messages carry, and the rows (only the hash of each secret)
// that copyLinks writes.
type offerLinks struct {
	secrets []string
	rows    []linkRow
}

type linkRow struct {
	hash        []byte
	volunteerID int64
}

// drawLinks draws n new private links, the i-th to the page of
// volunteer(i). The links do not depend on what the messages say: a batch
// writes them while it composes the messages.
func drawLinks(n int, volunteer func(i int) int64) offerLinks {
	l := offerLinks{secrets: make([]string, n), rows: make([]linkRow, n)}
	for i := range n {
		var hash []byte
		l.secrets[i], hash = token.New()
		l.rows[i] = linkRow{hash: hash, volunteerID: volunteer(i)}
	}
	return l
}

// offerRenderer composes offer messages, each with its private link;
// who tells the people and place of a note. It touches no database: the
// batch runs it on another core while PostgreSQL inserts the offers.
type offerRenderer struct {
	who   func(offerNote) pair
	dates map[int]time.Time
	// A link is the prefix and the secret, which has nothing to escape.
	prefix string
	// The rounds' text, by set of rounds, and the deadlines': a batch has
	// one or two of each.
	roundsText map[uint64]string
	deadlines  map[int64]string // by Unix time: time.Time is no map key
}

func (d *Desk) offerRenderer(who func(offerNote) pair, dates map[int]time.Time) *offerRenderer {
	return &offerRenderer{who: who, dates: dates, prefix: d.url(""), roundsText: map[uint64]string{}, deadlines: map[int64]string{}}
}

// render composes the message of one note, with the secret of its link.
func (o *offerRenderer) render(n offerNote, secret string) notify.Message {
	slices.Sort(n.rounds)
	var key uint64
	for _, r := range n.rounds {
		key |= 1 << uint(r)
	}
	rounds, ok := o.roundsText[key]
	if !ok {
		parts := make([]string, len(n.rounds))
		for j, r := range n.rounds {
			parts[j] = fmt.Sprintf("le tour %d (%s)", r, frDate(o.dates[r]))
		}
		rounds = strings.Join(parts, " et ")
		o.roundsText[key] = rounds
	}
	deadline, ok := o.deadlines[n.expires.UnixNano()]
	if !ok {
		deadline = frDateTime(n.expires)
		o.deadlines[n.expires.UnixNano()] = deadline
	}
	p := o.who(n)
	return notify.Message{Channel: notify.Email, Recipient: p.vEmail, Kind: "proxy.offer",
		Subject: "Une personne a besoin de vous pour voter",
		Body:    offerVolunteerBody(p, rounds, n.km, deadline, o.prefix+secret)}
}

// renderAll composes the messages of notes.
func (o *offerRenderer) renderAll(notes []offerNote, links offerLinks) []notify.Message {
	msgs := make([]notify.Message, len(notes))
	for i, n := range notes {
		msgs[i] = o.render(n, links.secrets[i])
	}
	return msgs
}

// offerMessages writes the offer messages of notes, each with a new
// private link to the volunteer's page (a manual match; the batch runs the
// same steps apart, to overlap them with its inserts).
func (d *Desk) offerMessages(ctx context.Context, tx pgx.Tx, now, linkExpiry time.Time, dates map[int]time.Time, notes []offerNote) error {
	pairs := make([]Assignment, len(notes))
	for i, n := range notes {
		pairs[i] = Assignment{RequestID: n.requestID, VolunteerID: n.volunteerID}
	}
	info, err := loadPeople(ctx, tx, pairs)
	if err != nil {
		return err
	}
	who := func(n offerNote) pair {
		return info.pair(Assignment{RequestID: n.requestID, VolunteerID: n.volunteerID}, time.Time{})
	}
	links := drawLinks(len(notes), func(i int) int64 { return notes[i].volunteerID })
	if err := copyLinks(ctx, tx, now, linkExpiry, links.rows); err != nil {
		return err
	}
	return notify.Enqueue(ctx, tx, d.offerRenderer(who, dates).renderAll(notes, links)...)
}

// copyLinks inserts links (COPY), reordered: by hash order, the primary
// key then grows at its right edge (PostgreSQL's fast path for ascending
// keys, and full pages) instead of taking 100,000 random insertions,
// several times slower.
func copyLinks(ctx context.Context, tx pgx.Tx, now, linkExpiry time.Time, links []linkRow) error {
	if len(links) == 0 {
		return nil
	}
	slices.SortFunc(links, func(a, b linkRow) int { return bytes.Compare(a.hash, b.hash) })
	_, err := pgdb.CopyRows(ctx, tx, "proxy_links", []string{"token_hash", "volunteer_id", "created_at", "expires_at"}, len(links),
		func(i int, w *pgdb.Row) bool {
			w.Bytea(links[i].hash)
			w.Int8(links[i].volunteerID)
			w.Timestamptz(now)
			w.Timestamptz(linkExpiry)
			return true
		})
	return err
}

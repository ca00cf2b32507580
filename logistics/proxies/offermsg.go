package proxies

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/contact"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/token"
)

// offerNote is one offer message to write: a volunteer, a request, and
// the offers between them (one per round); moved, the volunteer's
// unanswered offers the same run gave to others, which the message tells
// first (tellMoved).
type offerNote struct {
	volunteerID, requestID int64
	rounds                 []int
	km                     *float64
	expires                time.Time
	moved                  []withdrawal
}

// noteOffers groups offers by volunteer and request: one message per pair,
// both rounds together, with the earliest deadline.
func noteOffers(add []Assignment, km []float64, expires []time.Time) []offerNote {
	notes := make([]offerNote, 0, len(add))
	if oneRound(add) {
		// No two offers of one pair: one note each (a batch's hundred
		// thousand, without a map to group them).
		rounds := make([]int, len(add))
		for i, a := range add {
			rounds[i] = a.Round
			notes = append(notes, offerNote{volunteerID: a.VolunteerID, requestID: a.RequestID, rounds: rounds[i : i+1 : i+1], km: &km[i], expires: expires[i]})
		}
		return notes
	}
	idx := make(map[[2]int64]int, len(add))
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
		slices.Sort(n.rounds)
		if expires[i].Before(n.expires) {
			n.expires = expires[i]
		}
	}
	return notes
}

// tellMoved gives the withdrawals of moved, by volunteer, to the first
// note of their volunteer: one message then tells a volunteer that the
// run gave their unanswered offer to someone else and proposes the new
// one (write keeps here only volunteers with a note).
func tellMoved(notes []offerNote, moved map[int64][]withdrawal) {
	if len(moved) == 0 {
		return
	}
	told := make(map[int64]bool, len(moved))
	for i := range notes {
		v := notes[i].volunteerID
		if ws := moved[v]; len(ws) > 0 && !told[v] {
			notes[i].moved, told[v] = ws, true
		}
	}
}

// oneRound reports whether the offers are all of one round.
func oneRound(add []Assignment) bool {
	for _, a := range add {
		if a.Round != add[0].Round {
			return false
		}
	}
	return true
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

// drawLinks draws n private links, the i-th to the page of volunteer(i):
// one of the volunteer's spare links if any is left (taken out of spare),
// else a new one. The links do not depend on what the messages say: a
// batch writes them while it composes the messages.
func drawLinks(n int, volunteer func(i int) int64, spare map[int64][]spareLink) offerLinks {
	l := offerLinks{secrets: make([]string, n), rows: make([]linkRow, 0, n)}
	for i := range n {
		v := volunteer(i)
		if sp := spare[v]; len(sp) > 0 {
			l.secrets[i] = sp[len(sp)-1].secret
			if len(sp) == 1 {
				delete(spare, v)
			} else {
				spare[v] = sp[:len(sp)-1]
			}
			continue
		}
		var hash []byte
		l.secrets[i], hash = token.New()
		l.rows = append(l.rows, linkRow{hash: hash, volunteerID: v})
	}
	return l
}

// spareLink is a link written before its message (input.spareLinks).
type spareLink struct {
	secret string
	hash   []byte
}

// spareLinks draws and writes a link for each of volunteers ahead of their
// messages, which then take them (drawLinks): a batch writes the links of
// the volunteers its plan is sure to use (Options.Saturated) while the
// rest of the plan is solved and its connection is idle.
// dropSpareLinks deletes those no message took.
func (in *input) spareLinks(ctx context.Context, tx pgx.Tx, now time.Time, volunteers []int64) error {
	links := drawLinks(len(volunteers), func(i int) int64 { return volunteers[i] }, nil)
	if in.spare == nil {
		in.spare = make(map[int64][]spareLink, len(volunteers))
	}
	for i, v := range volunteers {
		in.spare[v] = append(in.spare[v], spareLink{secret: links.secrets[i], hash: links.rows[i].hash})
	}
	return copyLinks(ctx, tx, now, in.linkExpiry(), links.rows)
}

// dropSpareLinks deletes the spare links no message took (a volunteer
// given both rounds of one request gets one message): nobody knows them.
func (in *input) dropSpareLinks(ctx context.Context, tx pgx.Tx) error {
	var hashes [][]byte
	for _, sp := range in.spare {
		for _, l := range sp {
			hashes = append(hashes, l.hash)
		}
	}
	in.spare = nil
	if len(hashes) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM proxy_links WHERE token_hash = ANY ($1)`, hashes)
	return err
}

// offerRenderer composes offer messages, each with its private link;
// who tells the people and place of a note. It touches no database: the
// batch runs it on other cores while PostgreSQL inserts the offers, on
// two goroutines at once (notify.Shared), so it only reads once made.
type offerRenderer struct {
	who   func(offerNote) pair
	sms   bool // each offer also goes by SMS (Desk.SMS)
	dates map[int]time.Time
	// A link is the prefix and the secret, which has nothing to escape.
	prefix string
	// The rounds' text, by set of rounds, and the deadlines', of every
	// note: a batch has one or two of each. With sms, their short forms
	// too (smsDays, smsDeadline).
	roundsText   map[uint64]string
	deadlines    map[int64]string // by Unix time: time.Time is no map key
	smsDays      map[uint64]string
	smsDeadlines map[int64]string
}

// offerRenderer prepares the messages of notes.
func (d *Desk) offerRenderer(who func(offerNote) pair, dates map[int]time.Time, notes []offerNote) *offerRenderer {
	o := &offerRenderer{who: who, sms: d.SMS, dates: dates, prefix: d.url(""), roundsText: map[uint64]string{}, deadlines: map[int64]string{},
		smsDays: map[uint64]string{}, smsDeadlines: map[int64]string{}}
	for _, n := range notes {
		if k := roundsKey(n.rounds); o.roundsText[k] == "" {
			o.roundsText[k] = o.roundsOf(n)
			if o.sms {
				o.smsDays[k] = o.daysOf(n)
			}
		}
		if k := n.expires.UnixNano(); o.deadlines[k] == "" {
			o.deadlines[k] = elections.Moment(n.expires)
			if o.sms {
				o.smsDeadlines[k] = smsDeadline(n.expires)
			}
		}
	}
	return o
}

// roundsKey is the set of rounds (ascending: noteOffers).
func roundsKey(rounds []int) uint64 {
	var key uint64
	for _, r := range rounds {
		key |= 1 << uint(r)
	}
	return key
}

func (o *offerRenderer) roundsOf(n offerNote) string {
	parts := make([]string, len(n.rounds))
	for j, r := range n.rounds {
		parts[j] = fr.TheRound("le", r) + " (" + frDate(o.dates[r]) + ")"
	}
	return strings.Join(parts, " et ")
}

// daysOf is the vote dates of n's rounds in a text message.
func (o *offerRenderer) daysOf(n offerNote) string {
	days := make([]time.Time, len(n.rounds))
	for j, r := range n.rounds {
		days[j] = o.dates[r]
	}
	return smsDays(days...)
}

// render composes the message of one note of the renderer's, with the
// secret of its link: the e-mail, or with text the SMS.
func (o *offerRenderer) render(n offerNote, secret string, text bool) notify.Message {
	p := o.who(n)
	link := o.prefix + secret
	if text {
		days, deadline := o.smsDays[roundsKey(n.rounds)], o.smsDeadlines[n.expires.UnixNano()]
		return sms(p.vPhone, "proxy.offer", offerVolunteerSMS(len(n.moved) > 0, days, deadline, link))
	}
	rounds, deadline := o.roundsText[roundsKey(n.rounds)], o.deadlines[n.expires.UnixNano()]
	return notify.Message{Channel: notify.Email, Recipient: p.vEmail, Kind: "proxy.offer",
		Subject: offerVolunteerSubject(len(n.moved) > 0),
		Body:    offerVolunteerBody(p, movedVolunteerLines(n.moved), rounds, n.km, deadline, link)}
}

// messages is the notes' messages, each with its link, for
// notify.Stage and Enqueue: an e-mail per note, and with sms an SMS
// after each (the same link: offers expire within hours near a round, and
// a text is read sooner than a mail).
func (o *offerRenderer) messages(notes []offerNote, links offerLinks) *notify.Shared {
	per := 1
	if o.sms {
		per = 2
	}
	return notify.Share(per*len(notes), func(i int) notify.Message {
		return o.render(notes[i/per], links.secrets[i/per], i%per == 1)
	})
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
	links := drawLinks(len(notes), func(i int) int64 { return notes[i].volunteerID }, nil)
	if err := copyLinks(ctx, tx, now, linkExpiry, links.rows); err != nil {
		return err
	}
	return d.offerRenderer(who, dates, notes).messages(notes, links).Enqueue(ctx, tx)
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

// withSMS appends to msgs the text body to phone, kind kind, when
// messages also go by SMS (Desk.SMS): offers, acceptances and reminders,
// whose news cannot wait for the mailbox.
func (d *Desk) withSMS(msgs []notify.Message, phone, kind, body string) []notify.Message {
	if !d.SMS || !contact.Mobile(phone) {
		return msgs
	}
	return append(msgs, sms(phone, kind, body))
}

// sms is the text message body to phone, of kind kind; without recipient
// when the phone takes no SMS (none, or a landline), which the outbox
// skips (the batch's messages are counted before they are rendered).
func sms(phone, kind, body string) notify.Message {
	if !contact.Mobile(phone) {
		phone = ""
	}
	return notify.Message{Channel: notify.SMS, Recipient: phone, Kind: kind, Body: body}
}

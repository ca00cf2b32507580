package notify

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
)

// Status is where a message is in its life.
type Status string

const (
	Pending Status = "pending" // waiting for a provider, for its turn, or for a retry
	Sent    Status = "sent"    // accepted by the provider
	Failed  Status = "failed"  // refused for good, or too many attempts
)

// Entry is an outbox row as admins see it.
type Entry struct {
	ID            int64     `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
	Channel       Channel   `json:"channel"`
	Recipient     string    `json:"recipient"`
	Subject       string    `json:"subject"`
	Body          string    `json:"body,omitempty"` // only when one message is read
	Kind          string    `json:"kind"`
	Status        Status    `json:"status"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastAttemptAt time.Time `json:"last_attempt_at,omitzero"`
	SentAt        time.Time `json:"sent_at,omitzero"`
	LastError     string    `json:"last_error"`
	// Leased: a worker is sending it right now (it cannot be retried).
	Leased bool `json:"leased"`
}

// Filter selects messages for the Messages page and API. Field names are
// the query parameters.
type Filter struct {
	Status    string `json:"status"`
	Channel   string `json:"channel"`
	Kind      string `json:"kind"`
	Recipient string `json:"recipient"` // part of the address or number
	Page      int    `json:"page"`      // from 1
	PerPage   int    `json:"per_page"`  // default 50, at most 200
}

const (
	defaultPerPage = 50
	maxPerPage     = 200
)

// Normalize validates f and fills the defaults.
func (f *Filter) Normalize() error {
	errs := check.Errors{}
	f.Status = strings.TrimSpace(f.Status)
	f.Channel = strings.TrimSpace(f.Channel)
	f.Kind = strings.TrimSpace(f.Kind)
	f.Recipient = strings.TrimSpace(f.Recipient)
	switch Status(f.Status) {
	case "", Pending, Sent, Failed:
	default:
		errs.Add("status", "Statut inconnu : choisissez en attente, envoyé ou en échec.")
	}
	switch Channel(f.Channel) {
	case "", Email, SMS:
	default:
		errs.Add("channel", "Canal inconnu : choisissez e-mail ou SMS.")
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage <= 0 {
		f.PerPage = defaultPerPage
	}
	if f.PerPage > maxPerPage {
		f.PerPage = maxPerPage
	}
	return errs.Err()
}

// Page is one page of a listing.
type Page struct {
	Messages []Entry `json:"messages"`
	Total    int64   `json:"total"`
	Page     int     `json:"page"`
	PerPage  int     `json:"per_page"`
	Pages    int     `json:"pages"`
}

const entryColumns = `id, created_at, channel, recipient, subject, kind, status, attempts, next_attempt_at,
	last_attempt_at, sent_at, last_error,
	coalesce(locked_until > now(), false)`

func scanEntry(row pgx.Row, extra ...any) (Entry, error) {
	var e Entry
	var last, sent *time.Time
	dest := append([]any{&e.ID, &e.CreatedAt, &e.Channel, &e.Recipient, &e.Subject, &e.Kind, &e.Status, &e.Attempts,
		&e.NextAttemptAt, &last, &sent, &e.LastError, &e.Leased}, extra...)
	if err := row.Scan(dest...); err != nil {
		return e, err
	}
	if last != nil {
		e.LastAttemptAt = *last
	}
	if sent != nil {
		e.SentAt = *sent
	}
	return e, nil
}

// List returns one page of messages, newest first. Bodies are left out:
// they may hold personal data (a volunteer's NNE), and reading one is
// audited by the caller of Get.
func List(ctx context.Context, q pgdb.Q, f Filter) (*Page, error) {
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	where, args := f.where()
	out := &Page{Messages: []Entry{}, Page: f.Page, PerPage: f.PerPage}
	if err := q.QueryRow(ctx, `SELECT count(*) FROM outbox`+where, args...).Scan(&out.Total); err != nil {
		return nil, err
	}
	out.Pages = int((out.Total + int64(f.PerPage) - 1) / int64(f.PerPage))
	args = append(args, f.PerPage, (f.Page-1)*f.PerPage)
	rows, err := q.Query(ctx, `SELECT `+entryColumns+` FROM outbox`+where+
		` ORDER BY id DESC LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, e)
	}
	return out, rows.Err()
}

func (f Filter) where() (string, []any) {
	conds := []string{visible}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.Status != "" {
		add("status = $?", f.Status)
	}
	if f.Channel != "" {
		add("channel = $?", f.Channel)
	}
	if f.Kind != "" {
		add("kind = $?", f.Kind)
	}
	if f.Recipient != "" {
		add(`recipient ILIKE '%' || $? || '%'`, escapeLike(f.Recipient))
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// escapeLike makes % and _ typed by an admin match themselves.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Get returns one message with its body, or check.ErrNotFound.
func Get(ctx context.Context, q pgdb.Q, id int64) (*Entry, error) {
	var body string
	e, err := scanEntry(q.QueryRow(ctx, `SELECT `+entryColumns+`, body FROM outbox WHERE id = $1 AND `+visible, id), &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	e.Body = body
	return &e, nil
}

// Kinds lists the kinds present in the outbox, for the filter.
func Kinds(ctx context.Context, q pgdb.Q) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT kind FROM outbox WHERE kind <> '' AND `+visible+` ORDER BY kind`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Counts is the number of messages per status.
type Counts struct {
	Pending int64 `json:"pending"`
	Sent    int64 `json:"sent"`
	Failed  int64 `json:"failed"`
}

func CountByStatus(ctx context.Context, q pgdb.Q) (Counts, error) {
	var c Counts
	err := q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'sent'),
		count(*) FILTER (WHERE status = 'failed') FROM outbox WHERE `+visible).Scan(&c.Pending, &c.Sent, &c.Failed)
	return c, err
}

// Retry puts a failed message back in the queue with a fresh set of
// attempts, or makes a pending one due now ("renvoyer"). A message being
// sent at this moment is left alone: clearing its lease would let a second
// worker send it too. Run it in the transaction that writes the audit row.
func Retry(ctx context.Context, q pgdb.Q, id int64) error {
	var status Status
	err := q.QueryRow(ctx, `
		UPDATE outbox SET status = 'pending', next_attempt_at = now(), locked_until = NULL,
			attempts = CASE WHEN status = 'failed' THEN 0 ELSE attempts END
		WHERE id = $1 AND status <> 'sent' AND (locked_until IS NULL OR locked_until <= now()) AND `+visible+`
		RETURNING status`, id).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		e, gerr := Get(ctx, q, id)
		if gerr != nil {
			return gerr
		}
		if e.Status == Sent {
			return &check.Conflict{Msg: "Ce message a déjà été envoyé."}
		}
		return &check.Conflict{Msg: "Ce message est en cours d'envoi : réessayez dans quelques minutes."}
	}
	return err
}

// RetryFailed puts every failed message back in the queue (after a
// provider outage, say) and returns how many.
func RetryFailed(ctx context.Context, q pgdb.Q) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE outbox SET status = 'pending', next_attempt_at = now(), locked_until = NULL, attempts = 0
		WHERE status = 'failed'`)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// Purge deletes the messages created before cutoff, whatever their state:
// bodies carry personal data (private links, a volunteer's NNE) that goes
// with the rest after the election (DOMAIN.md §5). For `scrutin purge`.
func Purge(ctx context.Context, q pgdb.Q, before time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM outbox WHERE created_at < $1`, before)
	if err != nil {
		return 0, err
	}
	_, err = q.Exec(ctx, `DELETE FROM outbox_holds WHERE created_at < $1`, before)
	return tag.RowsAffected(), err
}

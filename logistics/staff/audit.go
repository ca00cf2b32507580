package staff

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/pgdb"
)

// Actors that are not staff accounts.
const (
	ActorPublic = "public" // a voter or volunteer through their private link or a form
	ActorSystem = "system" // workers: expiries, matching triggered by events
	ActorCLI    = "cli"    // a command run on the server
	// ActorTeam is a staff member the record does not name (a history
	// event told by an offer rather than by an audit entry).
	ActorTeam = "team"
)

// Who ActorPublic was, as a history can tell from what was done: the log
// records "public" for anyone using a private link or a public form, and
// a proxy page knows whether that link was the mandant's or the
// volunteer's. Never recorded, only shown.
const (
	ActorMandant   = "public:mandant"   // the person asking for a proxy, through their link
	ActorVolunteer = "public:volunteer" // the volunteer (mandataire), through their link
	// ActorForm is whoever sent a public form with the person's address:
	// the change waits for its confirmation from that mailbox.
	ActorForm = "public:form"
)

// ActorLabel is who acted, for people: a staff member's e-mail, else what
// acted, in French.
func ActorLabel(actor string) string {
	switch actor {
	case ActorPublic:
		return "la personne elle-même"
	case ActorSystem:
		return "automatique"
	case ActorCLI:
		return "ligne de commande"
	case ActorTeam:
		return "l'équipe"
	case ActorMandant:
		return "le mandant"
	case ActorVolunteer:
		return "le ou la volontaire"
	case ActorForm:
		return "formulaire public"
	}
	if email, ok := strings.CutPrefix(actor, "staff:"); ok {
		return email
	}
	return actor
}

// Audit records who did what to which record. Call it with the transaction
// of the change so that the row exists if and only if the change does.
func Audit(ctx context.Context, q pgdb.Q, actor, action, entity, entityID string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5)`,
		actor, action, entity, entityID, details)
	return err
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID       int64          `json:"id"`
	At       time.Time      `json:"at"`
	Actor    string         `json:"actor"`
	Action   string         `json:"action"`
	Entity   string         `json:"entity"`
	EntityID string         `json:"entity_id"`
	Details  map[string]any `json:"details"`
}

// ActionLabel is the entry's action in French.
func (e AuditEntry) ActionLabel() string { return ActionLabel(e.Action) }

// DetailsText is Details for people: "key : value" pairs in key order,
// strings as they are, other values in JSON ([1,2], null), but the scope
// (a staff member's, as an export records it, or a run's), which reads
// « périmètre : 04, 75056 », or « périmètre : tout le territoire » when
// national (recorded as null, [] or "").
func (e AuditEntry) DetailsText() string {
	parts := make([]string, 0, len(e.Details))
	for _, k := range slices.Sorted(maps.Keys(e.Details)) {
		if k == "scope" {
			if s, ok := scopeText(e.Details[k]); ok {
				parts = append(parts, "périmètre : "+s)
				continue
			}
		}
		v, ok := e.Details[k].(string)
		if !ok {
			b, _ := json.Marshal(e.Details[k])
			v = string(b)
		}
		parts = append(parts, k+" : "+v)
	}
	return strings.Join(parts, " · ")
}

// scopeText is a recorded scope in words: its codes, comma-separated, or
// "tout le territoire" for none. false: not a scope (neither a code nor a
// list of them), left to be printed as recorded.
func scopeText(v any) (string, bool) {
	var codes []string
	switch v := v.(type) {
	case nil:
	case string:
		if v = strings.TrimSpace(v); v != "" {
			codes = []string{v}
		}
	case []any:
		for _, c := range v {
			s, ok := c.(string)
			if !ok {
				return "", false
			}
			codes = append(codes, s)
		}
	case []string:
		codes = v
	default:
		return "", false
	}
	if len(codes) == 0 {
		return "tout le territoire", true
	}
	return strings.Join(codes, ", "), true
}

// AuditFilter narrows the log.
type AuditFilter struct {
	Entity   string
	EntityID string
	Action   string // prefix
	Limit    int    // entries per page: 200 when unset or above 1000
	// Before is the keyset cursor: entries with an id below it (the
	// previous page's NextBefore); 0 starts at the newest. A deep page
	// costs what the first one does.
	Before int64
}

// AuditPage is one page of the log, newest first, and the cursor of the
// next, older page (0: this page is the last).
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextBefore int64        `json:"next_before,omitempty"`
}

// AuditLog lists the entries of one page, newest first.
func AuditLog(ctx context.Context, q pgdb.Q, f AuditFilter) ([]AuditEntry, error) {
	p, err := AuditLogPage(ctx, q, f)
	if err != nil {
		return nil, err
	}
	return p.Entries, nil
}

// AuditLogPage lists one page of entries, newest first, from f.Before.
func AuditLogPage(ctx context.Context, q pgdb.Q, f AuditFilter) (*AuditPage, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	before := int64(math.MaxInt64)
	if f.Before > 0 {
		before = f.Before
	}
	// One more row than the page tells whether there is an older page.
	rows, err := q.Query(ctx, `
		SELECT id, at, actor, action, entity, entity_id, details FROM audit_log
		WHERE ($1 = '' OR entity = $1) AND ($2 = '' OR entity_id = $2) AND ($3 = '' OR action LIKE $3 || '%')
			AND id < $4
		ORDER BY id DESC LIMIT $5`, f.Entity, f.EntityID, f.Action, before, f.Limit+1)
	if err != nil {
		return nil, err
	}
	entries, err := pgx.CollectRows(rows, pgx.RowToStructByPos[AuditEntry])
	if err != nil {
		return nil, err
	}
	p := &AuditPage{Entries: entries}
	if len(entries) > f.Limit {
		p.Entries = entries[:f.Limit]
		p.NextBefore = p.Entries[f.Limit-1].ID
	}
	if p.Entries == nil {
		p.Entries = []AuditEntry{}
	}
	return p, nil
}

// Who is who made the entry, as far as it tells: the log records
// "public" for whoever used a private link or a public form; for the
// proxies' entries that is the mandant for their request (filed, changed,
// cancelled, proxy established) and for reading their volunteer's
// details; the volunteer for their sign-up and their answers (filed under
// the request); a public form for a change that waits for its
// confirmation or a form sent again unchanged (anyone may send the form
// with anyone's address).
func (e AuditEntry) Who() string {
	if e.Actor != ActorPublic {
		return e.Actor
	}
	switch {
	case strings.HasSuffix(e.Action, ".change_held"), strings.HasSuffix(e.Action, ".link_resent"):
		return ActorForm
	case e.Action == "proxy_volunteer.details_view":
		return ActorMandant
	case strings.HasPrefix(e.Action, "proxy_offer."):
		return ActorVolunteer
	case e.Entity == "proxy_request":
		return ActorMandant
	case e.Entity == "proxy_volunteer":
		return ActorVolunteer
	}
	return e.Actor
}

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

	"scrutin/logistics/elections"
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

// EntityLabel is the kind of record of the entry in French (« compte
// d'équipe »); an unknown kind prints as recorded.
func (e AuditEntry) EntityLabel() string {
	if s, ok := entityLabels[e.Entity]; ok {
		return s
	}
	return e.Entity
}

var entityLabels = map[string]string{
	"staff_user":         "compte d'équipe",
	"export":             "export",
	"election":           "élection",
	"proxy_request":      "demande de procuration",
	"proxy_volunteer":    "volontaire procurations",
	"delegate_volunteer": "bénévole assesseur·e / délégué·e",
	"bureau":             "bureau de vote",
	"bureaux":            "bureaux de vote",
	"communes":           "communes",
	"material_order":     "commande de matériel",
	"material_batch":     "lot d'expédition",
	"material_item":      "article de matériel",
	"outbox":             "message",
	"api":                "liste de l'API",
}

// DetailsText is Details for people: "clé : valeur" pairs in the order
// of the recorded keys, the common keys in French (« élection », « tour »,
// « article »…; see detailLabels), an unknown key as recorded; strings as
// they are, other values in JSON ([1,2], null), but
//   - a scope (any key ending in "scope": a staff member's, as an export
//     records it, a run's, a previous one), which reads « périmètre : 04,
//     75104 », or « périmètre : national » when national (recorded as
//     null, [] or "");
//   - a role, in French (Role.Label);
//   - a time (a key ending in "_at"), in Paris time: « 07/12/2026 à
//     15h04 ».
func (e AuditEntry) DetailsText() string {
	parts := make([]string, 0, len(e.Details))
	for _, k := range slices.Sorted(maps.Keys(e.Details)) {
		v := e.Details[k]
		label, ok := detailLabels[k]
		if !ok {
			label = k
		}
		text, done := "", false
		switch {
		case strings.HasSuffix(k, "scope"):
			text, done = scopeText(v)
		case k == "role" || k == "previous_role":
			if r, ok := v.(string); ok {
				text, done = Role(r).Label(), true
			}
		case strings.HasSuffix(k, "_at"):
			text, done = timeText(v)
		}
		if !done {
			if s, ok := v.(string); ok {
				text = s
			} else {
				b, _ := json.Marshal(v)
				text = string(b)
			}
		}
		if strings.HasSuffix(label, "jusqu'au") {
			parts = append(parts, label+" "+text) // « invitation valable jusqu'au 07/12/2026 à 15h04 »
		} else {
			parts = append(parts, label+" : "+text)
		}
	}
	return strings.Join(parts, " · ")
}

// detailLabels are the detail keys the journal names in French.
var detailLabels = map[string]string{
	"rows":                    "lignes",
	"lines":                   "lignes",
	"election":                "élection",
	"departement":             "département",
	"commune":                 "commune",
	"commune_code":            "commune",
	"bureau":                  "bureau",
	"round":                   "tour",
	"rounds":                  "tours",
	"sku":                     "article",
	"status":                  "statut",
	"batch":                   "lot",
	"role":                    "rôle",
	"roles":                   "rôles",
	"previous_role":           "rôle précédent",
	"scope":                   "périmètre",
	"previous_scope":          "périmètre précédent",
	"volunteers_scope":        "périmètre des volontaires",
	"invitation_expires_at":   "invitation valable jusqu'au",
	"tokens":                  "jetons d'API",
	"sessions":                "connexions",
	"invitations":             "invitations en attente",
	"max_bureaux_per_delegue": "bureaux par délégué·e",
	"previous":                "avant",
}

// timeText is a recorded time (RFC 3339, as JSON gives it back, or a
// time.Time) in Paris time, as people read it. false: not a time.
func timeText(v any) (string, bool) {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return "", false
		}
	default:
		return "", false
	}
	return elections.Moment(t), true
}

// scopeText is a recorded scope in words: its codes, comma-separated, or
// National for none. false: not a scope (neither a code nor a list of
// them), left to be printed as recorded.
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
		return National, true
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

package staff

import (
	"context"
	"encoding/json"
	"maps"
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

// DetailsText is Details for people: "key : value" pairs in key order,
// strings as they are, other values in JSON ([1,2], null).
func (e AuditEntry) DetailsText() string {
	parts := make([]string, 0, len(e.Details))
	for _, k := range slices.Sorted(maps.Keys(e.Details)) {
		v, ok := e.Details[k].(string)
		if !ok {
			b, _ := json.Marshal(e.Details[k])
			v = string(b)
		}
		parts = append(parts, k+" : "+v)
	}
	return strings.Join(parts, " · ")
}

// AuditFilter narrows the log.
type AuditFilter struct {
	Entity   string
	EntityID string
	Action   string // prefix
	Limit    int
}

// AuditLog lists entries, newest first.
func AuditLog(ctx context.Context, q pgdb.Q, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	rows, err := q.Query(ctx, `
		SELECT id, at, actor, action, entity, entity_id, details FROM audit_log
		WHERE ($1 = '' OR entity = $1) AND ($2 = '' OR entity_id = $2) AND ($3 = '' OR action LIKE $3 || '%')
		ORDER BY id DESC LIMIT $4`, f.Entity, f.EntityID, f.Action, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[AuditEntry])
}

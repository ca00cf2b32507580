package delegates

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// Needs: which seats each bureau needs in a round. A rule gives the roles
// for a scope (a commune, a département, or '' for the whole election); the
// most specific one applies, DefaultRoles without any. Priorities (1..9,
// default 1) weigh a bureau's seats in the assignment.

// RoleRule is the roles needed in a scope for a round.
type RoleRule struct {
	Round     int       `json:"round"`
	Scope     string    `json:"scope"`
	Roles     []Role    `json:"roles"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ScopeLabel is how pages name a rule's scope.
func (r RoleRule) ScopeLabel() string {
	switch {
	case r.Scope == "":
		return "Toute l'élection"
	case len(r.Scope) == 5:
		return "Commune " + r.Scope
	default:
		return "Département " + r.Scope
	}
}

// RoleRules lists an election's rules.
func RoleRules(ctx context.Context, q pgdb.Q, electionID int64) ([]RoleRule, error) {
	rows, err := q.Query(ctx, `SELECT round, scope, roles, updated_by, updated_at FROM delegate_role_rules
		WHERE election_id = $1 ORDER BY round, length(scope), scope`, electionID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RoleRule, error) {
		var r RoleRule
		var roles []string
		err := row.Scan(&r.Round, &r.Scope, &roles, &r.UpdatedBy, &r.UpdatedAt)
		for _, x := range roles {
			r.Roles = append(r.Roles, Role(x))
		}
		return r, err
	})
}

// RolesInput sets (or, with Reset, removes) the roles needed in a scope.
type RolesInput struct {
	Election string   `json:"election"`
	Round    int      `json:"round"` // 0: every round
	Scope    string   `json:"scope"` // '', département or commune code
	Roles    []string `json:"roles"` // may be empty: nothing to cover there
	Reset    bool     `json:"reset"` // remove the rule: the wider one applies again
}

// normalizeScope checks a rule's scope against the staff member's own.
func normalizeScope(errs check.Errors, u *staff.User, s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch {
	case s == "":
		if !u.IsAdmin() {
			errs.Add("scope", "Seul·e un·e administrateur·rice fixe la règle de toute l'élection : choisissez un département ou une commune.")
		}
		return ""
	case len(s) <= 3:
		s = insee.NormalizeArea(s)
		if !insee.KnownArea(s) { // a département, or a collectivity: 987
			errs.Add("scope", "Code de département invalide."+staff.PacificHint(s))
		} else if !u.CoversDepartement(s) {
			if insee.KnownCollectivity(s) {
				errs.Add("scope", "Cette collectivité est hors de votre périmètre.")
			} else {
				errs.Add("scope", "Ce département est hors de votre périmètre.")
			}
		}
		return s
	default:
		c, ok := places.NormalizeCommune(s)
		if !ok {
			errs.Add("scope", "Code de commune ou de département invalide.")
			return s
		}
		if !u.Covers(c) {
			errs.Add("scope", "Cette commune est hors de votre périmètre.")
		}
		return c
	}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// SetRoles stores a rule (organizers within their scope, admins anywhere).
func (d *Desk) SetRoles(ctx context.Context, u *staff.User, in RolesInput) error {
	if !u.CanAct() {
		return check.ErrForbidden
	}
	errs := check.Errors{}
	scope := normalizeScope(errs, u, in.Scope)
	var roles []string
	for _, r := range in.Roles {
		role := Role(strings.TrimSpace(r))
		if !role.Valid() {
			errs.Add("roles", "Rôle inconnu.")
		} else if !slices.Contains(roles, string(role)) {
			roles = append(roles, string(role))
		}
	}
	if roles == nil {
		roles = []string{}
	}
	e, err := elections.Resolve(ctx, d.Pool, strings.TrimSpace(in.Election), "election", d.now())
	if inv, ok := check.AsInvalid(err); ok {
		maps(errs, inv.Fields)
	} else if err != nil {
		return err
	}
	var rounds []int
	if e != nil {
		if in.Round == 0 {
			for _, r := range e.Rounds {
				rounds = append(rounds, r.Number)
			}
		} else if _, ok := e.Round(in.Round); ok {
			rounds = []int{in.Round}
		} else {
			errs.Add("round", "Cette élection n'a pas ce tour.")
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		for _, n := range rounds {
			var err error
			if in.Reset {
				_, err = tx.Exec(ctx, `DELETE FROM delegate_role_rules WHERE election_id = $1 AND round = $2 AND scope = $3`, e.ID, n, scope)
			} else {
				_, err = tx.Exec(ctx, `
					INSERT INTO delegate_role_rules (election_id, round, scope, roles, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
					ON CONFLICT (election_id, round, scope) DO UPDATE SET roles = EXCLUDED.roles, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
					e.ID, n, scope, roles, u.Actor(), d.now())
			}
			if err != nil {
				return err
			}
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_needs.roles", "election", e.Slug,
			map[string]any{"scope": scope, "rounds": rounds, "roles": roles, "reset": in.Reset})
	})
}

func maps(dst, src check.Errors) {
	for k, v := range src {
		dst.Add(k, v)
	}
}

// PriorityInput marks one bureau's priority (1 = normal).
type PriorityInput struct {
	Election    string `json:"election"`
	CommuneCode string `json:"commune_code"`
	BureauCode  string `json:"bureau_code"`
	Priority    int    `json:"priority"`
}

// SetPriority stores one bureau's priority.
func (d *Desk) SetPriority(ctx context.Context, u *staff.User, in PriorityInput) error {
	if !u.CanAct() {
		return check.ErrForbidden
	}
	errs := check.Errors{}
	commune, bureau, err := places.CheckPlace(ctx, d.Pool, errs, "commune_code", in.CommuneCode, "bureau_code", in.BureauCode, true)
	if err != nil {
		return err
	}
	if commune != "" && !u.Covers(commune) {
		errs.Add("commune_code", "Cette commune est hors de votre périmètre.")
	}
	if in.Priority < 1 || in.Priority > 9 {
		errs.Add("priority", "La priorité va de 1 (normale) à 9 (la plus haute).")
	}
	e, err := elections.Resolve(ctx, d.Pool, strings.TrimSpace(in.Election), "election", d.now())
	if inv, ok := check.AsInvalid(err); ok {
		maps(errs, inv.Fields)
	} else if err != nil {
		return err
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		if err := setPriority(ctx, tx, e.ID, commune, bureau, in.Priority); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_needs.priority", "bureau", commune+"_"+bureau,
			map[string]any{"election": e.Slug, "priority": in.Priority})
	})
}

func setPriority(ctx context.Context, q pgdb.Q, electionID int64, commune, bureau string, p int) error {
	var err error
	if p == 1 {
		_, err = q.Exec(ctx, `DELETE FROM delegate_priorities WHERE election_id = $1 AND commune_code = $2 AND bureau_code = $3`, electionID, commune, bureau)
	} else {
		_, err = q.Exec(ctx, `INSERT INTO delegate_priorities (election_id, commune_code, bureau_code, priority) VALUES ($1, $2, $3, $4)
			ON CONFLICT (election_id, commune_code, bureau_code) DO UPDATE SET priority = EXCLUDED.priority`, electionID, commune, bureau, p)
	}
	return err
}

// maxPriorityLines bounds a priorities file: France has about 70,000
// bureaux de vote.
const maxPriorityLines = 100_000

// ImportPriorities reads a CSV "commune_code,bureau_code,priority" (header
// optional, ',' or ';') and stores every line, or none when one is wrong
// (a bureau given twice is): the error lists the bad lines in French. It
// returns the lines stored.
func (d *Desk) ImportPriorities(ctx context.Context, u *staff.User, election string, r io.Reader) (int, error) {
	if !u.CanAct() {
		return 0, check.ErrForbidden
	}
	e, err := elections.Resolve(ctx, d.Pool, strings.TrimSpace(election), "election", d.now())
	if err != nil {
		return 0, err
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	sep := ','
	if strings.Count(string(head), ";") > strings.Count(string(head), ",") {
		sep = ';'
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	type line struct {
		commune, bureau string
		priority        int
	}
	var lines []line
	var problems []string
	seen := map[[2]string]int{} // the line of each bureau
	n := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		// One line per bureau: a longer file is a mistake, and would hold
		// the election's priorities for minutes.
		if n++; n > maxPriorityLines {
			return 0, check.Field("file", fmt.Sprintf("Fichier trop long : %s lignes au plus (une par bureau de vote).", fr.Number(maxPriorityLines)))
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("ligne %d : illisible", n))
			continue
		}
		if len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if n == 1 && len(rec) > 0 && strings.Contains(strings.ToLower(rec[0]), "commune") {
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 3 {
			problems = append(problems, fmt.Sprintf("ligne %d : 3 colonnes attendues (commune_code, bureau_code, priority)", n))
			continue
		}
		c, ok1 := places.NormalizeCommune(rec[0])
		b, ok2 := places.NormalizeBureau(rec[1])
		p, err := strconv.Atoi(strings.TrimSpace(rec[2]))
		switch {
		case !ok1:
			problems = append(problems, fmt.Sprintf("ligne %d : code de commune invalide %q", n, rec[0]))
		case !ok2:
			problems = append(problems, fmt.Sprintf("ligne %d : code de bureau invalide %q", n, rec[1]))
		case err != nil || p < 1 || p > 9:
			problems = append(problems, fmt.Sprintf("ligne %d : priorité de 1 à 9 attendue, pas %q", n, rec[2]))
		case !u.Covers(c):
			problems = append(problems, fmt.Sprintf("ligne %d : commune %s hors de votre périmètre", n, c))
		case seen[[2]string{c, b}] > 0:
			problems = append(problems, fmt.Sprintf("ligne %d : bureau %s_%s déjà donné ligne %d", n, c, b, seen[[2]string{c, b}]))
		default:
			seen[[2]string{c, b}] = n
			lines = append(lines, line{c, b, p})
		}
	}
	// Unknown bureaux, in one query.
	if len(lines) > 0 {
		ids := make([]string, len(lines))
		for i, l := range lines {
			ids[i] = l.commune + "_" + l.bureau
		}
		rows, err := d.Pool.Query(ctx, `SELECT id FROM unnest($1::text[]) id
			WHERE NOT EXISTS (SELECT 1 FROM bureaux b WHERE b.commune_code || '_' || b.code = id)`, ids)
		if err != nil {
			return 0, err
		}
		missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return 0, err
		}
		for _, m := range missing {
			problems = append(problems, fmt.Sprintf("bureau %s inconnu", m))
		}
	}
	if len(problems) > 0 {
		if len(problems) > 10 {
			problems = append(problems[:10], fmt.Sprintf("… et %d autres", len(problems)-10))
		}
		return 0, &check.Invalid{Summary: "Le fichier n'a pas été importé.", Fields: check.Errors{"file": strings.Join(problems, " ; ")}}
	}
	if len(lines) == 0 {
		return 0, check.Field("file", "Le fichier est vide.")
	}
	// Two statements for the whole file (a national one has 70,000
	// lines): priority 1 is the default, stored as no row.
	var reset, set struct {
		communes, bureaux []string
		priorities        []int16
	}
	for _, l := range lines {
		to := &set
		if l.priority == 1 {
			to = &reset
		}
		to.communes, to.bureaux, to.priorities = append(to.communes, l.commune), append(to.bureaux, l.bureau), append(to.priorities, int16(l.priority))
	}
	err = pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM delegate_priorities p USING unnest($2::text[], $3::text[]) AS k(c, b)
			WHERE p.election_id = $1 AND p.commune_code = k.c AND p.bureau_code = k.b`, e.ID, reset.communes, reset.bureaux); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO delegate_priorities (election_id, commune_code, bureau_code, priority)
			SELECT $1, k.c, k.b, k.p FROM unnest($2::text[], $3::text[], $4::smallint[]) AS k(c, b, p)
			ON CONFLICT (election_id, commune_code, bureau_code) DO UPDATE SET priority = EXCLUDED.priority`,
			e.ID, set.communes, set.bureaux, set.priorities); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_needs.priority_import", "election", e.Slug, map[string]any{"lines": len(lines)})
	})
	return len(lines), err
}

// neededSeat is a seat the rules ask for, with what pages and the solver
// need about its bureau.
type neededSeat struct {
	commune, bureau string
	role            Role
	priority        int
	point           *places.Point
	order           int
	communeName     string
	bureauName      string
	address         string
}

func (s *neededSeat) key() seatKey { return seatKey{s.commune, s.bureau, s.role} }

type seatKey struct {
	commune, bureau string
	role            Role
}

// loadNeeds lists the seats needed in a round, in scope (nil: national),
// optionally for one département or commune, in commune and bureau order.
func loadNeeds(ctx context.Context, q pgdb.Q, electionID int64, round int, scope []string, departement, commune string) ([]neededSeat, error) {
	rules, err := loadRoleRules(ctx, q, electionID, round)
	if err != nil {
		return nil, err
	}
	prio, err := loadPriorities(ctx, q, electionID)
	if err != nil {
		return nil, err
	}
	// Sized up front (each bureau has at most the most roles of a rule): a
	// national round is 210,000 seats, whose growing would touch several
	// times their memory.
	var bureaux int
	if err := q.QueryRow(ctx, `
		SELECT count(*) FROM bureaux b JOIN communes c ON c.code = b.commune_code
		WHERE in_scope(b.commune_code, $1) AND ($2 = '' OR c.departement = $2) AND ($3 = '' OR b.commune_code = $3)`,
		scope, departement, commune).Scan(&bureaux); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `
		SELECT b.commune_code, b.code, c.name, b.name, b.address, coalesce(b.latitude, c.latitude), coalesce(b.longitude, c.longitude)
		FROM bureaux b JOIN communes c ON c.code = b.commune_code
		WHERE in_scope(b.commune_code, $1) AND ($2 = '' OR c.departement = $2) AND ($3 = '' OR b.commune_code = $3)
		ORDER BY b.commune_code, (CASE WHEN b.code ~ '^[0-9]+$' THEN b.code::bigint END) NULLS LAST, b.code`, scope, departement, commune)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	most := len(DefaultRoles)
	for _, roles := range rules[round] {
		most = max(most, len(roles))
	}
	out := make([]neededSeat, 0, bureaux*most)
	lastCommune, order := "", 0
	for rows.Next() {
		var s neededSeat
		var lat, lon *float64
		if err := rows.Scan(&s.commune, &s.bureau, &s.communeName, &s.bureauName, &s.address, &lat, &lon); err != nil {
			return nil, err
		}
		if s.commune != lastCommune {
			lastCommune, order = s.commune, 0
		}
		order++
		s.order = order
		if lat != nil && lon != nil {
			s.point = &places.Point{Lat: *lat, Lon: *lon}
		}
		s.priority = 1
		if len(prio) > 0 {
			if p, ok := prio[[2]string{s.commune, s.bureau}]; ok {
				s.priority = p
			}
		}
		roles := rules.of(round, s.commune)
		out = growFor(out, len(roles))
		for _, r := range roles {
			seat := s
			seat.role = r
			out = append(out, seat)
		}
	}
	return out, rows.Err()
}

// roleRules are an election's role rules by round and scope (a commune
// code, a département code, "" for the whole election), each in Roles
// order.
type roleRules map[int]map[string][]Role

// of returns the roles a bureau of commune needs in round: the most
// specific rule's, DefaultRoles without any.
func (rs roleRules) of(round int, commune string) []Role {
	for _, scope := range [...]string{commune, places.Departement(commune), ""} {
		if roles, ok := rs[round][scope]; ok {
			return roles
		}
	}
	return DefaultRoles
}

// loadRoleRules reads the role rules of one round of an election, or of
// every round with round 0.
func loadRoleRules(ctx context.Context, q pgdb.Q, electionID int64, round int) (roleRules, error) {
	rows, err := q.Query(ctx, `SELECT round, scope, roles FROM delegate_role_rules WHERE election_id = $1 AND ($2 = 0 OR round = $2)`, electionID, round)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rules := roleRules{}
	var (
		n     int
		scope string
		roles []string
	)
	for rows.Next() {
		if err := rows.Scan(&n, &scope, &roles); err != nil {
			return nil, err
		}
		list := make([]Role, len(roles))
		for i, r := range roles {
			list[i] = roleOf([]byte(r))
		}
		slices.SortFunc(list, func(a, b Role) int { return a.index() - b.index() })
		if rules[n] == nil {
			rules[n] = map[string][]Role{}
		}
		rules[n][scope] = list
	}
	return rules, rows.Err()
}

// loadPriorities reads an election's bureau priorities by commune and
// bureau code (a bureau without one has priority 1).
func loadPriorities(ctx context.Context, q pgdb.Q, electionID int64) (map[[2]string]int, error) {
	rows, err := q.Query(ctx, `SELECT commune_code, bureau_code, priority FROM delegate_priorities WHERE election_id = $1`, electionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string]int{}
	var (
		commune, bureau string
		priority        int
	)
	for rows.Next() {
		if err := rows.Scan(&commune, &bureau, &priority); err != nil {
			return nil, err
		}
		out[[2]string{commune, bureau}] = priority
	}
	return out, rows.Err()
}

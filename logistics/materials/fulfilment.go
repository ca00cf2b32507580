package materials

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// Filter selects orders for staff lists, batches and exports. Every query
// built from it is restricted to the staff member's scope by the delivery
// commune.
type Filter struct {
	ElectionID  int64
	Status      Status    // "" = any
	SKU         string    // orders containing this item
	Departement string    // of the delivery commune
	From, To    time.Time // Paris calendar days, inclusive; zero = open
	BatchID     int64
	// NotCancelled leaves cancelled orders out (documents for the printer
	// and the shipper).
	NotCancelled bool
	Limit        int
	Offset       int
}

// ParseFilter reads a filter from query-string or export parameters:
// election (slug; default the only open one, or the batch's), batch (id),
// status, sku, departement (or overseas collectivity), from and to
// (AAAA-MM-JJ). Bad values are a *check.Invalid keyed by parameter name.
func ParseFilter(ctx context.Context, q pgdb.Q, p map[string]string, now time.Time) (Filter, *elections.Election, error) {
	var f Filter
	errs := check.Errors{}
	var e *elections.Election
	if b := strings.TrimSpace(p["batch"]); b != "" {
		id, err := strconv.ParseInt(b, 10, 64)
		var electionID int64
		if err == nil {
			err = q.QueryRow(ctx, `SELECT election_id FROM material_batches WHERE id = $1`, id).Scan(&electionID)
		}
		if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, strconv.ErrSyntax) || errors.Is(err, strconv.ErrRange) {
			errs.Add("batch", "Lot inconnu.")
		} else if err != nil {
			return f, nil, err
		} else {
			f.BatchID = id
			if e, err = elections.ByID(ctx, q, electionID); err != nil {
				return f, nil, err
			}
		}
	}
	if e == nil && errs["batch"] == "" {
		var err error
		e, err = ResolveElection(ctx, q, p["election"], "election", now)
		if _, err := errs.Merge(err); err != nil {
			return f, nil, err
		}
	}
	if e != nil {
		f.ElectionID = e.ID
	}
	st, ok := ParseStatus(p["status"])
	if !ok {
		errs.Add("status", "Statut inconnu.")
	}
	f.Status = st
	f.SKU = NormalizeSKU(p["sku"])
	// The département (or overseas collectivity: 987) as every staff list
	// reads it (places.CheckArea; the scope is the caller's to check).
	f.Departement = strings.ToUpper(strings.TrimSpace(p["departement"]))
	dep, _, err := places.CheckArea(nil, f.Departement, "")
	merged, err := errs.Merge(err)
	if err != nil {
		return f, nil, err
	}
	if !merged {
		f.Departement = dep
	}
	for _, d := range []struct {
		key string
		to  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := strings.TrimSpace(p[d.key]); s != "" {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				errs.Add(d.key, "Date invalide (AAAA-MM-JJ).")
			}
			*d.to = t
		}
	}
	return f, e, errs.Err()
}

// where is the SQL condition on orders "o" for f and scope, and its
// arguments; the scope is always $1.
func (f Filter) where(scope []string) (string, []any) {
	args := []any{scope}
	conds := []string{"in_scope(o.commune_code, $1)"}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if f.ElectionID != 0 {
		add("o.election_id = $?", f.ElectionID)
	}
	if f.BatchID != 0 {
		add("o.batch_id = $?", f.BatchID)
	}
	if f.Status != "" {
		add("o.status = $?", string(f.Status))
	}
	if f.NotCancelled {
		conds = append(conds, "o.status <> 'cancelled'")
	}
	if f.SKU != "" {
		add(`EXISTS (SELECT 1 FROM material_order_lines fl JOIN material_items fi ON fi.id = fl.item_id
			WHERE fl.order_id = o.id AND fi.sku = $?)`, f.SKU)
	}
	if f.Departement != "" {
		add("departement_of(o.commune_code) = $?", f.Departement)
	}
	if !f.From.IsZero() {
		add("o.created_at >= $?", parisMidnight(f.From))
	}
	if !f.To.IsZero() {
		add("o.created_at < $?", parisMidnight(f.To.AddDate(0, 0, 1)))
	}
	return strings.Join(conds, " AND "), args
}

func parisMidnight(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, elections.Paris)
}

// PageLimit is the size of a page of orders asked for as limit: 100 by
// default, at most 500.
func PageLimit(limit int) int {
	if limit <= 0 {
		return 100
	}
	return min(limit, 500)
}

// ListOrders returns one page of the orders matching f in scope, newest
// first, and how many match in all.
func ListOrders(ctx context.Context, q pgdb.Q, scope []string, f Filter) ([]Order, int, error) {
	where, args := f.where(scope)
	var total int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM material_orders o WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	f.Limit = PageLimit(f.Limit)
	rows, err := q.Query(ctx, orderSelect+` WHERE `+where+
		fmt.Sprintf(` ORDER BY o.id DESC LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Order, error) {
		o, err := scanOrder(r)
		if err != nil {
			return Order{}, err
		}
		return *o, nil
	})
	return out, total, err
}

// EachOrder calls fn for every order matching f in scope, in delivery order
// (département, commune, order number: the département is the commune
// code's prefix, so ordering by code is enough), streaming from the
// database so that memory stays bounded whatever the count. It returns how
// many it passed.
func EachOrder(ctx context.Context, q pgdb.Q, scope []string, f Filter, fn func(o *Order) error) (int, error) {
	where, args := f.where(scope)
	rows, err := q.Query(ctx, bulkOrderSelect(where)+` ORDER BY o.commune_code, o.id`, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return n, err
		}
		if err := fn(o); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// OrderByID loads an order within scope.
func OrderByID(ctx context.Context, q pgdb.Q, scope []string, id int64) (*Order, error) {
	return scanOrder(q.QueryRow(ctx, orderSelect+` WHERE o.id = $1 AND in_scope(o.commune_code, $2)`, id, scope))
}

// PrinterRow is the quantity of one item to deliver in one département.
type PrinterRow struct {
	Departement string `json:"departement"`
	SKU         string `json:"sku"`
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	PackSize    int    `json:"pack_size"`
	Quantity    int    `json:"quantity"`
	Orders      int    `json:"orders"`
}

// Packs is the number of packs to print.
func (r PrinterRow) Packs() int { return r.Quantity / max(r.PackSize, 1) }

// PrinterRows groups the orders matching f per département and item: what
// the printer makes and where it goes.
func PrinterRows(ctx context.Context, q pgdb.Q, scope []string, f Filter) ([]PrinterRow, error) {
	where, args := f.where(scope)
	if f.SKU != "" {
		args = append(args, f.SKU)
		where += fmt.Sprintf(" AND i.sku = $%d", len(args))
	}
	rows, err := q.Query(ctx, `
		SELECT departement_of(o.commune_code) AS dep, i.sku, i.name, i.unit, i.pack_size,
			sum(l.quantity)::integer, count(DISTINCT o.id)::integer
		FROM material_orders o
		JOIN material_order_lines l ON l.order_id = o.id
		JOIN material_items i ON i.id = l.item_id
		WHERE `+where+`
		GROUP BY dep, i.id ORDER BY dep, i.sku`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[PrinterRow])
}

// Batch is a group of orders handed together to the printer and the
// shipper. Counts are within the reader's scope.
type Batch struct {
	ID          int64      `json:"id"`
	ElectionID  int64      `json:"election_id"`
	Departement string     `json:"departement"`
	SKU         string     `json:"sku"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	SentAt      *time.Time `json:"sent_at"`
	Orders      int        `json:"orders"`    // not cancelled
	Shipped     int        `json:"shipped"`   // shipped or delivered
	Cancelled   int        `json:"cancelled"` // cancelled after batching
}

const batchSelect = `
	SELECT b.id, b.election_id, b.departement, b.sku, b.created_by, b.created_at, b.sent_at,
		(count(o.id) FILTER (WHERE o.status <> 'cancelled'))::integer,
		(count(o.id) FILTER (WHERE o.status IN ('shipped', 'delivered')))::integer,
		(count(o.id) FILTER (WHERE o.status = 'cancelled'))::integer
	FROM material_batches b
	JOIN material_orders o ON o.batch_id = b.id AND in_scope(o.commune_code, $1)`

// Batches lists an election's batches that hold orders within scope,
// newest first.
func Batches(ctx context.Context, q pgdb.Q, scope []string, electionID int64) ([]Batch, error) {
	rows, err := q.Query(ctx, batchSelect+` WHERE b.election_id = $2 GROUP BY b.id ORDER BY b.id DESC`, scope, electionID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Batch])
}

// BatchByID loads a batch holding orders within scope.
func BatchByID(ctx context.Context, q pgdb.Q, scope []string, id int64) (*Batch, error) {
	rows, err := q.Query(ctx, batchSelect+` WHERE b.id = $2 GROUP BY b.id`, scope, id)
	if err != nil {
		return nil, err
	}
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Batch])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	return &b, err
}

// BatchInput makes a batch of the pending orders of an election within the
// staff member's scope, optionally of one département or containing one
// item.
type BatchInput struct {
	Election    string `json:"election"`
	Departement string `json:"departement"`
	SKU         string `json:"sku"`
}

// CreateBatch puts the matching pending orders in a new batch (they are now
// "en préparation") and tells each person.
func CreateBatch(ctx context.Context, pool *pgxpool.Pool, u *staff.User, in BatchInput, now time.Time) (*Batch, error) {
	if !u.CanAct() {
		return nil, check.ErrForbidden
	}
	var id int64
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		p := map[string]string{"election": in.Election, "departement": in.Departement, "sku": in.SKU}
		f, _, err := ParseFilter(ctx, tx, p, now)
		if err != nil {
			return err
		}
		if f.SKU != "" {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM material_items WHERE election_id = $1 AND sku = $2)`,
				f.ElectionID, f.SKU).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return check.Field("sku", "Article inconnu.")
			}
		}
		// The scope filter below keeps the batch to u's communes, whatever
		// département was asked for.
		f.Status = Pending
		if err := tx.QueryRow(ctx, `INSERT INTO material_batches (election_id, departement, sku, created_by)
			VALUES ($1, $2, $3, $4) RETURNING id`, f.ElectionID, f.Departement, f.SKU, u.Actor()).Scan(&id); err != nil {
			return err
		}
		where, args := f.where(u.ScopeArg())
		args = append(args, id)
		rows, err := tx.Query(ctx, fmt.Sprintf(`
			UPDATE material_orders o SET status = 'batched', batch_id = $%d, batched_at = now()
			WHERE %s RETURNING o.id, o.name, o.email`, len(args), where), args...)
		if err != nil {
			return err
		}
		var msgs []notify.Message
		for rows.Next() {
			o := &Order{}
			if err := rows.Scan(&o.ID, &o.Name, &o.Email); err != nil {
				rows.Close()
				return err
			}
			msgs = append(msgs, batchedMessage(o))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(msgs) == 0 {
			return &check.Conflict{Msg: "Aucune commande en attente ne correspond à ces critères."}
		}
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "material_batch.create", "material_batch", fmt.Sprint(id),
			map[string]any{"orders": len(msgs), "departement": f.Departement, "sku": f.SKU})
	})
	if err != nil {
		return nil, err
	}
	return BatchByID(ctx, pool, u.ScopeArg(), id)
}

// batchScopeCounts counts the orders of a batch, whatever their status,
// within scope (a ScopeArg) and outside it.
func batchScopeCounts(ctx context.Context, q pgdb.Q, scope []string, id int64) (inScope, outside int, err error) {
	var total int
	if err := q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE in_scope(commune_code, $2)), count(*)
		FROM material_orders WHERE batch_id = $1`, id, scope).Scan(&inScope, &total); err != nil {
		return 0, 0, err
	}
	return inScope, total - inScope, nil
}

// BatchOutOfScope is how many orders of a batch, whatever their status,
// lie outside scope (a ScopeArg): with any, only staff covering the whole
// batch may act on it (see MarkBatchSent). It tells the count only,
// nothing of those orders.
func BatchOutOfScope(ctx context.Context, q pgdb.Q, scope []string, id int64) (int, error) {
	_, outside, err := batchScopeCounts(ctx, q, scope, id)
	return outside, err
}

// batchInScope refuses to act on a batch unless every order in it is
// within u's scope (a national batch is for national staff).
func batchInScope(ctx context.Context, q pgdb.Q, u *staff.User, id int64) error {
	inScope, outside, err := batchScopeCounts(ctx, q, u.ScopeArg(), id)
	switch {
	case err != nil:
		return err
	case inScope == 0:
		return check.ErrNotFound
	case outside > 0:
		return check.ErrForbidden
	}
	return nil
}

// MarkBatchSent records that a batch left for delivery: its orders not yet
// shipped are shipped, and each person is told. It returns how many orders
// it shipped.
func MarkBatchSent(ctx context.Context, pool *pgxpool.Pool, u *staff.User, id int64) (int, error) {
	if !u.CanAct() {
		return 0, check.ErrForbidden
	}
	var n int
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		var sent *time.Time
		err := tx.QueryRow(ctx, `SELECT sent_at FROM material_batches WHERE id = $1 FOR UPDATE`, id).Scan(&sent)
		if errors.Is(err, pgx.ErrNoRows) {
			return check.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := batchInScope(ctx, tx, u, id); err != nil {
			return err
		}
		if sent != nil {
			return &check.Conflict{Msg: "Ce lot est déjà marqué comme envoyé."}
		}
		if _, err := tx.Exec(ctx, `UPDATE material_batches SET sent_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			UPDATE material_orders o SET status = 'shipped', shipped_at = now()
			FROM communes c WHERE c.code = o.commune_code AND o.batch_id = $1 AND o.status = 'batched'
			RETURNING o.id, o.name, o.email, o.address, o.postal_code, c.name, o.tracking`, id)
		if err != nil {
			return err
		}
		var msgs []notify.Message
		for rows.Next() {
			o := &Order{}
			if err := rows.Scan(&o.ID, &o.Name, &o.Email, &o.Address, &o.PostalCode, &o.CommuneName, &o.Tracking); err != nil {
				rows.Close()
				return err
			}
			msgs = append(msgs, shippedMessage(o))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		n = len(msgs)
		if err := notify.Enqueue(ctx, tx, msgs...); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "material_batch.sent", "material_batch", fmt.Sprint(id), map[string]any{"orders": n})
	})
	return n, err
}

var trackingRe = regexp.MustCompile(`^[A-Za-z0-9 ._/-]{0,64}$`)

// checkTracking reads a carrier's tracking number, trimmed; required when
// it is all the action is for.
func checkTracking(tracking string, required bool) (string, error) {
	tracking = strings.TrimSpace(tracking)
	switch {
	case tracking == "" && required:
		return "", check.Field("tracking", "Indiquez le numéro de suivi du colis.")
	case !trackingRe.MatchString(tracking):
		return "", check.Field("tracking", "Numéro de suivi invalide (lettres, chiffres, espaces et . _ / -, 64 caractères au plus).")
	}
	return tracking, nil
}

// ShipOrder marks one order shipped, with the carrier's tracking number if
// any, and tells the person.
func ShipOrder(ctx context.Context, pool *pgxpool.Pool, u *staff.User, id int64, tracking string) (*Order, error) {
	tracking, err := checkTracking(tracking, false)
	if err != nil {
		return nil, err
	}
	return transition(ctx, pool, u, id, "material_order.ship", []Status{Pending, Batched}, shippedMessage,
		`status = 'shipped', shipped_at = now(), tracking = $4`, tracking)
}

// SetTracking gives a shipped order its carrier's tracking number, or a
// new one, and sends it to the person: orders shipped with their batch
// leave without one (the carrier gives it later).
func SetTracking(ctx context.Context, pool *pgxpool.Pool, u *staff.User, id int64, tracking string) (*Order, error) {
	tracking, err := checkTracking(tracking, true)
	if err != nil {
		return nil, err
	}
	return transition(ctx, pool, u, id, "material_order.tracking", []Status{Shipped}, trackingMessage,
		`tracking = $4`, tracking)
}

// DeliverOrder marks a shipped order delivered and tells the person.
func DeliverOrder(ctx context.Context, pool *pgxpool.Pool, u *staff.User, id int64) (*Order, error) {
	return transition(ctx, pool, u, id, "material_order.deliver", []Status{Shipped}, deliveredMessage,
		`status = 'delivered', delivered_at = now()`)
}

// CancelOrder is staff cancelling an order not yet shipped (the person is
// told and the stock comes back).
func CancelOrder(ctx context.Context, pool *pgxpool.Pool, u *staff.User, id int64) (*Order, error) {
	if !u.CanAct() {
		return nil, check.ErrForbidden
	}
	var o *Order
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := OrderByID(ctx, tx, u.ScopeArg(), id); err != nil {
			return err
		}
		var err error
		o, err = cancel(ctx, tx, id, u.Actor(), "Notre équipe a annulé")
		return err
	})
	return o, err
}

// transition moves an order in scope from one of the from statuses, in one
// UPDATE so that a concurrent cancellation or shipment cannot interleave.
// set may use $4 onwards, bound to extra.
func transition(ctx context.Context, pool *pgxpool.Pool, u *staff.User, id int64, action string,
	from []Status, message func(*Order) notify.Message, set string, extra ...any) (*Order, error) {
	if !u.CanAct() {
		return nil, check.ErrForbidden
	}
	var o *Order
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		froms := make([]string, len(from))
		for i, s := range from {
			froms[i] = string(s)
		}
		args := append([]any{id, froms, u.ScopeArg()}, extra...)
		tag, err := tx.Exec(ctx, `UPDATE material_orders SET `+set+`
			WHERE id = $1 AND status = ANY($2) AND in_scope(commune_code, $3)`, args...)
		if err != nil {
			return err
		}
		if o, err = OrderByID(ctx, tx, u.ScopeArg(), id); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			switch o.Status {
			case Cancelled:
				return &check.Conflict{Msg: "Cette commande est annulée."}
			case Pending, Batched:
				return &check.Conflict{Msg: "Cette commande n'est pas encore expédiée."}
			case Shipped:
				return &check.Conflict{Msg: "Cette commande est déjà expédiée."}
			default:
				return &check.Conflict{Msg: "Cette commande est déjà livrée."}
			}
		}
		if err := staff.Audit(ctx, tx, u.Actor(), action, "material_order", fmt.Sprint(id), nil); err != nil {
			return err
		}
		return notify.Enqueue(ctx, tx, message(o))
	})
	return o, err
}

// ItemCount is the dashboard line of one item: units ordered and shipped
// (within scope) and units left in stock (national).
type ItemCount struct {
	SKU       string
	Name      string
	Unit      string
	Ordered   int
	Available int
	Shipped   int
}

// Counts gives the dashboard figures of the given elections' items.
func Counts(ctx context.Context, q pgdb.Q, scope []string, electionIDs []int64) ([]ItemCount, int, error) {
	rows, err := q.Query(ctx, `
		SELECT i.sku, i.name, i.unit,
			coalesce(sum(l.quantity) FILTER (WHERE o.status <> 'cancelled'), 0)::integer,
			greatest(i.stock - i.reserved, 0),
			coalesce(sum(l.quantity) FILTER (WHERE o.status IN ('shipped', 'delivered')), 0)::integer
		FROM material_items i
		LEFT JOIN material_order_lines l ON l.item_id = i.id
		LEFT JOIN material_orders o ON o.id = l.order_id AND in_scope(o.commune_code, $1)
		WHERE i.election_id = ANY($2)
		GROUP BY i.id ORDER BY i.election_id DESC, i.sku`, scope, electionIDs)
	if err != nil {
		return nil, 0, err
	}
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ItemCount])
	if err != nil {
		return nil, 0, err
	}
	var pending int
	err = q.QueryRow(ctx, `SELECT count(*) FROM material_orders o
		WHERE o.election_id = ANY($2) AND o.status = 'pending' AND in_scope(o.commune_code, $1)`, scope, electionIDs).Scan(&pending)
	return counts, pending, err
}

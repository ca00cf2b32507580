package materials

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/contact"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
	"scrutin/logistics/token"
)

// OrderLine is one item of an order as a person asks for it.
type OrderLine struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// OrderInput is an order, from the public form or POST /api/v1/material-orders.
type OrderInput struct {
	Election    string      `json:"election"`
	Items       []OrderLine `json:"items"`
	Name        string      `json:"name"`
	Address     string      `json:"address"`
	PostalCode  string      `json:"postal_code"`
	CommuneCode string      `json:"commune_code"` // may be empty when the postal code has one commune
	Email       string      `json:"email"`
	Phone       string      `json:"phone"`
	// Consent is the box of the public form (always sent by it); an API
	// client that omits it is responsible for having collected consent.
	Consent *bool `json:"consent,omitempty"`
}

// QuantityField is the error key (and form field name) of an item's quantity.
func QuantityField(sku string) string { return "items." + sku + ".quantity" }

// SKUField is the error key of an unknown or repeated reference.
func SKUField(sku string) string { return "items." + sku + ".sku" }

// MaxLines bounds the number of different items in one order.
const MaxLines = 50

// Line is one item of a stored order.
type Line struct {
	ItemID      int64   `json:"-"`
	SKU         string  `json:"sku"`
	Name        string  `json:"name"`
	Unit        string  `json:"unit"`
	Quantity    int     `json:"quantity"`
	UnitWeightG float64 `json:"-"` // 0 = unknown
}

// Order is a stored order with its lines.
type Order struct {
	ID          int64  `json:"id"`
	ElectionID  int64  `json:"election_id"`
	Status      Status `json:"status"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	PostalCode  string `json:"postal_code"`
	CommuneCode string `json:"commune_code"`
	CommuneName string `json:"commune_name"`
	// DeliveryTown is what follows the postal code on the address's last
	// line: La Poste's delivery name ("PARIS"), else the commune's name in
	// capitals.
	DeliveryTown string     `json:"delivery_town"`
	Email        string     `json:"email"`
	Phone        string     `json:"phone"`
	BatchID      *int64     `json:"batch_id"`
	Tracking     string     `json:"tracking"`
	CreatedAt    time.Time  `json:"created_at"`
	ShippedAt    *time.Time `json:"shipped_at,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	Lines        []Line     `json:"items"`
}

// Amount is a line's quantity with its unit: "1 000 tracts".
func (l Line) Amount() string { return fr.Number(l.Quantity) + " " + l.Unit }

// Shipped, Delivered and Cancelled are the step dates (zero when not
// reached), for pages and documents.
func (o *Order) Shipped() time.Time   { return deref(o.ShippedAt) }
func (o *Order) Delivered() time.Time { return deref(o.DeliveredAt) }
func (o *Order) Cancelled() time.Time { return deref(o.CancelledAt) }

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// Departement of the delivery address.
func (o *Order) Departement() string { return places.Departement(o.CommuneCode) }

// WeightG is the parcel's weight in grams, when every item's weight is known.
func (o *Order) WeightG() (float64, bool) {
	var g float64
	for _, l := range o.Lines {
		if l.UnitWeightG <= 0 {
			return 0, false
		}
		g += l.UnitWeightG * float64(l.Quantity)
	}
	return g, len(o.Lines) > 0
}

// Contents lists the parcel's contents in one line: "100 tracts Tract A5 ; 10 affiches Affiche A2".
func (o *Order) Contents() string {
	parts := make([]string, len(o.Lines))
	for i, l := range o.Lines {
		parts[i] = fmt.Sprintf("%s %s %s (%s)", fr.Number(l.Quantity), l.Unit, l.Name, l.SKU)
	}
	return strings.Join(parts, " ; ")
}

// PlaceOptions are what PlaceOrder needs besides the input.
type PlaceOptions struct {
	Now     time.Time
	BaseURL string // absolute prefix of the private link sent by e-mail
	Actor   string // audit actor; staff.ActorPublic by default
}

// Placed is a new order and the plain token of its private link (only its
// hash is stored; the link goes out by e-mail).
type Placed struct {
	Order *Order
	Token string
}

// LinkPath is the private page of an order, relative to the site.
func LinkPath(plain string) string { return "/materiel/t/" + plain }

// PlaceOrder validates an order and stores it, reserving the stock, in one
// transaction with its audit row and confirmation e-mail. Every refusal is
// a *check.Invalid naming the item concerned.
func PlaceOrder(ctx context.Context, pool *pgxpool.Pool, in OrderInput, o PlaceOptions) (*Placed, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Actor == "" {
		o.Actor = staff.ActorPublic
	}
	var placed *Placed
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		placed, err = placeOrder(ctx, tx, in, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return placed, nil
}

// wanted is a line that passed the item's own rules.
type wanted struct {
	item  *Item
	qty   int
	field string
}

func placeOrder(ctx context.Context, tx pgx.Tx, in OrderInput, o PlaceOptions) (*Placed, error) {
	errs := check.Errors{}
	e, err := ResolveElection(ctx, tx, in.Election, "election", o.Now)
	if merged, err := errs.Merge(err); err != nil {
		return nil, err
	} else if merged {
		e = nil
	}
	name := contact.Name(errs, "name", "Le nom du destinataire", in.Name, true)
	address := contact.Text(errs, "address", "L'adresse", strings.Join(strings.Fields(in.Address), " "), true, 200)
	if address != "" && strings.ContainsAny(address, "<>") {
		errs.Add("address", "L'adresse contient des caractères non autorisés.")
	}
	email := contact.Email(errs, "email", in.Email)
	phone := contact.Phone(errs, "phone", in.Phone, true)
	commune, postal, err := checkDelivery(ctx, tx, errs, in.PostalCode, in.CommuneCode)
	if err != nil {
		return nil, err
	}
	if in.Consent != nil {
		contact.Consent(errs, "consent", *in.Consent)
	}
	lines, err := checkLines(ctx, tx, errs, e, in.Items, o.Now)
	if err != nil {
		return nil, err
	}

	// The per-person maximum counts earlier orders of the same e-mail or the
	// same delivery address. The locks make "count, then insert" atomic per
	// person: a second order of the same person waits for the first to
	// commit and then sees it.
	var addrKey string
	if errs["address"] == "" && errs["commune_code"] == "" && commune != "" {
		addrKey = AddressKey(address, commune)
	}
	if errs["email"] != "" {
		email = ""
	}
	if e != nil && (email != "" || addrKey != "") && len(lines) > 0 {
		if err := lockPerson(ctx, tx, e.ID, email, addrKey); err != nil {
			return nil, err
		}
		earlier, err := earlierQuantities(ctx, tx, e.ID, email, addrKey)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if before := earlier[l.item.ID]; before+l.qty > l.item.MaxPerPerson {
				errs.Add(l.field, maxMessage(l.item, before))
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}

	plain, hash := token.New()
	order := &Order{ElectionID: e.ID, Status: Pending, Name: name, Address: address, PostalCode: postal,
		CommuneCode: commune, Email: email, Phone: phone}
	if err := tx.QueryRow(ctx, `
		INSERT INTO material_orders (election_id, name, address, postal_code, commune_code, email, phone,
			address_key, token_hash, token_expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id, created_at, (SELECT name FROM communes WHERE code = $5)`,
		e.ID, name, address, postal, commune, email, phone, addrKey, hash, tokenExpiry(e, o.Now),
	).Scan(&order.ID, &order.CreatedAt, &order.CommuneName); err != nil {
		return nil, err
	}
	ids := make([]int64, len(lines))
	qtys := make([]int32, len(lines))
	for i, l := range lines {
		ids[i], qtys[i] = l.item.ID, int32(l.qty)
		order.Lines = append(order.Lines, Line{ItemID: l.item.ID, SKU: l.item.SKU, Name: l.item.Name,
			Unit: l.item.Unit, Quantity: l.qty, UnitWeightG: l.item.UnitWeightG})
	}
	sort.Slice(order.Lines, func(i, j int) bool { return order.Lines[i].SKU < order.Lines[j].SKU })
	if _, err := tx.Exec(ctx, `
		INSERT INTO material_order_lines (order_id, item_id, quantity)
		SELECT $1, item_id, quantity FROM unnest($2::bigint[], $3::integer[]) AS t(item_id, quantity)`,
		order.ID, ids, qtys); err != nil {
		return nil, err
	}
	if err := staff.Audit(ctx, tx, o.Actor, "material_order.create", "material_order", fmt.Sprint(order.ID),
		map[string]any{"items": len(lines), "commune": commune}); err != nil {
		return nil, err
	}
	if err := notify.Enqueue(ctx, tx, confirmationMessage(e, order, strings.TrimRight(o.BaseURL, "/")+LinkPath(plain))); err != nil {
		return nil, err
	}

	// Reserve last, in item order: the row locks are then held only until
	// the commit that follows, and two orders never wait on each other in
	// opposite orders.
	slices.SortFunc(lines, func(a, b wanted) int { return cmp.Compare(a.item.ID, b.item.ID) })
	for _, l := range lines {
		var left int
		// Whole packs of the item as it is now: staff may have changed
		// the pack size since the quantities were checked (UpdateItem
		// sees only committed orders).
		err := tx.QueryRow(ctx, `
			UPDATE material_items SET reserved = reserved + $2
			WHERE id = $1 AND stock - reserved >= $2 AND $2 % pack_size = 0 RETURNING stock - reserved`, l.item.ID, l.qty).Scan(&left)
		if errors.Is(err, pgx.ErrNoRows) {
			var pack int
			if err := tx.QueryRow(ctx, `SELECT greatest(stock - reserved, 0), pack_size FROM material_items WHERE id = $1`, l.item.ID).Scan(&left, &pack); err != nil {
				return nil, err
			}
			if l.qty%pack != 0 {
				now := *l.item
				now.PackSize = pack
				errs.Add(l.field, now.quantityProblem(l.qty, time.Time{}))
				continue
			}
			errs.Add(l.field, StockMessage(l.item, left))
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err // rolls back the order and any reservation made above
	}
	return &Placed{Order: order, Token: plain}, nil
}

var postalRe = regexp.MustCompile(`^[0-9]{5}$`)

// checkDelivery validates the postal code and commune of the delivery
// address: the postal code must be one of the commune's (La Poste table).
// An empty commune is taken from the postal code when it has only one.
func checkDelivery(ctx context.Context, q pgdb.Q, errs check.Errors, postal, commune string) (string, string, error) {
	postal = strings.ReplaceAll(strings.TrimSpace(postal), " ", "")
	postalOK := false
	switch {
	case postal == "":
		errs.Add("postal_code", "Le code postal est obligatoire.")
	case !postalRe.MatchString(postal):
		errs.Add("postal_code", "Code postal invalide (5 chiffres).")
	default:
		postalOK = true
	}
	if strings.TrimSpace(commune) == "" && postalOK {
		rows, err := q.Query(ctx, `SELECT commune_code FROM postal_codes
			WHERE postal_code = $1 AND commune_code NOT IN ('75056', '69123', '13055') ORDER BY 1 LIMIT 2`, postal)
		if err != nil {
			return "", postal, err
		}
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return "", postal, err
		}
		switch len(codes) {
		case 0:
			errs.Add("postal_code", "Code postal inconnu.")
			return "", postal, nil
		case 1:
			return codes[0], postal, nil
		default:
			errs.Add("commune_code", "Plusieurs communes ont ce code postal : choisissez la vôtre.")
			return "", postal, nil
		}
	}
	code, _, err := places.CheckPlace(ctx, q, errs, "commune_code", commune, "", "", false)
	if err != nil || code == "" || !postalOK {
		return code, postal, err
	}
	var name string
	var matches bool
	if err := q.QueryRow(ctx, `SELECT c.name, EXISTS (SELECT 1 FROM postal_codes p WHERE p.postal_code = $1 AND p.commune_code = c.code)
		FROM communes c WHERE c.code = $2`, postal, code).Scan(&name, &matches); err != nil {
		return "", postal, err
	}
	if !matches {
		errs.Add("postal_code", fmt.Sprintf("Le code postal %s ne correspond pas à la commune %s.", postal, name))
	}
	return code, postal, nil
}

// checkLines applies each item's own rules (active, cut-off, minimum, pack,
// maximum for one order, stock at this moment) and returns the lines that
// pass them.
func checkLines(ctx context.Context, q pgdb.Q, errs check.Errors, e *elections.Election, lines []OrderLine, now time.Time) ([]wanted, error) {
	if len(lines) == 0 {
		errs.Add("items", "Choisissez au moins un article et sa quantité.")
		return nil, nil
	}
	if len(lines) > MaxLines {
		errs.Add("items", "Trop d'articles différents dans une seule commande.")
		return nil, nil
	}
	if e == nil {
		return nil, nil
	}
	skus := make([]string, len(lines))
	for i := range lines {
		skus[i] = NormalizeSKU(lines[i].SKU)
	}
	rows, err := q.Query(ctx, `SELECT `+itemColumns+` FROM material_items WHERE election_id = $1 AND sku = ANY($2)`, e.ID, skus)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Item, error) { return scanItem(r) })
	if err != nil {
		return nil, err
	}
	items := map[string]*Item{}
	for _, it := range found {
		items[it.SKU] = it
	}
	seen := map[string]bool{}
	var out []wanted
	for i, l := range lines {
		sku := skus[i]
		if sku == "" {
			errs.Add("items", "Chaque article commandé doit avoir sa référence (sku).")
			continue
		}
		if len([]rune(sku)) > 40 {
			sku = string([]rune(sku)[:40])
		}
		if seen[sku] {
			errs.Add(SKUField(sku), "Article en double : indiquez-le une seule fois, avec la quantité totale.")
			continue
		}
		seen[sku] = true
		it, ok := items[sku]
		if !ok {
			errs.Add(SKUField(sku), fmt.Sprintf("Article inconnu : %s.", sku))
			continue
		}
		if msg := it.quantityProblem(l.Quantity, now); msg != "" {
			errs.Add(QuantityField(sku), msg)
			continue
		}
		out = append(out, wanted{item: it, qty: l.Quantity, field: QuantityField(sku)})
	}
	return out, nil
}

// quantityProblem is the French message for a quantity this item refuses
// in any single order, or "".
func (i *Item) quantityProblem(q int, now time.Time) string {
	switch {
	case !i.Active:
		return fmt.Sprintf("« %s » n'est plus proposé.", i.Name)
	case elections.Today(now).After(i.Cutoff):
		return fmt.Sprintf("« %s » ne peut plus être commandé : la date limite était le %s.", i.Name, i.Cutoff.Format("02/01/2006"))
	case q <= 0:
		return fmt.Sprintf("« %s » : indiquez une quantité (%s %s au minimum).", i.Name, fr.Number(i.MinPerPerson), i.Unit)
	case q < i.MinPerPerson:
		return fmt.Sprintf("« %s » : %s %s au minimum.", i.Name, fr.Number(i.MinPerPerson), i.Unit)
	case q > i.MaxPerPerson:
		return fmt.Sprintf("« %s » : %s %s au plus par personne.", i.Name, fr.Number(i.MaxPerPerson), i.Unit)
	case q%i.PackSize != 0:
		lower := q - q%i.PackSize
		if lower < i.MinPerPerson {
			lower = i.MinPerPerson
		}
		return fmt.Sprintf("« %s » : par paquets de %s, commandez par exemple %s ou %s %s.",
			i.Name, fr.Number(i.PackSize), fr.Number(lower), fr.Number(lower+i.PackSize), i.Unit)
	case q > i.Available():
		return StockMessage(i, i.Available())
	}
	return ""
}

// StockMessage refuses a quantity above the stock left.
func StockMessage(i *Item, left int) string {
	if left < i.MinPerPerson {
		return fmt.Sprintf("« %s » est épuisé.", i.Name)
	}
	return fmt.Sprintf("« %s » : stock insuffisant, il reste %s %s.", i.Name, fr.Number(left), i.Unit)
}

// maxMessage refuses a quantity that would take a person, with the
// before they ordered earlier, over the item's maximum. What is left is
// offered only when an order can take it (whole packs, the minimum or
// more): offering 100 under a minimum of 200 would send the person round
// between two refusals.
func maxMessage(i *Item, before int) string {
	left := i.MaxPerPerson - before
	if i.PackSize > 0 && left > 0 {
		left -= left % i.PackSize
	}
	switch {
	case left >= i.MinPerPerson && left > 0:
		return fmt.Sprintf("« %s » : %s %s au plus par personne ; vous en avez déjà commandé %s, vous pouvez encore en commander %s.",
			i.Name, fr.Number(i.MaxPerPerson), i.Unit, fr.Number(before), fr.Number(left))
	case i.MaxPerPerson-before > 0:
		return fmt.Sprintf("« %s » : vous en avez déjà commandé %s sur %s %s au plus par personne, et une commande en compte %s au moins : vous ne pouvez plus en commander.",
			i.Name, fr.Number(before), fr.Number(i.MaxPerPerson), i.Unit, fr.Number(i.MinPerPerson))
	}
	return fmt.Sprintf("« %s » : vous avez déjà commandé le maximum de %s %s par personne.", i.Name, fr.Number(i.MaxPerPerson), i.Unit)
}

// addressWords are spelled one way so that "12 avenue Victor Hugo" and
// "12 av. Victor-Hugo" are the same delivery address.
var addressWords = map[string]string{
	"avenue": "av", "ave": "av", "boulevard": "bd", "bld": "bd", "blvd": "bd", "place": "pl",
	"chemin": "ch", "che": "ch", "route": "rte", "allee": "all", "impasse": "imp", "square": "sq",
	"faubourg": "fg", "fbg": "fg", "residence": "res", "batiment": "bat", "appartement": "apt",
	"appt": "apt", "lotissement": "lot", "quai": "qu", "cours": "crs", "rue": "r",
}

// AddressKey is the normalised delivery address used to count a person's
// earlier orders: commune, then the folded address (no accents, case or
// punctuation, usual abbreviations).
func AddressKey(address, communeCode string) string {
	words := strings.Fields(places.Fold(address))
	for i, w := range words {
		if a, ok := addressWords[w]; ok {
			words[i] = a
		}
	}
	return communeCode + "|" + strings.Join(words, " ")
}

// lockKey maps a person key to an advisory lock number.
func lockKey(electionID int64, kind, value string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "scrutin.materials:%d:%s:%s", electionID, kind, value)
	return int64(h.Sum64())
}

// lockPerson takes the transaction's advisory locks on the person's e-mail
// and address, in a fixed order so that two orders sharing one of them
// cannot deadlock.
func lockPerson(ctx context.Context, tx pgx.Tx, electionID int64, email, addrKey string) error {
	var keys []int64
	if email != "" {
		keys = append(keys, lockKey(electionID, "email", email))
	}
	if addrKey != "" {
		keys = append(keys, lockKey(electionID, "address", addrKey))
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, k); err != nil {
			return err
		}
	}
	return nil
}

// earlierQuantities sums, per item, the non-cancelled orders of a person.
func earlierQuantities(ctx context.Context, q pgdb.Q, electionID int64, email, addrKey string) (map[int64]int, error) {
	rows, err := q.Query(ctx, `
		SELECT l.item_id, sum(l.quantity)::integer FROM material_orders o JOIN material_order_lines l ON l.order_id = o.id
		WHERE o.election_id = $1 AND o.status <> 'cancelled'
			AND (($2 <> '' AND o.email = $2) OR ($3 <> '' AND o.address_key = $3))
		GROUP BY l.item_id`, electionID, email, addrKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// tokenExpiry keeps private links alive a month after the last round:
// long enough for a late delivery, not forever (data is purged after).
func tokenExpiry(e *elections.Election, now time.Time) time.Time {
	if last := e.LastRound(); !last.Date.IsZero() {
		return last.Date.AddDate(0, 0, 31)
	}
	return now.AddDate(0, 3, 0)
}

// orderColumns are what scanOrder reads: an order "o", its commune "c", its
// postal code "pc" and its lines gathered in arrays "li".
const orderColumns = `
	SELECT o.id, o.election_id, o.status, o.name, o.address, o.postal_code, o.commune_code, c.name,
		coalesce(nullif(pc.delivery_town, ''), upper(c.name)),
		o.email, o.phone,
		o.batch_id, o.tracking, o.created_at, o.shipped_at, o.delivered_at, o.cancelled_at,
		li.ids, li.skus, li.names, li.units, li.qtys, li.weights`

const lineArrays = `array_agg(i.id) AS ids, array_agg(i.sku) AS skus, array_agg(i.name) AS names,
	array_agg(i.unit) AS units, array_agg(l.quantity) AS qtys, array_agg(coalesce(i.unit_weight_g, 0)) AS weights`

// orderSelect reads a few orders (one, or a page): the lines of each are
// gathered by a LATERAL subquery, evaluated only for the rows returned.
const orderSelect = orderColumns + `
	FROM material_orders o
	JOIN communes c ON c.code = o.commune_code
	LEFT JOIN postal_codes pc ON pc.postal_code = o.postal_code AND pc.commune_code = o.commune_code
	CROSS JOIN LATERAL (
		SELECT ` + lineArrays + `
		FROM material_order_lines l JOIN material_items i ON i.id = l.item_id
		WHERE l.order_id = o.id) li`

// bulkOrderSelect reads every order matching where (a condition on "o"),
// for documents of tens of thousands of orders: the lines are aggregated
// once for the whole selection and hash-joined, which is several times
// faster than one LATERAL lookup per order and keeps the plan cheap enough
// that PostgreSQL does not spend a second compiling it (JIT).
func bulkOrderSelect(where string) string {
	return orderColumns + `
	FROM material_orders o
	JOIN communes c ON c.code = o.commune_code
	LEFT JOIN postal_codes pc ON pc.postal_code = o.postal_code AND pc.commune_code = o.commune_code
	JOIN (
		SELECT l.order_id, ` + lineArrays + `
		FROM material_order_lines l JOIN material_items i ON i.id = l.item_id
		WHERE l.order_id IN (SELECT o.id FROM material_orders o WHERE ` + where + `)
		GROUP BY l.order_id) li ON li.order_id = o.id
	WHERE ` + where
}

func scanOrder(row pgx.Row) (*Order, error) {
	o := &Order{}
	var ids []int64
	var skus, names, units []string
	var qtys []int
	var weights []float64
	err := row.Scan(&o.ID, &o.ElectionID, &o.Status, &o.Name, &o.Address, &o.PostalCode, &o.CommuneCode, &o.CommuneName, &o.DeliveryTown,
		&o.Email, &o.Phone, &o.BatchID, &o.Tracking, &o.CreatedAt, &o.ShippedAt, &o.DeliveredAt, &o.CancelledAt,
		&ids, &skus, &names, &units, &qtys, &weights)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	o.Lines = make([]Line, len(ids))
	for i := range ids {
		o.Lines[i] = Line{ItemID: ids[i], SKU: skus[i], Name: names[i], Unit: units[i], Quantity: qtys[i], UnitWeightG: weights[i]}
	}
	slices.SortFunc(o.Lines, func(a, b Line) int { return strings.Compare(a.SKU, b.SKU) })
	return o, nil
}

// ByToken loads the order behind a private link.
func ByToken(ctx context.Context, q pgdb.Q, plain string, now time.Time) (*Order, error) {
	if plain == "" || len(plain) > 100 {
		return nil, check.ErrNotFound
	}
	return scanOrder(q.QueryRow(ctx, orderSelect+` WHERE o.token_hash = $1 AND o.token_expires_at > $2`, token.Hash(plain), now))
}

// CancelByToken cancels an order through its private link, while it has
// not been shipped; its stock comes back.
func CancelByToken(ctx context.Context, pool *pgxpool.Pool, plain string, now time.Time) (*Order, error) {
	var o *Order
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		if o, err = ByToken(ctx, tx, plain, now); err != nil {
			return err
		}
		o, err = cancel(ctx, tx, o.ID, staff.ActorPublic, "Vous avez annulé")
		return err
	})
	return o, err
}

// cancel moves an order to cancelled and gives its stock back. The status
// test in the UPDATE decides races with a shipment: one of them wins.
func cancel(ctx context.Context, tx pgx.Tx, id int64, actor, who string) (*Order, error) {
	var st Status
	err := tx.QueryRow(ctx, `
		UPDATE material_orders SET status = 'cancelled', cancelled_at = now()
		WHERE id = $1 AND status IN ('pending', 'batched') RETURNING status`, id).Scan(&st)
	if errors.Is(err, pgx.ErrNoRows) {
		if err := tx.QueryRow(ctx, `SELECT status FROM material_orders WHERE id = $1`, id).Scan(&st); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil, check.ErrNotFound
			}
			return nil, err
		}
		if st == Cancelled {
			return nil, &check.Conflict{Msg: "Cette commande est déjà annulée."}
		}
		return nil, &check.Conflict{Msg: "Cette commande a déjà été expédiée : elle ne peut plus être annulée."}
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT item_id, quantity FROM material_order_lines WHERE order_id = $1 ORDER BY item_id`, id)
	if err != nil {
		return nil, err
	}
	type back struct{ Item, Qty int64 }
	lines, err := pgx.CollectRows(rows, pgx.RowToStructByPos[back])
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		if _, err := tx.Exec(ctx, `UPDATE material_items SET reserved = reserved - $2 WHERE id = $1`, l.Item, l.Qty); err != nil {
			return nil, err
		}
	}
	o, err := scanOrder(tx.QueryRow(ctx, orderSelect+` WHERE o.id = $1`, id))
	if err != nil {
		return nil, err
	}
	if err := staff.Audit(ctx, tx, actor, "material_order.cancel", "material_order", fmt.Sprint(id), nil); err != nil {
		return nil, err
	}
	e, err := elections.ByID(ctx, tx, o.ElectionID)
	if err != nil {
		return nil, err
	}
	return o, notify.Enqueue(ctx, tx, cancelMessage(e, o, who))
}

// Package materials is the campaign-material capability: a catalog of items
// per election (flyers, posters, stickers) with small per-person minimums,
// orders delivered to people's addresses, and the batches staff hand to the
// printer and the shipper.
//
// Rules live here and nowhere else; the web layer (web/materialweb), the
// exports and the CLI call these functions.
//
// Quantities are always in units (100 flyers), never in packs; they must be
// a multiple of the item's pack size.
//
// Error keys. Validation errors use the JSON names of OrderInput, and for
// items the key "items.<SKU>.quantity" (or "items.<SKU>.sku" for an unknown
// or repeated reference; "items" for the list as a whole). The SKU rather
// than the line's position is used because the HTML form lists the whole
// catalog while a JSON body lists only what is ordered: keyed by SKU, the
// same message lands next to the same quantity input in both.
//
// Concurrency. Stock is reserved by
// UPDATE material_items SET reserved = reserved + q WHERE stock - reserved >= q
// inside the order's transaction (a CHECK keeps reserved <= stock as a last
// line of defence), and the per-person maximum is checked while holding
// transaction-scoped advisory locks on the person's e-mail and normalised
// address, so that two simultaneous orders from one person cannot both pass.
package materials

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig must recognise uploaded pictures
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/pgdb"
)

// MaxMinimum bounds the per-person minimum: people acting alone must be able
// to order what one or two of them can hand out (DOMAIN.md §4).
const MaxMinimum = 500

// MaxCount bounds every quantity, stock and price of the catalog.
const MaxCount = 100_000_000

// MaxPictureBytes bounds an item's picture.
const MaxPictureBytes = 1 << 20

// Item is one orderable item of an election's catalog.
type Item struct {
	ID           int64
	ElectionID   int64
	SKU          string
	Name         string
	Description  string
	Unit         string // plural label: "tracts"
	MinPerPerson int
	PackSize     int
	MaxPerPerson int
	Stock        int
	Reserved     int
	PriceCents   int
	UnitWeightG  float64 // 0 = unknown
	Cutoff       time.Time
	Active       bool
	PictureType  string // "" = no picture
	UpdatedAt    time.Time
}

// Available is the stock left to order.
func (i *Item) Available() int { return max(i.Stock-i.Reserved, 0) }

// PriceLabel is the unit price as people read it ("gratuit", "0,12 €").
func (i *Item) PriceLabel() string { return Price(i.PriceCents) }

// Orderable reports whether the item can be ordered today (active, cut-off
// not passed). Stock is checked separately.
func (i *Item) Orderable(now time.Time) bool {
	return i.Active && !elections.Today(now).After(i.Cutoff)
}

// CatalogEntry is an item as the public sees it (GET /api/v1/catalog).
type CatalogEntry struct {
	SKU          string  `json:"sku"`
	Name         string  `json:"name"`
	Description  string  `json:"description"`
	Unit         string  `json:"unit"`
	MinPerPerson int     `json:"min_per_person"`
	PackSize     int     `json:"pack_size"`
	MaxPerPerson int     `json:"max_per_person"`
	Available    int     `json:"available"`
	PriceCents   int     `json:"price_cents"`
	UnitWeightG  float64 `json:"unit_weight_g,omitempty"`
	CutoffDate   string  `json:"cutoff_date"`
	Orderable    bool    `json:"orderable"`
	PictureURL   string  `json:"picture_url,omitempty"`
}

// Entry is the public view of i at now.
func (i *Item) Entry(now time.Time) CatalogEntry {
	e := CatalogEntry{SKU: i.SKU, Name: i.Name, Description: i.Description, Unit: i.Unit,
		MinPerPerson: i.MinPerPerson, PackSize: i.PackSize, MaxPerPerson: i.MaxPerPerson,
		Available: i.Available(), PriceCents: i.PriceCents, UnitWeightG: i.UnitWeightG,
		CutoffDate: i.Cutoff.Format(time.DateOnly), Orderable: i.Orderable(now) && i.Available() >= i.MinPerPerson}
	if i.PictureType != "" {
		e.PictureURL = i.PictureURL()
	}
	return e
}

// PictureURL is where the picture is served; the version defeats caches
// after a new upload.
func (i *Item) PictureURL() string {
	return fmt.Sprintf("/materiel/images/%d?v=%d", i.ID, i.UpdatedAt.Unix())
}

// StaffEntry is an item as staff see it through the API.
type StaffEntry struct {
	ID       int64 `json:"id"`
	Election int64 `json:"election_id"`
	CatalogEntry
	Stock    int  `json:"stock"`
	Reserved int  `json:"reserved"`
	Active   bool `json:"active"`
}

// Staff is the staff view of i.
func (i *Item) Staff(now time.Time) StaffEntry {
	return StaffEntry{ID: i.ID, Election: i.ElectionID, CatalogEntry: i.Entry(now), Stock: i.Stock, Reserved: i.Reserved, Active: i.Active}
}

// ItemInput creates or updates an item (staff). Numbers typed in a form that
// are not numbers arrive as -1 and get the "positive number" message.
type ItemInput struct {
	Election     string   `json:"election"`
	SKU          string   `json:"sku"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Unit         string   `json:"unit"`
	MinPerPerson int      `json:"min_per_person"`
	PackSize     int      `json:"pack_size"`
	MaxPerPerson int      `json:"max_per_person"`
	Stock        int      `json:"stock"`
	PriceCents   int      `json:"price_cents"`
	UnitWeightG  *float64 `json:"unit_weight_g,omitempty"`
	CutoffDate   string   `json:"cutoff_date"`
	Active       *bool    `json:"active,omitempty"` // omitted: true for a new item, unchanged for an update
}

var skuRe = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{0,31}$`)

// NormalizeSKU is how a reference typed by anyone is compared.
func NormalizeSKU(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// validate checks in against the election e and returns the cut-off date.
func (in *ItemInput) validate(e *elections.Election) (time.Time, error) {
	errs := check.Errors{}
	in.SKU = NormalizeSKU(in.SKU)
	in.Name = strings.Join(strings.Fields(in.Name), " ")
	in.Description = strings.TrimSpace(in.Description)
	in.Unit = strings.Join(strings.Fields(in.Unit), " ")
	if !skuRe.MatchString(in.SKU) {
		errs.Add("sku", "Référence invalide : lettres majuscules, chiffres et tirets, 32 caractères au plus.")
	}
	switch {
	case in.Name == "":
		errs.Add("name", "Le nom de l'article est obligatoire.")
	case len([]rune(in.Name)) > 120:
		errs.Add("name", "Le nom est trop long (120 caractères au plus).")
	}
	if len([]rune(in.Description)) > 2000 {
		errs.Add("description", "La description est trop longue (2 000 caractères au plus).")
	}
	switch {
	case in.Unit == "":
		errs.Add("unit", "L'unité est obligatoire (par exemple : tracts, affiches).")
	case len([]rune(in.Unit)) > 40:
		errs.Add("unit", "L'unité est trop longue.")
	}
	if in.PackSize < 1 {
		errs.Add("pack_size", "La taille du paquet est d'au moins 1.")
	}
	switch {
	case in.MinPerPerson < 1:
		errs.Add("min_per_person", "Le minimum par personne est d'au moins 1.")
	case in.MinPerPerson > MaxMinimum:
		errs.Add("min_per_person", fmt.Sprintf("Le minimum doit rester petit (%s au plus) : une personne seule doit pouvoir commander.", fr.Number(MaxMinimum)))
	case in.PackSize >= 1 && in.MinPerPerson%in.PackSize != 0:
		errs.Add("min_per_person", fmt.Sprintf("Le minimum doit être un multiple de la taille du paquet (%s).", fr.Number(in.PackSize)))
	}
	switch {
	case in.MaxPerPerson < 1:
		errs.Add("max_per_person", "Le maximum par personne est d'au moins 1.")
	case in.MaxPerPerson < in.MinPerPerson:
		errs.Add("max_per_person", "Le maximum par personne ne peut pas être inférieur au minimum.")
	case in.PackSize >= 1 && in.MaxPerPerson%in.PackSize != 0:
		errs.Add("max_per_person", fmt.Sprintf("Le maximum doit être un multiple de la taille du paquet (%s).", fr.Number(in.PackSize)))
	}
	if in.Stock < 0 {
		errs.Add("stock", "Le stock est un nombre positif ou nul.")
	}
	if in.PriceCents < 0 {
		errs.Add("price_cents", "Le prix est un nombre positif ou nul (0 = gratuit).")
	}
	// Quantities are stored as 32-bit integers: refuse what would not fit
	// rather than fail in the database.
	for field, n := range map[string]int{"pack_size": in.PackSize, "max_per_person": in.MaxPerPerson, "stock": in.Stock, "price_cents": in.PriceCents} {
		if n > MaxCount {
			errs.Add(field, fmt.Sprintf("Nombre trop grand (%s au plus).", fr.Number(MaxCount)))
		}
	}
	if in.UnitWeightG != nil && (*in.UnitWeightG <= 0 || *in.UnitWeightG > 100000) {
		errs.Add("unit_weight_g", "Le poids unitaire est un nombre de grammes positif.")
	}
	cutoff, err := time.Parse(time.DateOnly, strings.TrimSpace(in.CutoffDate))
	switch {
	case strings.TrimSpace(in.CutoffDate) == "":
		errs.Add("cutoff_date", "La date limite de commande est obligatoire.")
	case err != nil:
		errs.Add("cutoff_date", "Date limite invalide (AAAA-MM-JJ).")
	default:
		if last := e.LastRound(); !last.Date.IsZero() && !cutoff.Before(last.Date) {
			errs.Add("cutoff_date", fmt.Sprintf("La date limite doit précéder le scrutin (dernier tour le %s).", last.Date.Format("02/01/2006")))
		}
	}
	return cutoff, errs.Err()
}

// ResolveElection finds the election of an input; field names the input
// field for the message.
func ResolveElection(ctx context.Context, q pgdb.Q, slug, field string, now time.Time) (*elections.Election, error) {
	return elections.Resolve(ctx, q, strings.ToLower(strings.TrimSpace(slug)), field, now)
}

// CreateItem adds an item to an election's catalog. Call it in a
// transaction that also writes the audit row.
func CreateItem(ctx context.Context, q pgdb.Q, in ItemInput, now time.Time) (*Item, error) {
	e, err := ResolveElection(ctx, q, in.Election, "election", now)
	if err != nil {
		return nil, err
	}
	cutoff, err := in.validate(e)
	if err != nil {
		return nil, err
	}
	active := in.Active == nil || *in.Active
	var id int64
	err = q.QueryRow(ctx, `
		INSERT INTO material_items (election_id, sku, name, description, unit, min_per_person, pack_size,
			max_per_person, stock, price_cents, unit_weight_g, cutoff_date, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		e.ID, in.SKU, in.Name, in.Description, in.Unit, in.MinPerPerson, in.PackSize, in.MaxPerPerson,
		in.Stock, in.PriceCents, in.UnitWeightG, cutoff, active).Scan(&id)
	if pgdb.IsUniqueViolation(err, "material_items_sku_key") {
		return nil, check.Field("sku", "Cette référence existe déjà pour cette élection.")
	}
	if err != nil {
		return nil, err
	}
	return ItemByID(ctx, q, id)
}

// UpdateItem changes an item. The stock cannot go below what orders already
// hold; the election of an item does not change.
func UpdateItem(ctx context.Context, q pgdb.Q, id int64, in ItemInput) (*Item, error) {
	old, err := ItemByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	e, err := elections.ByID(ctx, q, old.ElectionID)
	if err != nil {
		return nil, err
	}
	cutoff, err := in.validate(e)
	if err != nil {
		return nil, err
	}
	below := check.Field("stock", fmt.Sprintf("Le stock ne peut pas descendre sous ce qui est déjà commandé (%s %s).", fr.Number(old.Reserved), old.Unit))
	if in.Stock < old.Reserved {
		return nil, below
	}
	// The printer counts packs: orders not yet shipped must stay whole
	// packs of the new size.
	if in.PackSize != old.PackSize {
		var broken bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM material_order_lines l JOIN material_orders o ON o.id = l.order_id
			WHERE l.item_id = $1 AND o.status IN ('pending', 'batched') AND l.quantity % $2 <> 0)`, id, in.PackSize).Scan(&broken); err != nil {
			return nil, err
		}
		if broken {
			return nil, check.Field("pack_size", fmt.Sprintf("Des commandes en cours ne font pas des paquets entiers de %d : gardez %d jusqu'à leur expédition.", in.PackSize, old.PackSize))
		}
	}
	// Omitted, "active" keeps the item as it is: a change of its stock
	// must not put back on sale an item staff withdrew.
	active := old.Active
	if in.Active != nil {
		active = *in.Active
	}
	_, err = q.Exec(ctx, `
		UPDATE material_items SET sku = $2, name = $3, description = $4, unit = $5, min_per_person = $6,
			pack_size = $7, max_per_person = $8, stock = $9, price_cents = $10, unit_weight_g = $11,
			cutoff_date = $12, active = $13, updated_at = now()
		WHERE id = $1`,
		id, in.SKU, in.Name, in.Description, in.Unit, in.MinPerPerson, in.PackSize, in.MaxPerPerson,
		in.Stock, in.PriceCents, in.UnitWeightG, cutoff, active)
	switch {
	case pgdb.IsUniqueViolation(err, "material_items_sku_key"):
		return nil, check.Field("sku", "Cette référence existe déjà pour cette élection.")
	case isCheckViolation(err, "material_items_reserved_within_stock"):
		// Ordered meanwhile. Nothing more can be read: in a transaction
		// the error has aborted it.
		return nil, below
	case err != nil:
		return nil, err
	}
	return ItemByID(ctx, q, id)
}

func isCheckViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" && pgErr.ConstraintName == constraint
}

// DeleteItem removes an item nobody has ordered; an ordered item is
// deactivated instead, so that orders keep their contents.
func DeleteItem(ctx context.Context, q pgdb.Q, id int64) error {
	var ordered bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM material_order_lines WHERE item_id = $1)`, id).Scan(&ordered); err != nil {
		return err
	}
	if ordered {
		return &check.Conflict{Msg: "Cet article a déjà été commandé : désactivez-le plutôt que de le supprimer."}
	}
	tag, err := q.Exec(ctx, `DELETE FROM material_items WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return check.ErrNotFound
	}
	return nil
}

// allowedPictures are the image types served back; SVG is left out because
// it can carry script.
var allowedPictures = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// SetPicture stores an item's picture after checking that it is an image
// of an allowed type (sniffed from its bytes, never taken from the upload)
// and not too big. An empty data removes the picture.
func SetPicture(ctx context.Context, q pgdb.Q, id int64, data []byte) error {
	var typ *string
	if len(data) > 0 {
		if len(data) > MaxPictureBytes {
			return check.Field("picture", fmt.Sprintf("L'image est trop lourde (%d Ko au plus).", MaxPictureBytes/1024))
		}
		t := http.DetectContentType(data)
		if !allowedPictures[t] {
			return check.Field("picture", "Format d'image non accepté : PNG, JPEG, GIF ou WebP.")
		}
		if t != "image/webp" {
			if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
				return check.Field("picture", "Cette image est illisible.")
			}
		}
		typ = &t
	} else {
		data = nil
	}
	tag, err := q.Exec(ctx, `UPDATE material_items SET picture = $2, picture_type = $3, updated_at = now() WHERE id = $1`, id, data, typ)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return check.ErrNotFound
	}
	return nil
}

// Picture returns an item's picture and its content type.
func Picture(ctx context.Context, q pgdb.Q, id int64) ([]byte, string, error) {
	var data []byte
	var typ *string
	err := q.QueryRow(ctx, `SELECT picture, picture_type FROM material_items WHERE id = $1`, id).Scan(&data, &typ)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, "", check.ErrNotFound
	case err != nil:
		return nil, "", err
	case typ == nil || len(data) == 0:
		return nil, "", check.ErrNotFound
	}
	return data, *typ, nil
}

const itemColumns = `id, election_id, sku, name, description, unit, min_per_person, pack_size, max_per_person,
	stock, reserved, price_cents, coalesce(unit_weight_g, 0), cutoff_date, active, coalesce(picture_type, ''), updated_at`

func scanItem(row pgx.Row) (*Item, error) {
	i := &Item{}
	err := row.Scan(&i.ID, &i.ElectionID, &i.SKU, &i.Name, &i.Description, &i.Unit, &i.MinPerPerson, &i.PackSize,
		&i.MaxPerPerson, &i.Stock, &i.Reserved, &i.PriceCents, &i.UnitWeightG, &i.Cutoff, &i.Active, &i.PictureType, &i.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	return i, err
}

// ItemByID loads one item.
func ItemByID(ctx context.Context, q pgdb.Q, id int64) (*Item, error) {
	return scanItem(q.QueryRow(ctx, `SELECT `+itemColumns+` FROM material_items WHERE id = $1`, id))
}

// ItemBySKU loads one item of an election.
func ItemBySKU(ctx context.Context, q pgdb.Q, electionID int64, sku string) (*Item, error) {
	return scanItem(q.QueryRow(ctx, `SELECT `+itemColumns+` FROM material_items WHERE election_id = $1 AND sku = $2`, electionID, NormalizeSKU(sku)))
}

// Items lists an election's catalog by reference; activeOnly leaves out
// deactivated items (the public view).
func Items(ctx context.Context, q pgdb.Q, electionID int64, activeOnly bool) ([]Item, error) {
	rows, err := q.Query(ctx, `SELECT `+itemColumns+` FROM material_items
		WHERE election_id = $1 AND (active OR NOT $2) ORDER BY sku`, electionID, activeOnly)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) {
		i, err := scanItem(r)
		if err != nil {
			return Item{}, err
		}
		return *i, nil
	})
}

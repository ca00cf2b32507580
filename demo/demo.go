// Package demo loads a small, hand-made data set (a few real communes and
// bureaux, a two-round election, staff accounts, and what each capability
// needs to show a working product) into an empty database.
package demo

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/elections"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// Demo staff accounts. The password is public: the demo is for trying the
// product on one's own machine, never for production data.
const (
	AdminEmail     = "admin@demo.scrutin.fr"
	OrganizerEmail = "organisateur04@demo.scrutin.fr"
	Password       = "demo-scrutin-2027"
	ElectionSlug   = "demo-2027"
)

// Loader adds one capability's demo data (catalog, sample requests, ...)
// to the demo election, inside the demo transaction. Capabilities provide
// theirs and cmd/scrutin passes them all; tests pass only what they need.
// baseURL is where the links in the demo's messages point (see Load).
type Loader func(ctx context.Context, tx pgx.Tx, e *elections.Election, now time.Time, baseURL string) error

// DefaultBaseURL is where the demo's links point unless told otherwise:
// the default address of `scrutin serve`.
const DefaultBaseURL = "http://127.0.0.1:8080"

// LoadIfEmpty loads the demo data when the database has no election, no
// commune and no staff account yet, and reports whether it did.
func LoadIfEmpty(ctx context.Context, pool *pgxpool.Pool, now time.Time, baseURL string, loaders ...Loader) (bool, error) {
	var used bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM elections) OR EXISTS (SELECT 1 FROM communes) OR EXISTS (SELECT 1 FROM staff_users)`).Scan(&used); err != nil {
		return false, err
	}
	if used {
		return false, nil
	}
	return true, Load(ctx, pool, now, baseURL, loaders...)
}

// StaffLogin returns the demo admin login when that account still exists.
func StaffLogin(ctx context.Context, pool *pgxpool.Pool) (email, password string, ok bool) {
	if _, err := staff.Authenticate(ctx, pool, AdminEmail, Password); err != nil {
		return "", "", false
	}
	return AdminEmail, Password, true
}

// Load adds the demo data in one transaction: places, staff and the
// election (idempotent), then each loader's data. baseURL is the public
// address of the server it is loaded for (SCRUTIN_BASE_URL, else its own
// address), which the links in the demo's messages start with; empty:
// DefaultBaseURL.
func Load(ctx context.Context, pool *pgxpool.Pool, now time.Time, baseURL string, loaders ...Loader) error {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		if err := loadPlaces(ctx, tx); err != nil {
			return err
		}
		for _, u := range []staff.NewUser{
			{Email: AdminEmail, Name: "Admin démo", Role: staff.Admin, Password: Password},
			{Email: OrganizerEmail, Name: "Organisatrice 04", Role: staff.Organizer, Scope: []string{"04"}, Password: Password},
		} {
			if _, err := staff.Add(ctx, tx, u); err != nil {
				return err
			}
		}
		e, err := elections.BySlug(ctx, tx, ElectionSlug)
		if err != nil {
			r1 := firstSundayAfter(now.AddDate(0, 0, 28))
			e, err = elections.Create(ctx, tx, elections.Input{
				Name: "Élection de démonstration", Slug: ElectionSlug,
				Candidate: "Liste « Ensemble pour demain »", Representative: "Camille Martin",
				Rounds: []elections.RoundInput{
					{Number: 1, Date: r1.Format(time.DateOnly)},
					{Number: 2, Date: r1.AddDate(0, 0, 7).Format(time.DateOnly)},
				},
			})
			if err != nil {
				return err
			}
		}
		for _, load := range loaders {
			if err := load(ctx, tx, e, now, baseURL); err != nil {
				return err
			}
		}
		return staff.Audit(ctx, tx, staff.ActorCLI, "demo.load", "election", e.Slug, nil)
	})
}

func firstSundayAfter(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

type demoCommune struct {
	code, name string
	postal     []string
	lat, lon   float64
	bureaux    []demoBureau
}

type demoBureau struct {
	code, name, address string
	lat, lon            float64 // 0 = use the commune's position
}

// communes: real INSEE codes, postal codes and positions; bureau names and
// addresses in the Alpes-de-Haute-Provence are illustrative.
var communes = []demoCommune{
	{"04070", "Digne-les-Bains", []string{"04000"}, 44.0908723554, 6.23590323452, []demoBureau{
		{"1", "Hôtel de ville", "Place du Général de Gaulle, 04000 Digne-les-Bains", 0, 0},
		{"2", "École Joseph Reinach", "Boulevard Gassendi, 04000 Digne-les-Bains", 0, 0},
		{"3", "Gymnase des Arches", "Avenue des Arches, 04000 Digne-les-Bains", 0, 0},
		{"4", "Salle des Dourbes", "Les Dourbes, 04000 Digne-les-Bains", 0, 0},
	}},
	{"04112", "Manosque", []string{"04100"}, 43.8354040831, 5.79106654173, []demoBureau{
		{"1", "Hôtel de ville", "Place de l'Hôtel de Ville, 04100 Manosque", 0, 0},
		{"2", "École Jean Giono", "Rue Jean Giono, 04100 Manosque", 0, 0},
		{"3", "Salle Osco Manosco", "Avenue Saint-Lazare, 04100 Manosque", 0, 0},
	}},
	{"04209", "Sisteron", []string{"04200"}, 44.2001925067, 5.93083716039, []demoBureau{
		{"1", "Mairie", "Place de la République, 04200 Sisteron", 0, 0},
		{"2", "École des Plantiers", "Allée des Plantiers, 04200 Sisteron", 0, 0},
	}},
	{"04049", "Château-Arnoux-Saint-Auban", []string{"04160", "04600"}, 44.0854706133, 5.99239535024, []demoBureau{
		{"1", "Mairie", "Place de la Résistance, 04160 Château-Arnoux-Saint-Auban", 0, 0},
		{"2", "Salle de Saint-Auban", "Avenue de la Libération, 04600 Château-Arnoux-Saint-Auban", 0, 0},
	}},
	{"04088", "Forcalquier", []string{"04300"}, 43.9599082374, 5.7882827572, []demoBureau{
		{"1", "Mairie", "Place du Bourguet, 04300 Forcalquier", 0, 0},
	}},
	{"75104", "Paris 4e Arrondissement", []string{"75004"}, 48.854228282, 2.35736193814, []demoBureau{
		{"1", "Mairie d'arrondissement", "2 place Baudoyer, 75004 Paris", 48.856188064, 2.35569285194},
		{"8", "Direction des affaires scolaires", "3 rue de l'Arsenal, 75004 Paris", 48.8500832594, 2.36540386191},
		{"9", "École maternelle", "18 rue Poulletier, 75004 Paris", 48.8514707442, 2.35831413673},
		{"13", "École élémentaire", "16 rue du Renard, 75004 Paris", 48.8591149353, 2.35249030619},
	}},
}

func loadPlaces(ctx context.Context, tx pgx.Tx) error {
	for _, c := range communes {
		if _, err := tx.Exec(ctx, `
			INSERT INTO communes (code, name, departement, latitude, longitude, search_name) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (code) DO NOTHING`, c.code, c.name, places.Departement(c.code), c.lat, c.lon, places.Fold(c.name)); err != nil {
			return err
		}
		for _, p := range c.postal {
			if _, err := tx.Exec(ctx, `INSERT INTO postal_codes (postal_code, commune_code) VALUES ($1, $2) ON CONFLICT DO NOTHING`, p, c.code); err != nil {
				return err
			}
		}
		for _, b := range c.bureaux {
			var lat, lon *float64
			if b.lat != 0 {
				lat, lon = &b.lat, &b.lon
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO bureaux (commune_code, code, name, address, postal_code, latitude, longitude)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
				c.code, b.code, b.name, b.address, c.postal[0], lat, lon); err != nil {
				return err
			}
		}
	}
	return nil
}

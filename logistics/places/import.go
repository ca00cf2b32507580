package places

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

// Report says what an import did. Inserted and Updated count communes (or
// bureaux), not lines: the La Poste file has one line per postal code and
// commune. Updated counts those already known, whether or not the file
// changed them. Skipped counts the lines left out, each listed in Problems.
type Report struct {
	Inserted int       `json:"inserted"`
	Updated  int       `json:"updated"`
	Skipped  int       `json:"skipped"`
	Problems []Problem `json:"problems"`
}

// Problem is a line of the file that was not imported, and why (French).
type Problem struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (r *Report) skip(line int, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Line: line, Reason: fmt.Sprintf(format, args...)})
	r.Skipped = len(r.Problems)
}

// importLock serialises imports: two admins uploading at once would
// otherwise upsert the same rows in different orders and deadlock.
const importLock = 7_231_002

// progressEvery is how many lines pass between two progress calls.
const progressEvery = 1000

type actorKey struct{}

// WithActor names who runs an import (staff.User.Actor(), staff.ActorCLI)
// for the audit row the import writes in its transaction. Without it the
// import is recorded as staff.ActorSystem.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

func actorOf(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return staff.ActorSystem
}

type communeRow struct {
	code, name string
	lat, lon   *float64
}

// ImportCommunes loads La Poste's "base officielle des codes postaux":
// either the older release (header Code_commune_INSEE;Nom_commune;
// Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps) or the current
// one (#Code_commune_INSEE;Nom_de_la_commune;Code_postal;
// Libellé_d_acheminement;Ligne_5, Latin-1, without coordinates: coordinates
// already known are kept). Each commune gets its display name, département,
// folded search name, coordinates and the exact set of postal codes the file
// gives it. Lines that cannot be used are skipped and reported; the rest is
// imported in one transaction, and importing the same file again changes
// nothing. progress, if not nil, is called with the number of lines read.
func ImportCommunes(ctx context.Context, pool *pgxpool.Pool, r io.Reader, progress func(done int)) (Report, error) {
	rep := Report{Problems: []Problem{}}
	t, err := openTable(r)
	if err != nil {
		return rep, err
	}
	if !t.has("code_commune_insee") || !t.has("nom_commune", "nom_de_la_commune") || !t.has("code_postal") {
		return rep, &check.Invalid{Summary: "Fichier non reconnu.", Fields: check.Errors{"file": "Ce fichier n'est pas la base des codes postaux de La Poste : " +
			"il lui manque les colonnes Code_commune_INSEE, Nom_commune (ou Nom_de_la_commune) et Code_postal."}}
	}
	var communes []communeRow
	index := map[string]int{}
	type pair struct{ postal, commune string }
	seenPair := map[pair]bool{}
	var pairs []pair
	var towns []string // La Poste's delivery name of each pair
	lines := 0
	for {
		rec, line, rowErr, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		if lines++; progress != nil && lines%progressEvery == 0 {
			progress(lines)
		}
		if rowErr != nil {
			rep.skip(line, "ligne illisible (guillemets mal fermés ?)")
			continue
		}
		raw := t.get(rec, "code_commune_insee")
		code, ok := NormalizeCommune(raw)
		switch {
		case raw == "":
			rep.skip(line, "code commune manquant%s", t.short(rec))
			continue
		case !ok:
			rep.skip(line, "code commune invalide : %q", raw)
			continue
		case strings.HasPrefix(code, "99"):
			rep.skip(line, "code %s : pays étranger, pas une commune française", code)
			continue
		}
		name := DisplayName(t.get(rec, "nom_commune", "nom_de_la_commune"))
		if name == "" {
			rep.skip(line, "nom de la commune %s manquant%s", code, t.short(rec))
			continue
		}
		rawPostal := t.get(rec, "code_postal")
		postal, ok := normalizePostal(rawPostal)
		if !ok && rawPostal != "" {
			rep.skip(line, "code postal invalide : %q", rawPostal)
			continue
		}
		var lat, lon *float64
		if gps := t.get(rec, "coordonnees_gps"); gps != "" {
			la, lo, _ := strings.Cut(gps, ",")
			if lat, lon, ok = parsePoint(la, lo); !ok {
				rep.skip(line, "coordonnées GPS invalides : %q", gps)
				continue
			}
		} else if la, lo := t.get(rec, "latitude"), t.get(rec, "longitude"); la != "" || lo != "" {
			if lat, lon, ok = parsePoint(la, lo); !ok {
				rep.skip(line, "coordonnées invalides : %q, %q", la, lo)
				continue
			}
		}
		if i, dup := index[code]; dup {
			// A commune has one line per postal code: the first line names it,
			// any line may bring the coordinates.
			if communes[i].lat == nil {
				communes[i].lat, communes[i].lon = lat, lon
			}
		} else {
			index[code] = len(communes)
			communes = append(communes, communeRow{code: code, name: name, lat: lat, lon: lon})
		}
		if postal != "" && !seenPair[pair{postal, code}] {
			seenPair[pair{postal, code}] = true
			pairs = append(pairs, pair{postal, code})
			towns = append(towns, strings.ToUpper(t.get(rec, "libelle_acheminement", "libelle_d_acheminement")))
		}
	}
	if progress != nil {
		progress(lines)
	}

	err = pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, importLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			CREATE TEMP TABLE import_communes (code text, name text, departement text, latitude float8, longitude float8, search_name text) ON COMMIT DROP;
			CREATE TEMP TABLE import_postal (postal_code text, commune_code text, delivery_town text) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_communes"},
			[]string{"code", "name", "departement", "latitude", "longitude", "search_name"},
			pgx.CopyFromSlice(len(communes), func(i int) ([]any, error) {
				c := communes[i]
				return []any{c.code, c.name, Departement(c.code), c.lat, c.lon, Fold(c.name)}, nil
			})); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_postal"}, []string{"postal_code", "commune_code", "delivery_town"},
			pgx.CopyFromSlice(len(pairs), func(i int) ([]any, error) { return []any{pairs[i].postal, pairs[i].commune, towns[i]}, nil })); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ANALYZE import_communes; ANALYZE import_postal`); err != nil {
			return err
		}
		// Rows that would not change are left alone: a second import of the
		// same file writes nothing.
		var inserted int
		if err := tx.QueryRow(ctx, `
			WITH up AS (
				INSERT INTO communes AS c (code, name, departement, latitude, longitude, search_name)
				SELECT code, name, departement, latitude, longitude, search_name FROM import_communes
				ON CONFLICT (code) DO UPDATE SET
					name = EXCLUDED.name, departement = EXCLUDED.departement, search_name = EXCLUDED.search_name,
					latitude = coalesce(EXCLUDED.latitude, c.latitude),
					longitude = CASE WHEN EXCLUDED.latitude IS NULL THEN c.longitude ELSE EXCLUDED.longitude END
				WHERE (c.name, c.departement, c.search_name) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.departement, EXCLUDED.search_name)
					OR (EXCLUDED.latitude IS NOT NULL AND (c.latitude, c.longitude) IS DISTINCT FROM (EXCLUDED.latitude, EXCLUDED.longitude))
				RETURNING xmax = 0 AS inserted)
			SELECT count(*) FILTER (WHERE inserted) FROM up`).Scan(&inserted); err != nil {
			return err
		}
		// The file is the reference for the postal codes of the communes it
		// lists: codes it no longer gives them are removed.
		if _, err := tx.Exec(ctx, `
			DELETE FROM postal_codes p USING (SELECT DISTINCT commune_code FROM import_postal) i
			WHERE p.commune_code = i.commune_code
				AND NOT EXISTS (SELECT 1 FROM import_postal n WHERE n.commune_code = p.commune_code AND n.postal_code = p.postal_code)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO postal_codes AS p (postal_code, commune_code, delivery_town)
			SELECT postal_code, commune_code, delivery_town FROM import_postal
			ON CONFLICT (postal_code, commune_code) DO UPDATE SET delivery_town = EXCLUDED.delivery_town
			WHERE p.delivery_town <> EXCLUDED.delivery_town`); err != nil {
			return err
		}
		rep.Inserted, rep.Updated = inserted, len(communes)-inserted
		return staff.Audit(ctx, tx, actorOf(ctx), "import.communes", "communes", "", map[string]any{
			"lines": lines, "inserted": rep.Inserted, "updated": rep.Updated, "skipped": rep.Skipped})
	})
	if err != nil {
		return Report{Problems: []Problem{}}, err
	}
	return rep, nil
}

type bureauRow struct {
	line                                 int
	commune, code, name, address, postal string
	lat, lon                             *float64
}

// ImportBureaux loads polling stations from INSEE's REU table
// (table-bv-reu: id_brut_reu, id_brut_insee, code_commune, code,
// libelle_reu, num_voie_reu, voie_reu, cp_reu, commune_reu, ...), with or
// without id_brut_miom, and with optional latitude/longitude columns.
// Bureau codes lose their leading zeros ("0002" is bureau "2"). A bureau
// whose commune is unknown is skipped (import the communes first). What
// the file leaves empty (name, address, coordinates) keeps its known value.
// Same transaction, report and idempotence rules as ImportCommunes.
func ImportBureaux(ctx context.Context, pool *pgxpool.Pool, r io.Reader, progress func(done int)) (Report, error) {
	rep := Report{Problems: []Problem{}}
	t, err := openTable(r)
	if err != nil {
		return rep, err
	}
	ids := []string{"id_brut_miom", "id_brut_insee", "id_brut_reu"}
	if !(t.has("code_commune") && t.has("code")) && !t.has(ids...) {
		return rep, &check.Invalid{Summary: "Fichier non reconnu.", Fields: check.Errors{"file": "Ce fichier n'est pas une table des bureaux de vote du REU : " +
			"il lui manque les colonnes code_commune et code (ou id_brut_reu)."}}
	}
	var rows []bureauRow
	seen := map[string]int{} // "04036_2" -> line
	lines := 0
	for {
		rec, line, rowErr, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, err
		}
		if lines++; progress != nil && lines%progressEvery == 0 {
			progress(lines)
		}
		if rowErr != nil {
			rep.skip(line, "ligne illisible (guillemets mal fermés ?)")
			continue
		}
		rawCommune, rawCode := t.get(rec, "code_commune"), t.get(rec, "code")
		var idCommune, idCode string
		for _, id := range ids {
			if c, b, ok := strings.Cut(t.get(rec, id), "_"); ok && c != "" && b != "" {
				idCommune, idCode = c, b
				break
			}
		}
		if rawCommune == "" {
			rawCommune = idCommune
		}
		if rawCode == "" {
			rawCode = idCode
		}
		commune, ok := NormalizeCommune(rawCommune)
		if !ok {
			if rawCommune == "" {
				rep.skip(line, "code commune manquant%s", t.short(rec))
			} else {
				rep.skip(line, "code commune invalide : %q", rawCommune)
			}
			continue
		}
		if !IsVotingPlace(commune) {
			// Some files file the bureaux of Paris, Lyon and Marseille under
			// the whole city; their identifiers may still give the
			// arrondissement, where people actually vote.
			arr, ok := NormalizeCommune(idCommune)
			if !ok || !IsVotingPlace(arr) || Departement(arr) != Departement(commune) {
				rep.skip(line, "bureau rattaché à la ville entière (%s) : le fichier doit donner l'arrondissement", commune)
				continue
			}
			commune, rawCode = arr, idCode
		}
		code, ok := NormalizeBureau(rawCode)
		if !ok {
			if rawCode == "" {
				rep.skip(line, "code du bureau manquant%s", t.short(rec))
			} else {
				rep.skip(line, "code du bureau invalide : %q", rawCode)
			}
			continue
		}
		id := commune + "_" + code
		if first, dup := seen[id]; dup {
			rep.skip(line, "bureau %s en double (déjà ligne %d)", id, first)
			continue
		}
		b := bureauRow{line: line, commune: commune, code: code, name: clean(t.get(rec, "libelle_reu"))}
		cp := t.get(rec, "cp_reu")
		b.postal, _ = normalizePostal(cp)
		b.address = address(t.get(rec, "num_voie_reu"), t.get(rec, "voie_reu"), cp, t.get(rec, "commune_reu"))
		if la, lo := t.get(rec, "latitude"), t.get(rec, "longitude"); la != "" || lo != "" {
			if b.lat, b.lon, ok = parsePoint(la, lo); !ok {
				rep.skip(line, "coordonnées invalides : %q, %q", la, lo)
				continue
			}
		}
		seen[id] = line
		rows = append(rows, b)
	}
	if progress != nil {
		progress(lines)
	}

	parsed := rep
	err = pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		rep = parsed
		rep.Problems = append([]Problem{}, parsed.Problems...)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, importLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE import_bureaux (line int, commune_code text, code text, name text,
			address text, postal_code text, latitude float8, longitude float8) ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_bureaux"},
			[]string{"line", "commune_code", "code", "name", "address", "postal_code", "latitude", "longitude"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				b := rows[i]
				return []any{b.line, b.commune, b.code, b.name, b.address, b.postal, b.lat, b.lon}, nil
			})); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ANALYZE import_bureaux`); err != nil {
			return err
		}
		unknown, err := tx.Query(ctx, `
			SELECT line, commune_code FROM import_bureaux i
			WHERE NOT EXISTS (SELECT 1 FROM communes c WHERE c.code = i.commune_code) ORDER BY line`)
		if err != nil {
			return err
		}
		var nUnknown int
		for unknown.Next() {
			var line int
			var commune string
			if err := unknown.Scan(&line, &commune); err != nil {
				unknown.Close()
				return err
			}
			nUnknown++
			rep.skip(line, "commune %s inconnue : importez d'abord les communes", commune)
		}
		if err := unknown.Err(); err != nil {
			return err
		}
		var inserted int
		if err := tx.QueryRow(ctx, `
			WITH up AS (
				INSERT INTO bureaux AS b (commune_code, code, name, address, postal_code, latitude, longitude)
				SELECT commune_code, code, name, address, postal_code, latitude, longitude FROM import_bureaux i
				WHERE EXISTS (SELECT 1 FROM communes c WHERE c.code = i.commune_code)
				ON CONFLICT (commune_code, code) DO UPDATE SET
					name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE b.name END,
					address = CASE WHEN EXCLUDED.address <> '' THEN EXCLUDED.address ELSE b.address END,
					postal_code = CASE WHEN EXCLUDED.postal_code <> '' THEN EXCLUDED.postal_code ELSE b.postal_code END,
					latitude = coalesce(EXCLUDED.latitude, b.latitude),
					longitude = CASE WHEN EXCLUDED.latitude IS NULL THEN b.longitude ELSE EXCLUDED.longitude END
				WHERE (EXCLUDED.name <> '' AND EXCLUDED.name <> b.name)
					OR (EXCLUDED.address <> '' AND EXCLUDED.address <> b.address)
					OR (EXCLUDED.postal_code <> '' AND EXCLUDED.postal_code <> b.postal_code)
					OR (EXCLUDED.latitude IS NOT NULL AND (b.latitude, b.longitude) IS DISTINCT FROM (EXCLUDED.latitude, EXCLUDED.longitude))
				RETURNING xmax = 0 AS inserted)
			SELECT count(*) FILTER (WHERE inserted) FROM up`).Scan(&inserted); err != nil {
			return err
		}
		sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Line < rep.Problems[j].Line })
		rep.Inserted, rep.Updated = inserted, len(rows)-nUnknown-inserted
		return staff.Audit(ctx, tx, actorOf(ctx), "import.bureaux", "bureaux", "", map[string]any{
			"lines": lines, "inserted": rep.Inserted, "updated": rep.Updated, "skipped": rep.Skipped})
	})
	if err != nil {
		return Report{Problems: []Problem{}}, err
	}
	return rep, nil
}

// normalizePostal accepts a 5-digit postal code, or 4 digits whose leading
// zero a spreadsheet dropped ("1000" -> "01000").
func normalizePostal(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 4 && isDigits(s) {
		s = "0" + s
	}
	if len(s) != 5 || !isDigits(s) {
		return "", false
	}
	return s, true
}

// parsePoint reads a latitude and longitude, with "." or a French ","
// as decimal separator. Both empty is no position; one without the other,
// or out of range, is an error.
func parsePoint(lat, lon string) (*float64, *float64, bool) {
	lat, lon = strings.TrimSpace(lat), strings.TrimSpace(lon)
	if lat == "" && lon == "" {
		return nil, nil, true
	}
	la, err1 := parseDecimal(lat)
	lo, err2 := parseDecimal(lon)
	if err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
		return nil, nil, false
	}
	return &la, &lo, true
}

func parseDecimal(s string) (float64, error) {
	if !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	return strconv.ParseFloat(s, 64)
}

// address joins the REU address parts: "6 RUE MOLIERE, 75001 PARIS".
func address(num, street, postal, town string) string {
	line1 := clean(num + " " + street)
	line2 := clean(postal + " " + town)
	switch {
	case line1 == "":
		return line2
	case line2 == "":
		return line1
	}
	return line1 + ", " + line2
}

// clean collapses runs of spaces and drops NUL bytes, which PostgreSQL
// refuses in text.
func clean(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.Join(strings.Fields(s), " ")
}

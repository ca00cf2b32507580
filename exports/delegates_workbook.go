package exports

// The delegates workbook for staff (export "delegates"): the "Bureaux",
// "Bénévoles" and "À pourvoir" sheets, streamed from two read-only
// transactions, the volunteers' one gathering the seats held for the
// bureaux' sheets.

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"scrutin/logistics/delegates"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

func writeDelegatesWorkbook(ctx context.Context, pool *pgxpool.Pool, u *staff.User, a *dlgArea, w io.Writer) (int, error) {
	// The national workbook is some 6 million cells: streamed, zipped on
	// every core.
	f := NewWorkbook(w)
	defer f.Close()
	red, err := f.NewStyle(&excelize.Style{
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{dlgRedFill}},
		Font: &excelize.Font{Color: "9C0006", Bold: true},
	})
	if err != nil {
		return 0, err
	}
	header := []string{"Tour", "Dépt", "Code commune", "Commune", "Bureau", "Nom du bureau", "Adresse", "Priorité"}
	widths := []float64{6, 6, 9, 24, 8, 28, 36, 8}
	for _, r := range delegates.Roles {
		header = append(header, r.Label(), "Tél. "+dlgRoleAbbrev(r))
		widths = append(widths, 30, 15)
	}
	header = append(header, "Places à pourvoir")
	widths = append(widths, 10)
	bureaux, err := NewSheet(f, "Bureaux", header, widths)
	if err != nil {
		return 0, err
	}
	volunteers, err := NewSheet(f, "Bénévoles", []string{"Nom", "Nom de naissance", "Prénoms", "Téléphone", "E-mail",
		"Code commune", "Commune d'inscription", "Bureau d'inscription", "N° sur la liste", "Rôles acceptés", "Tours", "Distance acceptée",
		"Statut", "Affectations", "Confirmé"},
		[]float64{22, 16, 22, 15, 30, 9, 24, 9, 10, 40, 8, 14, 10, 70, 10})
	if err != nil {
		return 0, err
	}
	open, err := NewSheet(f, "À pourvoir", []string{"Tour", "Dépt", "Code commune", "Commune", "Bureau", "Nom du bureau", "Adresse", "Rôle", "Priorité"},
		[]float64{6, 6, 9, 24, 8, 28, 36, 22, 8})
	if err != nil {
		return 0, err
	}
	sheets := []*Sheet{bureaux, volunteers, open}
	for _, s := range sheets {
		s.Background()
		defer s.Close() // ends its goroutine on error paths; closing again does nothing
	}

	// The volunteers' sheet is written while the bureaux' needs are read,
	// each on its own connection; the bureaux' sheets then come from the
	// needs and from the seats the volunteers hold. Each sheet encodes its
	// rows on a goroutine of its own.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	held := &workbookSeats{}
	volunteersDone := make(chan error, 1)
	go func() {
		err := dlgReadTx(ctx, pool, func(q pgdb.Q) error { return writeVolunteerSheet(ctx, q, u, a, volunteers, held) })
		if err != nil {
			cancel()
		}
		volunteersDone <- err
	}()
	var needs []delegates.DocNeedBureau
	err = dlgReadTx(ctx, pool, func(q pgdb.Q) error {
		var err error
		needs, err = delegates.DocBureauNeeds(ctx, q, u, a.filter(), a.roundNumbers())
		return err
	})
	if err != nil {
		cancel()
		<-volunteersDone
		return 0, err
	}
	if err := <-volunteersDone; err != nil {
		return 0, err
	}
	if err := writeBureauSheets(workbookBureaux(needs, held), held.holders, a.roundNumbers(), red, bureaux, open); err != nil {
		return 0, err
	}
	for _, s := range sheets {
		if err := s.Close(); err != nil {
			return 0, err
		}
	}
	f.SetActiveSheet(0)
	if err := SaveWorkbook(f); err != nil {
		return 0, err
	}
	return volunteers.Rows(), nil
}

// roundNumbers lists the numbers of the rounds the document covers.
func (a *dlgArea) roundNumbers() []int {
	var out []int
	for _, r := range a.rounds() {
		out = append(out, r.Number)
	}
	return out
}

// workbookSeats are the seats held in the workbook's area, gathered from the
// volunteers' sheet for the bureaux' sheet: they were the other half of a
// full join of the seats needed and held that PostgreSQL sorted by bureau
// (some 400,000 rows, most of the database's time for a national
// workbook).
type workbookSeats struct {
	holders []workbookHolder
	places  map[[2]string]*workbookPlace // by commune and bureau code
}

// workbookHolder is a person's cells in the bureaux' sheet, made values
// once rather than for each of their seats.
type workbookHolder struct{ name, phone any }

// workbookPlace is a bureau where seats are held, with who holds them in
// rounds 1 and 2 (the only ones there are): holder+1 by round and role in
// delegates.Roles order, 0 for nobody. Its texts are those of the
// postings, shared by every seat of the bureau.
type workbookPlace struct {
	commune, communeName, bureau string
	held                         [2][4]int32
	needed                       bool // the bureau is one of the needs' (workbookBureaux)
}

// add records the seats v holds; last is v's last name in capitals and
// phone v's phone number as the sheets show them.
func (w *workbookSeats) add(v *delegates.DocVolunteer, last, phone string) {
	if len(v.Postings) == 0 {
		return
	}
	if w.places == nil {
		w.places = map[[2]string]*workbookPlace{}
	}
	// dlgFullName, from the capitals the volunteers' sheet made already
	w.holders = append(w.holders, workbookHolder{strings.TrimSpace(last + " " + v.FirstNames), dlgCellText(phone)})
	holder := int32(len(w.holders))
	for _, p := range v.Postings {
		role := slices.Index(delegates.Roles, p.Role)
		if p.Round < 1 || p.Round > 2 || role < 0 {
			continue // excluded by the table's checks
		}
		key := [2]string{p.CommuneCode, p.BureauCode}
		place := w.places[key]
		if place == nil {
			place = &workbookPlace{commune: p.CommuneCode, communeName: p.CommuneName, bureau: p.BureauCode}
			w.places[key] = place
		}
		place.held[p.Round-1][role] = holder
	}
}

// workbookBureau is a bureau with its needs and who holds its seats.
type workbookBureau struct {
	*delegates.DocNeedBureau
	held *[2][4]int32 // nil: nobody
}

// workbookBureaux puts the seats held into the bureaux, in the bureaux'
// order. A seat held in a bureau missing from the places (deleted since)
// still gets its bureau, without a name, as the join did.
func workbookBureaux(needs []delegates.DocNeedBureau, held *workbookSeats) []workbookBureau {
	out := make([]workbookBureau, len(needs))
	for i := range needs {
		b := &needs[i]
		out[i].DocNeedBureau = b
		if p := held.places[[2]string{b.CommuneCode, b.BureauCode}]; p != nil {
			out[i].held, p.needed = &p.held, true
		}
	}
	n := len(out)
	for _, p := range held.places {
		if !p.needed {
			place := delegates.DocBureauPlace{Departement: places.Departement(p.commune), CommuneCode: p.commune, CommuneName: p.communeName, BureauCode: p.bureau}
			out = append(out, workbookBureau{&delegates.DocNeedBureau{DocBureauPlace: place, Priority: 1}, &p.held})
		}
	}
	if len(out) > n {
		slices.SortStableFunc(out, func(a, b workbookBureau) int {
			return delegates.CompareBureaux(a.CommuneCode, a.BureauCode, b.CommuneCode, b.BureauCode)
		})
	}
	return out
}

// writeBureauSheets writes a row per bureau and round with a seat needed or
// held to "Bureaux" (empty seats in red), and a row per empty seat to "À
// pourvoir". rounds are the rounds whose needs the bureaux list.
func writeBureauSheets(bs []workbookBureau, holders []workbookHolder, rounds []int, red int, bureaux, open *Sheet) error {
	w := &bureauSheets{bureaux: bureaux, open: open, holders: holders, row: make([]any, 0, 9+2*len(delegates.Roles)),
		emptySeat: excelize.Cell{StyleID: red, Value: "À POURVOIR"}, emptyPhone: excelize.Cell{StyleID: red, Value: ""}}
	for _, r := range delegates.Roles {
		w.labels = append(w.labels, r.Label())
	}
	for i := range bs {
		b := &bs[i]
		// the bureau's cells, made values once for all its rows
		place := [...]any{b.Departement, b.CommuneCode, b.CommuneName, b.BureauCode, dlgCellText(b.BureauName), dlgCellText(b.BureauAddress)}
		for round := 1; round <= 2; round++ {
			var needed []delegates.Role
			if k := slices.Index(rounds, round); k >= 0 && k < len(b.Needs) {
				needed = b.Needs[k]
			}
			var held [4]int32
			if b.held != nil {
				held = b.held[round-1]
			}
			if len(needed) == 0 && held == ([4]int32{}) {
				continue
			}
			priority := 1
			if len(needed) > 0 {
				priority = b.Priority
			}
			if err := w.write(round, &place, priority, needed, held); err != nil {
				return err
			}
		}
	}
	return nil
}

// bureauSheets writes the rows of "Bureaux" and "À pourvoir".
type bureauSheets struct {
	bureaux, open         *Sheet
	holders               []workbookHolder
	emptySeat, emptyPhone any
	labels                []any // of delegates.Roles
	row                   []any
}

// write writes the rows of a bureau in a round: place is its département,
// commune code and name, bureau code, name and address; held who holds its
// seats, as in workbookPlace.
func (w *bureauSheets) write(round int, place *[6]any, priority int, needed []delegates.Role, held [4]int32) error {
	w.row = append(append(append(w.row[:0], round), place[:]...), priority)
	uncovered := 0
	for _, r := range needed {
		if k := slices.Index(delegates.Roles, r); k < 0 || held[k] == 0 {
			uncovered++
		}
	}
	for k, r := range delegates.Roles {
		switch {
		case held[k] != 0:
			h := &w.holders[held[k]-1]
			w.row = append(w.row, h.name, h.phone)
		case slices.Contains(needed, r):
			w.row = append(w.row, w.emptySeat, w.emptyPhone)
			if err := w.open.Add(round, place[0], place[1], place[2], place[3], place[4], place[5], w.labels[k], priority); err != nil {
				return err
			}
		default:
			w.row = append(w.row, nil, nil)
		}
	}
	w.row = append(w.row, uncovered)
	return w.bureaux.Add(w.row...)
}

// writeVolunteerSheet fills the "Bénévoles" sheet: one row per volunteer
// with their seats and whether they confirmed them, which it records in
// held.
func writeVolunteerSheet(ctx context.Context, q pgdb.Q, u *staff.User, a *dlgArea, volunteers *Sheet, held *workbookSeats) error {
	return delegates.EachDocVolunteer(ctx, q, u, a.filter(), false, true, func(v *delegates.DocVolunteer) error {
		last, phone := strings.ToUpper(v.LastName), phoneText(v.Phone)
		held.add(v, last, phone)
		var accepted []string
		for _, r := range v.Roles {
			accepted = append(accepted, r.Label())
		}
		var rounds []string
		for _, r := range v.Rounds {
			rounds = append(rounds, strconv.Itoa(r))
		}
		distance := "Sa commune"
		if v.MaxDistanceKm != nil {
			distance = dlgIf(*v.MaxDistanceKm == 0, "Son bureau", delegates.KmText(*v.MaxDistanceKm)) // "7,5 km"
		}
		status := dlgIf(v.Status == "withdrawn", "Désisté(e)", "Actif")
		confirmed := 0
		for _, ps := range v.Postings {
			if ps.Confirmed {
				confirmed++
			}
		}
		conf := ""
		switch {
		case len(v.Postings) == 0:
		case confirmed == len(v.Postings):
			conf = "Oui"
		case confirmed == 0:
			conf = "Non"
		default:
			conf = "En partie"
		}
		return volunteers.Add(last, dlgCellText(strings.ToUpper(v.BirthName)), v.FirstNames, dlgCellText(phone), v.Email,
			v.CommuneCode, v.CommuneName, v.BureauCode, dlgCellText(v.ListNumber), strings.Join(accepted, ", "), strings.Join(rounds, ", "), distance,
			status, dlgCellText(dlgPostingsText(v.Postings)), dlgCellText(conf))
	})
}

// dlgPostingsText lists a volunteer's seats: "T1 Digne-les-Bains (04070)
// bureau 1 : Assesseur titulaire ; T2 ...".
func dlgPostingsText(ps []delegates.DocPosting) string {
	var b strings.Builder
	b.Grow(64 * len(ps))
	for i, p := range ps {
		if i > 0 {
			b.WriteString(" ; ")
		}
		b.WriteByte('T')
		b.WriteString(strconv.Itoa(p.Round))
		b.WriteByte(' ')
		b.WriteString(p.CommuneName)
		b.WriteString(" (")
		b.WriteString(p.CommuneCode)
		b.WriteString(") bureau ")
		b.WriteString(p.BureauCode)
		b.WriteString(" : ")
		b.WriteString(p.Role.Label())
	}
	return b.String()
}

// dlgReadTx runs the workbook's big reads in a read-only transaction
// tuned for them: a national read joins some 300,000 seats and sorts
// 150,000 volunteers, reads for which JIT compilation cost half a second
// before the first row (0.54 s of the former seat query's 2.2 s), and the
// default work_mem split hash joins into batches on disk.
func dlgReadTx(ctx context.Context, pool *pgxpool.Pool, fn func(q pgdb.Q) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// dlgCellText leaves an empty cell out of the row (nil) rather than writing
// an empty string: millions of cells in a national workbook.
func dlgCellText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// dlgRedFill is the background of an empty seat in the workbook.
const dlgRedFill = "FFC7CE"

func dlgRoleAbbrev(r delegates.Role) string {
	switch r {
	case delegates.AssesseurTitulaire:
		return "AT"
	case delegates.AssesseurSuppleant:
		return "AS"
	case delegates.DelegueTitulaire:
		return "DT"
	case delegates.DelegueSuppleant:
		return "DS"
	}
	return string(r)
}

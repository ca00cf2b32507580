package delegates

// Read models for the documents (designation letters, credentials, the
// workbook, the prefecture summary): who sits where, streamed row by row in
// bureau order, always filtered by the staff member's scope. The exports
// package turns them into PDF and Excel; nothing here knows either format.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// DocFilter selects what a document covers. Every query also applies the
// staff member's scope, so an empty area means "everything in scope".
type DocFilter struct {
	ElectionID  int64
	Round       int    // 0: every round
	Departement string // optional
	Commune     string // optional
}

// DocPerson is an appointed person (or a volunteer) as documents print them.
type DocPerson struct {
	VolunteerID int64
	LastName    string
	BirthName   string // '' when the same as LastName
	FirstNames  string
	BirthDate   time.Time
	BirthPlace  string
	Address     string
	PostalCode  string
	City        string // town of the address, '' for a sign-up made before the form asked for it
	Email       string
	Phone       string
	// where the person is registered to vote
	CommuneCode string
	CommuneName string
	BureauCode  string
	VoterNumber string // NNE
	ListNumber  string // number on the commune's list (R46), '' when not given
}

// DocSeat is one role in a bureau for one round: needed (a seat to cover)
// and/or held (Person set).
type DocSeat struct {
	Role      Role
	Needed    bool
	Person    *DocPerson // nil: nobody holds it
	Confirmed bool
}

// DocBureauPlace is where a bureau is, as documents print it.
type DocBureauPlace struct {
	Departement   string
	CommuneCode   string
	CommuneName   string
	BureauCode    string
	BureauName    string
	BureauAddress string
}

// DocBureau is a bureau in one round with its seats in Roles order.
type DocBureau struct {
	Round int
	DocBureauPlace
	PostalCode string
	Priority   int
	Seats      []DocSeat
}

// Uncovered counts the needed seats nobody holds.
func (b *DocBureau) Uncovered() int {
	n := 0
	for _, s := range b.Seats {
		if s.Needed && s.Person == nil {
			n++
		}
	}
	return n
}

// Seat returns the seat of role r, if the bureau needs or has it.
func (b *DocBureau) Seat(r Role) (DocSeat, bool) {
	for _, s := range b.Seats {
		if s.Role == r {
			return s, true
		}
	}
	return DocSeat{}, false
}

// DocCommune checks a commune asked for by a document: a *check.Invalid for
// a malformed code, check.ErrNotFound for an unknown one, check.ErrForbidden
// when it is outside u's scope.
func DocCommune(ctx context.Context, q pgdb.Q, u *staff.User, field, code string) (*places.Commune, error) {
	norm, ok := places.NormalizeCommune(code)
	if !ok {
		return nil, check.Field(field, "Code de commune invalide (5 caractères INSEE, par exemple 04070).")
	}
	c, err := places.GetCommune(ctx, q, norm)
	if err != nil {
		return nil, err
	}
	if !u.Covers(c.Code) {
		return nil, check.ErrForbidden
	}
	return c, nil
}

// DocDepartement checks a département (or an overseas collectivity of 98x
// communes: 987) asked for by a document, as DocCommune does; the code is
// read as every staff list reads it (places.CheckArea), and the whole
// département must be within u's scope.
func DocDepartement(ctx context.Context, q pgdb.Q, u *staff.User, field, code string) (string, error) {
	code, _, err := places.CheckArea(nil, code, "")
	if inv, ok := check.AsInvalid(err); ok {
		return "", check.Field(field, inv.Fields["departement"])
	} else if err != nil {
		return "", err
	}
	if code == "" {
		return "", check.Field(field, "Précisez le département.")
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM communes WHERE departement = $1)`, code).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		return "", check.ErrNotFound
	}
	if !u.CoversDepartement(code) {
		return "", check.ErrForbidden
	}
	return code, nil
}

// docWhere builds the conditions on a commune_code column for f and u's
// scope, appending the arguments to args. Conditions are only written when
// set, so that the planner uses the indexes on commune codes.
func docWhere(col string, f DocFilter, u *staff.User, args *[]any, roundCol string) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	conds := []string{"in_scope(" + col + ", " + arg(u.ScopeArg()) + ")"}
	if f.Commune != "" {
		conds = append(conds, col+" = "+arg(f.Commune))
	}
	if f.Departement != "" {
		conds = append(conds, "departement_of("+col+") = "+arg(f.Departement))
	}
	if f.Round != 0 && roundCol != "" {
		conds = append(conds, roundCol+" = "+arg(f.Round))
	}
	return strings.Join(conds, " AND ")
}

const (
	// natural order of bureau codes (REU codes have no leading zeros): 2
	// before 10; codes are ASCII, so byte order ("C") is right, and fast
	bureauOrder = `length(%[1]s), %[1]s COLLATE "C"`
	// the person holding a seat: zero values when nobody does
	personBrief  = `coalesce(v.id, 0), coalesce(v.last_name, ''), coalesce(v.first_names, ''), coalesce(v.phone, '')`
	personDetail = `, coalesce(v.birth_name, ''), coalesce(v.birth_date, '0001-01-01'), coalesce(v.birth_place, ''),
		coalesce(v.address, ''), coalesce(v.postal_code, ''), coalesce(v.email, ''), coalesce(v.commune_code, ''),
		coalesce(vc.name, v.commune_code, ''), coalesce(v.bureau_code, ''), coalesce(v.voter_number, ''),
		coalesce(v.list_number, ''), coalesce(v.city, '')`
)

// seatsSQL lists every seat (needed, held or both) of the filter's bureaux,
// one row per (round, bureau, role), with the holder (brief: names and
// phone only).
func seatsSQL(f DocFilter, u *staff.User, heldOnly, brief bool) (string, []any) {
	args := []any{f.ElectionID}
	seatsWhere := docWhere("commune_code", f, u, &args, "round")
	held := ""
	if heldOnly {
		held = "WHERE x.volunteer_id IS NOT NULL"
	}
	cols, joins := personBrief, ""
	if !brief {
		cols += personDetail
		joins = "LEFT JOIN communes vc ON vc.code = v.commune_code"
	}
	sql := `
		WITH s AS (
			SELECT round, commune_code, bureau_code, role, priority FROM delegate_seats
			WHERE election_id = $1 AND ` + seatsWhere + `
		), a AS (
			SELECT round, commune_code, bureau_code, role, volunteer_id, confirmed_at IS NOT NULL AS confirmed
			FROM delegate_assignments
			WHERE election_id = $1 AND ` + seatsWhere + `
		), x AS (
			SELECT round, commune_code, bureau_code, role, s.priority, a.volunteer_id, coalesce(a.confirmed, false) AS confirmed,
				s.role IS NOT NULL AS needed
			FROM s FULL JOIN a USING (round, commune_code, bureau_code, role)
		)
		SELECT x.round, x.commune_code, coalesce(c.name, x.commune_code),
			x.bureau_code, coalesce(b.name, ''), coalesce(b.address, ''), coalesce(b.postal_code, ''), coalesce(x.priority, 0),
			x.role, x.needed, x.confirmed, ` + cols + `
		FROM x
		LEFT JOIN communes c ON c.code = x.commune_code
		LEFT JOIN bureaux b ON b.commune_code = x.commune_code AND b.code = x.bureau_code
		LEFT JOIN delegate_volunteers v ON v.id = x.volunteer_id
		` + joins + `
		` + held + `
		ORDER BY x.commune_code COLLATE "C", ` + fmt.Sprintf(bureauOrder, "x.bureau_code") + `, x.round`
	return sql, args
}

// personScan receives the person columns (personBrief, then personDetail
// unless brief) as the driver's bytes: person() makes the strings, once
// per person even when the person's columns repeat on several rows.
type personScan struct {
	brief                                                    bool
	id                                                       int64
	last, first, phone, birthName                            pgtype.DriverBytes
	birthDate                                                time.Time
	birthPlace, address, postal, email, commune, communeName pgtype.DriverBytes
	bureau, voterNumber, listNumber, city                    pgtype.DriverBytes
}

func (p *personScan) dest() []any {
	d := []any{&p.id, &p.last, &p.first, &p.phone}
	if !p.brief {
		d = append(d, &p.birthName, &p.birthDate, &p.birthPlace, &p.address, &p.postal, &p.email, &p.commune,
			&p.communeName, &p.bureau, &p.voterNumber, &p.listNumber, &p.city)
	}
	return d
}

func (p *personScan) person() *DocPerson {
	if p.id == 0 {
		return nil
	}
	return &DocPerson{
		VolunteerID: p.id, LastName: string(p.last), BirthName: string(p.birthName), FirstNames: string(p.first),
		BirthDate: p.birthDate, BirthPlace: string(p.birthPlace), Address: string(p.address), PostalCode: string(p.postal),
		Email: string(p.email), Phone: string(p.phone), CommuneCode: string(p.commune), CommuneName: string(p.communeName),
		BureauCode: string(p.bureau), VoterNumber: string(p.voterNumber), ListNumber: string(p.listNumber), City: string(p.city),
	}
}

// EachDocBureau calls fn for each bureau and round of f within u's scope, in
// commune, bureau number and round order, with every seat needed or held.
// heldOnly keeps only the seats somebody holds (and the bureaux that have
// one); brief fills only the names and phone of the people (the workbook).
// Rows are streamed: fn gets one bureau at a time.
func EachDocBureau(ctx context.Context, q pgdb.Q, u *staff.User, f DocFilter, heldOnly, brief bool, fn func(b *DocBureau) error) error {
	if u == nil {
		return check.ErrForbidden
	}
	sql, args := seatsSQL(f, u, heldOnly, brief)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur *DocBureau
	// Bureau columns repeat on every seat row: they are read as the
	// driver's bytes and copied into strings once per bureau.
	var (
		round, priority                  int
		commune, communeName, code, name pgtype.DriverBytes
		addr, cp, role                   pgtype.DriverBytes
		needed, confirmed                bool
		ps                               = personScan{brief: brief}
	)
	dest := append([]any{&round, &commune, &communeName, &code, &name, &addr, &cp, &priority, &role, &needed, &confirmed}, ps.dest()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		sameBureau := cur != nil && cur.CommuneCode == string(commune) && cur.BureauCode == string(code)
		if !sameBureau || cur.Round != round {
			next := &DocBureau{Round: round, Priority: 1, Seats: make([]DocSeat, 0, 4)}
			switch {
			case sameBureau: // the same bureau, next round
				next.DocBureauPlace, next.PostalCode = cur.DocBureauPlace, cur.PostalCode
			default:
				if cur != nil && cur.CommuneCode == string(commune) {
					next.Departement, next.CommuneCode, next.CommuneName = cur.Departement, cur.CommuneCode, cur.CommuneName
				} else {
					next.CommuneCode, next.CommuneName = string(commune), string(communeName)
					next.Departement = places.Departement(next.CommuneCode)
				}
				next.BureauCode, next.BureauName, next.BureauAddress, next.PostalCode = string(code), string(name), string(addr), string(cp)
			}
			if cur != nil {
				sortByRole(cur.Seats, seatRole)
				if err := fn(cur); err != nil {
					return err
				}
			}
			cur = next
		}
		cur.Priority = max(cur.Priority, priority)
		cur.Seats = append(cur.Seats, DocSeat{Role: roleOf(role), Needed: needed, Person: ps.person(), Confirmed: confirmed})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cur != nil {
		sortByRole(cur.Seats, seatRole)
		return fn(cur)
	}
	return nil
}

// DocNeedBureau is a bureau of a document's area with the roles it needs in
// each round, as the delegate_seats view lists them.
type DocNeedBureau struct {
	DocBureauPlace
	Priority int
	Needs    [][]Role // Needs[i]: the roles needed in rounds[i], in Roles order
}

// DocBureauNeeds lists the bureaux of f within u's scope, in commune and
// bureau number order, with the roles each needs in the given rounds.
//
// It is delegate_seats worked out in Go: the most specific rule of each
// round (commune, then département, then the whole election), DefaultRoles
// without any, and the bureau's priority (1 without a row). The view, read
// for 70,000 bureaux and two rounds, runs three rule lookups per bureau and
// round and returned 420,000 rows; here a document reads each bureau once
// and a few rules.
func DocBureauNeeds(ctx context.Context, q pgdb.Q, u *staff.User, f DocFilter, rounds []int) ([]DocNeedBureau, error) {
	if u == nil {
		return nil, check.ErrForbidden
	}
	rules, err := loadRoleRules(ctx, q, f.ElectionID, 0)
	if err != nil {
		return nil, err
	}
	priorities, err := loadPriorities(ctx, q, f.ElectionID)
	if err != nil {
		return nil, err
	}
	noRound := f
	noRound.Round = 0
	args := []any{}
	rows, err := q.Query(ctx, `
		SELECT b.commune_code, coalesce(c.name, b.commune_code), b.code, b.name, b.address
		FROM bureaux b
		LEFT JOIN communes c ON c.code = b.commune_code
		WHERE `+docWhere("b.commune_code", noRound, u, &args, "")+`
		ORDER BY b.commune_code COLLATE "C", `+fmt.Sprintf(bureauOrder, "b.code"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		out                              []DocNeedBureau
		commune, communeName, code, name pgtype.DriverBytes
		addr                             pgtype.DriverBytes
	)
	for rows.Next() {
		if err := rows.Scan(&commune, &communeName, &code, &name, &addr); err != nil {
			return nil, err
		}
		b := DocNeedBureau{DocBureauPlace: DocBureauPlace{BureauCode: string(code), BureauName: string(name), BureauAddress: string(addr)}, Priority: 1}
		if n := len(out); n > 0 && out[n-1].CommuneCode == string(commune) {
			b.Departement, b.CommuneCode, b.CommuneName = out[n-1].Departement, out[n-1].CommuneCode, out[n-1].CommuneName
		} else {
			b.CommuneCode, b.CommuneName = string(commune), string(communeName)
			b.Departement = places.Departement(b.CommuneCode)
		}
		if p, ok := priorities[[2]string{b.CommuneCode, b.BureauCode}]; ok {
			b.Priority = p
		}
		b.Needs = make([][]Role, len(rounds))
		for i, r := range rounds {
			b.Needs[i] = rules.of(r, b.CommuneCode)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// roleOf returns the Role constant for a role name without allocating.
func roleOf(b []byte) Role {
	for _, r := range Roles {
		if string(r) == string(b) {
			return r
		}
	}
	return Role(b)
}

// sortByRole puts a bureau's entries (a handful) in Roles order, keeping
// their order within a role (the rounds).
func sortByRole[T any](xs []T, role func(*T) Role) {
	slices.SortStableFunc(xs, func(a, b T) int { return cmp.Compare(role(&a).index(), role(&b).index()) })
}

func seatRole(s *DocSeat) Role               { return s.Role }
func appointmentRole(a *DocAppointment) Role { return a.Role }

// DocAppointment is a person in a role in one bureau, for the rounds listed.
type DocAppointment struct {
	Role      Role
	Person    *DocPerson
	Rounds    []int
	Confirmed bool // confirmed for every round listed
}

// DocDesignation is a bureau and the people appointed to it, over the
// rounds of the filter (a designation covers both rounds unless stated).
type DocDesignation struct {
	Departement   string
	CommuneCode   string
	CommuneName   string
	BureauCode    string
	BureauName    string
	BureauAddress string
	PostalCode    string
	Appointments  []DocAppointment // in Roles order, then by first round
}

// EachDocDesignation calls fn for each bureau of f within u's scope where
// somebody is appointed, in commune and bureau number order, merging the
// rounds: a person holding the same role in both rounds appears once.
func EachDocDesignation(ctx context.Context, q pgdb.Q, u *staff.User, f DocFilter, fn func(d *DocDesignation) error) error {
	var cur *DocDesignation
	err := EachDocBureau(ctx, q, u, f, true, false, func(b *DocBureau) error {
		if cur == nil || cur.CommuneCode != b.CommuneCode || cur.BureauCode != b.BureauCode {
			if cur != nil {
				sortByRole(cur.Appointments, appointmentRole)
				if err := fn(cur); err != nil {
					return err
				}
			}
			cur = &DocDesignation{Departement: b.Departement, CommuneCode: b.CommuneCode, CommuneName: b.CommuneName,
				BureauCode: b.BureauCode, BureauName: b.BureauName, BureauAddress: b.BureauAddress, PostalCode: b.PostalCode}
		}
	seats:
		for _, s := range b.Seats {
			for i := range cur.Appointments {
				a := &cur.Appointments[i]
				if a.Role == s.Role && a.Person.VolunteerID == s.Person.VolunteerID {
					a.Rounds = append(a.Rounds, b.Round)
					a.Confirmed = a.Confirmed && s.Confirmed
					continue seats
				}
			}
			cur.Appointments = append(cur.Appointments, DocAppointment{Role: s.Role, Person: s.Person, Rounds: []int{b.Round}, Confirmed: s.Confirmed})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cur == nil {
		return nil
	}
	sortByRole(cur.Appointments, appointmentRole)
	return fn(cur)
}

// DocPosting is one seat a volunteer holds.
type DocPosting struct {
	Round         int
	CommuneCode   string
	CommuneName   string
	BureauCode    string
	BureauName    string // '' when brief
	BureauAddress string // '' when brief
	Role          Role
	Confirmed     bool
}

// DocVolunteer is a volunteer with the seats they hold in the document's
// area and u's scope.
type DocVolunteer struct {
	DocPerson
	Status        string // active, withdrawn
	Roles         []Role
	Rounds        []int
	MaxDistanceKm *float64 // nil: own commune; to a tenth of a km
	Postings      []DocPosting
}

// EachDocVolunteer calls fn for each volunteer of f's election that u may
// see: registered in the area, or holding a seat in it. Postings are the
// seats held in the area (the round of f, if set), by round, commune and
// bureau number. assignedOnly keeps only volunteers holding at least one
// such seat (credentials); brief leaves the bureau names and addresses out
// of the postings (the workbook). Volunteers come by commune of
// registration, then by name.
//
// The postings are read first, unordered, and attached in Go: joined to
// the volunteers, they doubled the rows of the sorted read (a national
// workbook sorted 290,000 wide rows, spilling to disk, to list 150,000
// volunteers).
func EachDocVolunteer(ctx context.Context, q pgdb.Q, u *staff.User, f DocFilter, assignedOnly, brief bool, fn func(v *DocVolunteer) error) error {
	if u == nil {
		return check.ErrForbidden
	}
	postings, err := readDocPostings(ctx, q, u, f, brief)
	if err != nil {
		return err
	}
	args := []any{f.ElectionID}
	where := "EXISTS (SELECT 1 FROM delegate_assignments a WHERE a.volunteer_id = v.id AND " + docWhere("a.commune_code", f, u, &args, "a.round") + ")"
	if !assignedOnly {
		noRound := f
		noRound.Round = 0
		where = "(" + docWhere("v.commune_code", noRound, u, &args, "") + " OR " + where + ")"
	}
	rows, err := q.Query(ctx, `
		SELECT `+personBrief+personDetail+`, v.status, v.roles, v.rounds, coalesce(v.max_distance_km, -1)
		FROM delegate_volunteers v
		LEFT JOIN communes vc ON vc.code = v.commune_code
		WHERE v.election_id = $1 AND `+where+`
		ORDER BY v.commune_code COLLATE "C", lower(v.last_name), lower(v.first_names), v.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		ps     personScan
		status string
		roles  []string
		rounds []int16
		maxKm  float64
	)
	dest := append(ps.dest(), &status, &roles, &rounds, &maxKm)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		v := &DocVolunteer{DocPerson: *ps.person(), Status: status, Postings: postings.of(ps.id)}
		if assignedOnly && len(v.Postings) == 0 {
			continue // assigned after the seats were read
		}
		for _, r := range roles {
			v.Roles = append(v.Roles, Role(r))
		}
		for _, r := range rounds {
			v.Rounds = append(v.Rounds, int(r))
		}
		if maxKm >= 0 {
			km := maxKm
			v.MaxDistanceKm = &km
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// docPostings are the seats held in a document's area, for EachDocVolunteer
// to attach to each volunteer. A national workbook keeps some 300,000 of
// them while it writes its volunteers: they hold no pointers (their texts
// are in places, once per bureau), so the garbage collector has nothing to
// walk in them.
type docPostings struct {
	places blockList[DocPosting] // a bureau's texts
	roles  []Role                // the roles seats refer to (a handful)
	seats  blockList[postingSeat]
	last   map[int64]int32 // a volunteer's last seat read
}

// postingSeat is a seat held, linked to the volunteer's previous one.
type postingSeat struct {
	round     int32
	place     int32 // in places
	prev      int32 // in seats, -1 for the volunteer's first seat
	role      uint8 // in roles
	confirmed bool
}

// readDocPostings reads the seats held in f's area and u's scope.
func readDocPostings(ctx context.Context, q pgdb.Q, u *staff.User, f DocFilter, brief bool) (*docPostings, error) {
	args := []any{f.ElectionID}
	cols, joins := "'', ''", ""
	if !brief {
		cols, joins = "coalesce(b.name, ''), coalesce(b.address, '')", "LEFT JOIN bureaux b ON b.commune_code = a.commune_code AND b.code = a.bureau_code"
	}
	rows, err := q.Query(ctx, `
		SELECT a.volunteer_id, a.round, a.commune_code, coalesce(c.name, a.commune_code), a.bureau_code, `+cols+`,
			a.role, a.confirmed_at IS NOT NULL
		FROM delegate_assignments a
		LEFT JOIN communes c ON c.code = a.commune_code
		`+joins+`
		WHERE a.election_id = $1 AND `+docWhere("a.commune_code", f, u, &args, "a.round"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := &docPostings{last: map[int64]int32{}}
	places := map[string]int32{} // commune code, NUL, bureau code
	var (
		key                                            []byte
		id                                             int64
		round                                          int32
		commune, communeName, bureau, name, addr, role pgtype.DriverBytes
		confirmed                                      bool
	)
	for rows.Next() {
		if err := rows.Scan(&id, &round, &commune, &communeName, &bureau, &name, &addr, &role, &confirmed); err != nil {
			return nil, err
		}
		key = append(append(append(key[:0], commune...), 0), bureau...)
		place, ok := places[string(key)]
		if !ok {
			place = p.places.len()
			places[string(key)] = place
			p.places.add(DocPosting{CommuneCode: string(commune), CommuneName: string(communeName),
				BureauCode: string(bureau), BureauName: string(name), BureauAddress: string(addr)})
		}
		prev, ok := p.last[id]
		if !ok {
			prev = -1
		}
		p.last[id] = p.seats.len()
		p.seats.add(postingSeat{round: round, place: place, prev: prev, role: p.roleIndex(roleOf(role)), confirmed: confirmed})
	}
	return p, rows.Err()
}

// blockList is an append-only list kept in blocks of a fixed size: a list
// of 300,000 seats grows without copying itself, each copy into fresh
// memory costing more than filling the list.
type blockList[T any] struct {
	blocks [][]T
	n      int32
}

const blockSize = 4096

func (l *blockList[T]) add(v T) {
	if l.n%blockSize == 0 {
		l.blocks = append(l.blocks, make([]T, 0, blockSize))
	}
	b := &l.blocks[len(l.blocks)-1]
	*b = append(*b, v)
	l.n++
}

func (l *blockList[T]) len() int32 { return l.n }

func (l *blockList[T]) at(i int32) *T { return &l.blocks[i/blockSize][i%blockSize] }

func (p *docPostings) roleIndex(r Role) uint8 {
	i := slices.Index(p.roles, r)
	if i < 0 {
		i = len(p.roles)
		p.roles = append(p.roles, r)
	}
	return uint8(i)
}

// of returns the postings of a volunteer by round, then commune and bureau
// number as bureauOrder sorts them, then role.
func (p *docPostings) of(volunteer int64) []DocPosting {
	i, ok := p.last[volunteer]
	if !ok {
		return nil
	}
	var out []DocPosting
	for ; i >= 0; i = p.seats.at(i).prev {
		s := p.seats.at(i)
		d := *p.places.at(s.place)
		d.Round, d.Role, d.Confirmed = int(s.round), p.roles[s.role], s.confirmed
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b DocPosting) int {
		return cmp.Or(cmp.Compare(a.Round, b.Round), CompareBureaux(a.CommuneCode, a.BureauCode, b.CommuneCode, b.BureauCode),
			strings.Compare(string(a.Role), string(b.Role)))
	})
	return out
}

// CompareBureaux orders bureaux as the documents' queries do (commune
// code, then bureauOrder), for the lists put together in Go.
func CompareBureaux(communeA, bureauA, communeB, bureauB string) int {
	return cmp.Or(strings.Compare(communeA, communeB),
		cmp.Compare(utf8.RuneCountInString(bureauA), utf8.RuneCountInString(bureauB)), strings.Compare(bureauA, bureauB))
}

// DocRoleCoverage counts one role's seats.
type DocRoleCoverage struct {
	Role    Role
	Needed  int // seats to cover
	Covered int // of which held
	Extra   int // held without being needed (a rule changed after assignment)
}

// Uncovered is Needed - Covered.
func (c DocRoleCoverage) Uncovered() int { return c.Needed - c.Covered }

// DocCoverage are the totals of a document's area (a round, or every round
// counted separately).
type DocCoverage struct {
	Communes int
	Bureaux  int               // distinct bureaux with a seat needed or held
	People   int               // distinct people holding a seat
	Roles    []DocRoleCoverage // in Roles order, every role listed
}

// Needed, Covered are the totals over roles.
func (c *DocCoverage) Needed() (n int) {
	for _, r := range c.Roles {
		n += r.Needed
	}
	return n
}

func (c *DocCoverage) Covered() (n int) {
	for _, r := range c.Roles {
		n += r.Covered
	}
	return n
}

// DocCoverageOf counts the seats of f within u's scope.
func DocCoverageOf(ctx context.Context, q pgdb.Q, u *staff.User, f DocFilter) (*DocCoverage, error) {
	if u == nil {
		return nil, check.ErrForbidden
	}
	args := []any{f.ElectionID}
	where := docWhere("commune_code", f, u, &args, "round")
	rows, err := q.Query(ctx, `
		WITH s AS (
			SELECT round, commune_code, bureau_code, role FROM delegate_seats WHERE election_id = $1 AND `+where+`
		), a AS (
			SELECT round, commune_code, bureau_code, role, volunteer_id FROM delegate_assignments WHERE election_id = $1 AND `+where+`
		), x AS (
			SELECT round, commune_code, bureau_code, role, s.role IS NOT NULL AS needed, a.volunteer_id
			FROM s FULL JOIN a USING (round, commune_code, bureau_code, role)
		)
		SELECT coalesce(role, ''),
			count(*) FILTER (WHERE needed), count(*) FILTER (WHERE needed AND volunteer_id IS NOT NULL),
			count(*) FILTER (WHERE NOT needed),
			count(DISTINCT commune_code), count(DISTINCT (commune_code, bureau_code)), count(DISTINCT volunteer_id)
		FROM x GROUP BY GROUPING SETS ((role), ())`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &DocCoverage{}
	byRole := map[Role]DocRoleCoverage{}
	for rows.Next() {
		var role string
		var c DocRoleCoverage
		var communes, bureaux, people int
		if err := rows.Scan(&role, &c.Needed, &c.Covered, &c.Extra, &communes, &bureaux, &people); err != nil {
			return nil, err
		}
		if role == "" {
			out.Communes, out.Bureaux, out.People = communes, bureaux, people
			continue
		}
		c.Role = Role(role)
		byRole[c.Role] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range Roles {
		c := byRole[r]
		c.Role = r
		out.Roles = append(out.Roles, c)
	}
	return out, nil
}

package delegates

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/elections"
	"scrutin/logistics/token"
)

type demoVolunteer struct {
	last, first, email  string
	commune, bureau     string
	roles               []Role
	rounds              []int
	maxKm               *float64
	seat                *demoSeat // already assigned in round 1
	birthYear           int
	birthPlace, address string // the address as "street, postal code town"
}

type demoSeat struct {
	bureau    string
	role      Role
	source    string
	confirmed bool
}

func kmp(km float64) *float64 { return &km }

// demoVolunteers: fictitious people (example.org addresses) in the demo
// communes; a few already hold a seat, so that the coverage page, the
// documents and a re-run have something to show and to keep.
var demoVolunteers = []demoVolunteer{
	{"Durand", "Claire Marie", "claire.durand@example.org", "04070", "1", []Role{AssesseurTitulaire, AssesseurSuppleant}, []int{1, 2}, nil,
		&demoSeat{"1", AssesseurTitulaire, "manual", true}, 1978, "Digne-les-Bains (04)", "12 rue de l'Hubac, 04000 Digne-les-Bains"},
	{"Nguyễn", "Thị Lan", "lan.nguyen@example.org", "04070", "2", []Role{AssesseurTitulaire, DelegueTitulaire}, []int{1, 2}, kmp(10),
		&demoSeat{"2", AssesseurTitulaire, "auto", false}, 1990, "Hô Chi Minh-Ville (Viêt Nam)", "5 avenue Saint-Vincent, 04000 Digne-les-Bains"},
	{"Benali", "Karim", "karim.benali@example.org", "04070", "3", []Role{DelegueTitulaire, DelegueSuppleant}, []int{1, 2}, nil,
		&demoSeat{"1", DelegueTitulaire, "auto", true}, 1985, "Marseille (13)", "3 chemin des Sièyes, 04000 Digne-les-Bains"},
	{"Lefèvre", "Jean-Baptiste", "jb.lefevre@example.org", "04070", "4", []Role{AssesseurSuppleant}, []int{1}, kmp(0),
		nil, 1962, "Sisteron (04)", "Les Dourbes, 04000 Digne-les-Bains"},
	{"Martin", "Sophie", "sophie.martin@example.org", "04112", "1", []Role{AssesseurTitulaire, AssesseurSuppleant, DelegueTitulaire}, []int{1, 2}, kmp(20),
		nil, 1995, "Manosque (04)", "8 boulevard des Tilleuls, 04100 Manosque"},
	{"Roux", "Étienne", "etienne.roux@example.org", "04112", "2", []Role{AssesseurTitulaire}, []int{1, 2}, nil,
		nil, 1970, "Aix-en-Provence (13)", "21 rue Grande, 04100 Manosque"},
	{"Fabre", "Élodie", "elodie.fabre@example.org", "04209", "1", []Role{AssesseurTitulaire, DelegueTitulaire}, []int{1, 2}, nil,
		nil, 1988, "Gap (05)", "2 place de la République, 04200 Sisteron"},
	{"Giraud", "Paul", "paul.giraud@example.org", "04209", "2", []Role{AssesseurSuppleant, DelegueSuppleant}, []int{2}, nil,
		nil, 1958, "Sisteron (04)", "Allée des Plantiers, 04200 Sisteron"},
	{"Okafor", "Chiamaka", "chiamaka.okafor@example.org", "75104", "1", []Role{AssesseurTitulaire, AssesseurSuppleant}, []int{1, 2}, kmp(2),
		&demoSeat{"9", AssesseurTitulaire, "manual", false}, 1993, "Lagos (Nigeria)", "14 rue du Pont-Louis-Philippe, 75004 Paris"},
	{"Weiß", "Anna", "anna.weiss@example.org", "75104", "8", []Role{DelegueTitulaire}, []int{1, 2}, nil,
		nil, 1981, "Strasbourg (67)", "6 quai des Célestins, 75004 Paris"},
	{"Morel", "Lucas", "lucas.morel@example.org", "75104", "13", []Role{AssesseurTitulaire, AssesseurSuppleant, DelegueTitulaire, DelegueSuppleant}, []int{1}, nil,
		nil, 2001, "Paris (75)", "30 rue du Renard, 75004 Paris"},
}

// demoListNumbers: the number on their commune's list of most demo
// volunteers; Karim Benali and Anna Weiß did not give theirs, so that the
// documents show the NNE instead.
var demoListNumbers = map[string]string{
	"claire.durand@example.org": "1204", "lan.nguyen@example.org": "3318", "jb.lefevre@example.org": "587",
	"sophie.martin@example.org": "2046", "etienne.roux@example.org": "911", "elodie.fabre@example.org": "74",
	"paul.giraud@example.org": "1530", "chiamaka.okafor@example.org": "10233", "lucas.morel@example.org": "6120",
}

// DemoRepresentative signs the demo designation letters of the 04; the
// other départements fall back to the election's representative.
const DemoRepresentative = "Jeanne Aubert"

// LoadDemo adds the demo volunteers (a demo.Loader): about a dozen people
// in the demo communes, four of them already holding a seat in round 1,
// and the representative of the list in the Alpes-de-Haute-Provence.
func LoadDemo(ctx context.Context, tx pgx.Tx, e *elections.Election, now time.Time, _ string) error {
	if _, err := tx.Exec(ctx, `
		INSERT INTO delegate_representatives (election_id, departement, name, updated_by, updated_at) VALUES ($1, '04', $2, 'demo', $3)
		ON CONFLICT (election_id, departement) DO NOTHING`, e.ID, DemoRepresentative, now); err != nil {
		return err
	}
	expires := linkExpiry(e)
	for i, v := range demoVolunteers {
		street, postal, city := splitAddress(v.address)
		roles := make([]string, len(v.roles))
		for j, r := range v.roles {
			roles[j] = string(r)
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO delegate_volunteers (election_id, last_name, first_names, birth_date, birth_place, address, postal_code,
				email, phone, commune_code, bureau_code, voter_number, roles, rounds, max_distance_km, list_number, city, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $17, $18, $16, $16)
			ON CONFLICT (election_id, email) DO NOTHING RETURNING id`,
			e.ID, v.last, v.first, time.Date(v.birthYear, time.Month(1+i%12), 1+i*2, 0, 0, 0, 0, time.UTC), v.birthPlace, street,
			postal, v.email, fmt.Sprintf("+336120000%02d", i), v.commune, v.bureau, fmt.Sprintf("%09d", 120045678+i*1111),
			roles, v.rounds, v.maxKm, now, demoListNumbers[v.email], city).Scan(&id)
		if err == pgx.ErrNoRows {
			continue // loaded before
		}
		if err != nil {
			return err
		}
		_, hash := token.New()
		if _, err := tx.Exec(ctx, `INSERT INTO delegate_links (token_hash, volunteer_id, expires_at) VALUES ($1, $2, $3)`, hash, id, expires); err != nil {
			return err
		}
		if v.seat == nil {
			continue
		}
		var confirmed *time.Time
		if v.seat.confirmed {
			confirmed = &now
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source, assigned_by, created_at, notified_at, confirmed_at)
			VALUES ($1, 1, $2, $3, $4, $5, $6, 'demo', $7, $7, $8)`,
			e.ID, v.commune, v.seat.bureau, string(v.seat.role), id, v.seat.source, now, confirmed); err != nil {
			return err
		}
	}
	return nil
}

// splitAddress cuts a demo address into what the sign-up form asks in
// three fields: "12 rue de l'Hubac, 04000 Digne-les-Bains" is the street
// "12 rue de l'Hubac", the postal code 04000 and the town.
func splitAddress(address string) (street, postal, city string) {
	i := strings.LastIndex(address, ", ")
	if i < 0 {
		return address, "", ""
	}
	last := address[i+2:]
	if len(last) < 7 || !isDigits(last[:5]) || last[5] != ' ' {
		return address, "", ""
	}
	return address[:i], last[:5], last[6:]
}

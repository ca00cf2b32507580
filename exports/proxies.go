package exports

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/places"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// The proxies workbook: requests (one row per round, with the volunteer
// proposed or carrying it) and volunteers (with what they carry), within
// the staff member's scope. Parameters: election=SLUG (default: the only
// open election), departement=NN, commune=CODE, round=N (the requests and
// volunteers of that round only, as the proxy lists filter them).

func init() {
	Register(Export{Name: "proxies", Title: "procurations", Personal: true,
		ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		Description: "Procurations : demandes et volontaires avec leur appariement (election=S, departement=, commune=, round=N).",
		Params:      []string{"election", "departement", "commune", "round"},
		File:        Naming{Kind: "procurations", Ext: "xlsx", Filters: []string{"round"}}, Write: writeProxies})
}

func writeProxies(ctx context.Context, pool *pgxpool.Pool, u *staff.User, p Params, w io.Writer) (Written, error) {
	// The place and the round as the proxy lists read them (the round 1
	// or 2 here, one of the election's below).
	f := proxies.Filter{Departement: p["departement"], Commune: p["commune"], RoundParam: p["round"]}
	if err := f.Normalize(ctx, pool, false); err != nil {
		return Written{}, err
	}
	// Asking for a place outside one's scope is refused, with its reason
	// (a *places.OutOfScope, as the proxy lists answer), rather than
	// silently answered with an empty workbook.
	if _, _, err := places.CheckArea(u, f.Departement, f.Commune); err != nil {
		return Written{}, err
	}
	electionID, slug, err := proxies.ElectionID(ctx, pool, strings.TrimSpace(p["election"]), time.Now())
	if err != nil {
		return Written{}, err
	}
	read := map[string]string{"departement": f.Departement, "commune": f.Commune}
	if f.Round != 0 {
		// A round of the election resolved (elections.ListRound, as the
		// proxy lists check it).
		e, err := elections.BySlug(ctx, pool, slug)
		if err != nil {
			return Written{}, err
		}
		errs := check.Errors{}
		elections.ListRound(errs, "round", strconv.Itoa(f.Round), e)
		if err := errs.Err(); err != nil {
			return Written{}, err
		}
		read["round"] = strconv.Itoa(f.Round)
	}
	n, err := writeProxiesWorkbook(ctx, pool, u, electionID, f, w)
	// The workbook holds the election resolved (the only open one when p
	// named none), the place as read (the 04 of a "4") and the round:
	// Run audits and names the file after them ("…-tour1.xlsx").
	return Written{Rows: n, Params: resolvedParams(p, slug, read)}, err
}

// writeProxiesWorkbook writes the requests and volunteers of an election
// for f, within u's scope, and returns how many rows of people it holds.
// With f.Round, only that round's: its request rounds, and the volunteers
// available for it (as the proxy lists filter them); the rows come
// streamed, those of the other round are passed over.
func writeProxiesWorkbook(ctx context.Context, pool *pgxpool.Pool, u *staff.User, electionID int64, f proxies.Filter, w io.Writer) (int, error) {
	x := NewWorkbook(w)
	defer x.Close()
	rs, err := NewSheet(x, "Demandes", []string{"N° demande", "Tour", "Date du tour", "Statut", "Prénom", "Nom", "E-mail", "Téléphone",
		"Code commune", "Commune", "Bureau", "Reçue le", "Proposition", "Expire le", "Distance (km)", "N° volontaire", "Volontaire", "Téléphone volontaire"},
		[]float64{11, 6, 12, 30, 16, 18, 28, 16, 12, 22, 8, 17, 14, 17, 12, 12, 24, 18})
	if err != nil {
		return 0, err
	}
	err = proxies.EachRequestRound(ctx, pool, u, electionID, f, func(r proxies.RequestRow) error {
		if f.Round != 0 && r.Round != f.Round {
			return nil
		}
		var vol, dist any = "", ""
		var expires Moment // zero: an empty cell
		if r.VolunteerID != nil {
			vol = *r.VolunteerID
		}
		if r.DistanceKm != nil {
			dist = *r.DistanceKm
		}
		if r.OfferExpiresAt != nil && r.OfferStatus == proxies.OfferPending {
			expires = Moment(*r.OfferExpiresAt)
		}
		// Dates are real Excel dates (Day, Moment: times in Paris), which
		// sort and filter as dates.
		return rs.Add(r.RequestID, r.Round, Day(r.RoundDate), proxies.StatusLabel(r.Status), r.FirstName, r.LastName,
			r.Email, phoneText(r.Phone), r.CommuneCode, r.CommuneName, r.BureauCode, Moment(r.CreatedAt), proxyOfferLabel(r.OfferStatus), expires, dist,
			vol, r.VolunteerName, phoneText(r.VolunteerPhone))
	})
	if err != nil {
		return 0, err
	}
	if err := rs.Close(); err != nil {
		return 0, err
	}
	// No NNE nor birth date: they go to the mandant of an accepted offer
	// only (DOMAIN.md §2).
	vs, err := NewSheet(x, "Volontaires", []string{"N° volontaire", "Prénom", "Nom", "E-mail", "Téléphone",
		"Code commune", "Commune", "Bureau", "Distance max (km)", "Tours", "Statut", "Tour 1", "Tour 2"},
		[]float64{12, 16, 18, 28, 16, 12, 22, 8, 14, 8, 10, 34, 34})
	if err != nil {
		return 0, err
	}
	err = proxies.EachVolunteer(ctx, pool, u, electionID, f, func(v proxies.VolunteerRow) error {
		if f.Round != 0 && !slices.Contains(v.Rounds, f.Round) {
			return nil
		}
		rounds := make([]string, len(v.Rounds))
		for i, r := range v.Rounds {
			rounds[i] = strconv.Itoa(r)
		}
		status := "actif·ve"
		if v.Status == proxies.VolunteerWithdrawn {
			status = "retiré·e"
		}
		return vs.Add(v.ID, v.FirstName, v.LastName, v.Email, phoneText(v.Phone), v.CommuneCode, v.CommuneName, v.BureauCode, v.MaxDistanceKm, strings.Join(rounds, " et "), status, v.Round1, v.Round2)
	})
	if err != nil {
		return 0, err
	}
	if err := vs.Close(); err != nil {
		return 0, err
	}
	if err := SaveWorkbook(x); err != nil {
		return 0, err
	}
	return rs.Rows() + vs.Rows(), nil
}

func proxyOfferLabel(s string) string {
	switch s {
	case proxies.OfferPending:
		return "en attente"
	case proxies.OfferAccepted:
		return "acceptée"
	}
	return ""
}

package delegates

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

// ManualInput is a seat given by staff to a volunteer. Later runs keep it.
type ManualInput struct {
	Election    string `json:"election"`
	Round       int    `json:"round"`
	CommuneCode string `json:"commune_code"`
	BureauCode  string `json:"bureau_code"`
	Role        string `json:"role"`
	VolunteerID int64  `json:"volunteer_id"`
}

// Assign gives a seat to a volunteer by hand (organizers and admins, both
// the seat and the volunteer within their scope). The database refuses
// what breaks a rule even when two staff members act at once.
func (d *Desk) Assign(ctx context.Context, u *staff.User, in ManualInput) (int64, error) {
	if !u.CanAct() {
		return 0, check.ErrForbidden
	}
	errs := check.Errors{}
	commune, bureau, err := places.CheckPlace(ctx, d.Pool, errs, "commune_code", in.CommuneCode, "bureau_code", in.BureauCode, true)
	if err != nil {
		return 0, err
	}
	if commune != "" && !u.Covers(commune) {
		errs.Add("commune_code", "Cette commune est hors de votre périmètre.")
	}
	role := Role(strings.TrimSpace(in.Role))
	if !role.Valid() {
		errs.Add("role", "Rôle inconnu.")
	}
	e, err := elections.Resolve(ctx, d.Pool, strings.TrimSpace(in.Election), "election", d.now())
	if inv, ok := check.AsInvalid(err); ok {
		maps(errs, inv.Fields)
	} else if err != nil {
		return 0, err
	}
	if e != nil {
		if _, ok := e.Round(in.Round); !ok {
			errs.Add("round", "Cette élection n'a pas ce tour.")
		}
	}
	v, err := ForStaff(ctx, d.Pool, u, in.VolunteerID)
	if errors.Is(err, check.ErrNotFound) {
		errs.Add("volunteer_id", "Bénévole introuvable dans votre périmètre.")
	} else if err != nil {
		return 0, err
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	switch {
	case v.ElectionID != e.ID:
		errs.Add("volunteer_id", "Cette personne s'est inscrite pour une autre élection.")
	case v.Status != StatusActive:
		errs.Add("volunteer_id", "Cette personne s'est retirée.")
	case !slices.Contains(v.Roles, role):
		errs.Add("role", "Cette personne n'a pas accepté ce rôle.")
	case !slices.Contains(v.Rounds, in.Round):
		errs.Add("round", "Cette personne n'est pas disponible pour ce tour.")
	case places.Departement(v.CommuneCode) != places.Departement(commune):
		errs.Add("volunteer_id", "Cette personne n'est pas électrice du département de ce bureau (R44).")
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	ok, err := withinReach(ctx, d.Pool, v, commune, bureau)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, check.Field("volunteer_id", fmt.Sprintf("Ce bureau est trop loin : cette personne accepte %s.", v.Reach()))
	}
	now := d.now()
	var id int64
	err = pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		if err := lockElection(ctx, tx, e.ID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO delegate_assignments (election_id, round, commune_code, bureau_code, role, volunteer_id, source, assigned_by, created_at, notified_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'manual', $7, $8, $8) RETURNING id`,
			e.ID, in.Round, commune, bureau, string(role), v.ID, u.Actor(), now).Scan(&id)
		if err != nil {
			return seatConflict(err)
		}
		// Staff put the person back: an earlier removal no longer holds.
		if _, err := tx.Exec(ctx, `DELETE FROM delegate_removals
			WHERE election_id = $1 AND round = $2 AND volunteer_id = $3 AND commune_code = $4 AND bureau_code = $5`,
			e.ID, in.Round, v.ID, commune, bureau); err != nil {
			return err
		}
		if err := d.tellOne(ctx, tx, e, v, now); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_assignment.assign", "delegate_volunteer", fmt.Sprint(v.ID),
			map[string]any{"election": e.Slug, "round": in.Round, "bureau": commune + "_" + bureau, "role": role})
	})
	return id, err
}

// seatConflict turns the database's refusals into French messages.
func seatConflict(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.ConstraintName {
	case "delegate_assignments_seat_key":
		return &check.Conflict{Msg: "Ce siège est déjà pourvu : retirez d'abord la personne qui l'occupe."}
	case "delegate_assignments_person_bureau_key":
		return &check.Conflict{Msg: "Cette personne occupe déjà un siège dans ce bureau pour ce tour."}
	case "delegate_assignments_assesseur_key":
		return &check.Conflict{Msg: "Cette personne est déjà assesseur·e pour ce tour : un·e assesseur·e ne siège que dans un bureau."}
	case "delegate_seat_limit":
		return &check.Conflict{Msg: "Cette personne a déjà d'autres sièges pour ce tour : un·e assesseur·e ne siège que dans un bureau, un·e délégué·e couvre au plus quelques bureaux d'une seule commune."}
	case "delegate_volunteer_fits":
		return &check.Conflict{Msg: "Cette personne ne peut pas occuper ce siège (rôle, tour, département ou retrait)."}
	}
	return err
}

// withinReach applies a volunteer's travel limit to a bureau.
func withinReach(ctx context.Context, q pgdb.Q, v *Volunteer, commune, bureau string) (bool, error) {
	switch {
	case v.MaxDistanceKm == nil:
		return commune == v.CommuneCode, nil
	case *v.MaxDistanceKm == 0:
		return commune == v.CommuneCode && bureau == v.BureauCode, nil
	}
	if commune == v.CommuneCode {
		return true, nil
	}
	from, err := places.Location(ctx, q, v.CommuneCode, v.BureauCode)
	if err != nil {
		return false, err
	}
	to, err := places.Location(ctx, q, commune, bureau)
	if err != nil {
		return false, err
	}
	if from == nil || to == nil {
		return false, nil
	}
	return places.DistanceKm(*from, *to) <= *v.MaxDistanceKm+1e-9, nil
}

// Unassign takes a seat back (organizers and admins, seat in scope). The
// volunteer is told.
func (d *Desk) Unassign(ctx context.Context, u *staff.User, assignmentID int64) error {
	if !u.CanAct() {
		return check.ErrForbidden
	}
	now := d.now()
	return pgdb.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
		var electionID, volunteerID int64
		var round int
		var commune, bureau, role string
		err := tx.QueryRow(ctx, `
			SELECT election_id, volunteer_id, round, commune_code, bureau_code, role FROM delegate_assignments
			WHERE id = $1 AND in_scope(commune_code, $2)`, assignmentID, u.ScopeArg()).
			Scan(&electionID, &volunteerID, &round, &commune, &bureau, &role)
		if errors.Is(err, pgx.ErrNoRows) {
			return check.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := lockElection(ctx, tx, electionID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM delegate_assignments WHERE id = $1`, assignmentID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return check.ErrNotFound
		}
		// Later runs keep the seat from this person (loadRunVolunteers).
		if _, err := tx.Exec(ctx, `
			INSERT INTO delegate_removals (election_id, round, volunteer_id, commune_code, bureau_code, removed_by, removed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			electionID, round, volunteerID, commune, bureau, u.Actor(), now); err != nil {
			return err
		}
		e, err := elections.ByID(ctx, tx, electionID)
		if err != nil {
			return err
		}
		v, err := loadVolunteer(ctx, tx, volunteerID, false, nil)
		if err != nil {
			return err
		}
		if err := d.tellOne(ctx, tx, e, v, now); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, u.Actor(), "delegate_assignment.unassign", "delegate_volunteer", fmt.Sprint(volunteerID),
			map[string]any{"election": e.Slug, "round": round, "bureau": commune + "_" + bureau, "role": role})
	})
}

// tellOne sends a volunteer their seats as they now are, with a new link.
func (d *Desk) tellOne(ctx context.Context, tx pgx.Tx, e *elections.Election, v *Volunteer, now time.Time) error {
	seats, err := seatsOf(ctx, tx, []int64{v.ID})
	if err != nil {
		return err
	}
	link, err := d.newLink(ctx, tx, v.ID, e)
	if err != nil {
		return err
	}
	subject := "Votre affectation de bureau de vote"
	if len(seats) == 0 {
		subject = "Votre affectation a changé"
	}
	return notify.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, Recipient: v.Email, Subject: subject,
		Body: assignedBody(v.FirstNames, e.Name, seats, link), Kind: "delegate.assignment"})
}

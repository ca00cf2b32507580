package staff

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/contact"
	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
)

// The admins' administration of staff accounts (the « Comptes » page and
// /api/v1/staff-accounts). An account made here has no password: the
// person gets an invitation by e-mail (invitations.go) and chooses it
// (the admin never types it; the link itself travels in the outbox, which
// admins can read). Accounts are validated by Add, the one path the
// command line takes too.

// Account statuses: whether the person can log in on the staff pages.
const (
	StatusActive            = "active"             // a password is set
	StatusInvited           = "invited"            // no password yet, an invitation link is valid
	StatusInvitationExpired = "invitation_expired" // no password, the last invitation expired unused
	StatusNoPassword        = "no_password"        // no password, no invitation: API tokens only
)

// Account is a staff account as the admins see it.
type Account struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	RoleLabel   string    `json:"role_label"`
	Scope       []string  `json:"scope"`
	ScopeLabel  string    `json:"scope_label"`
	HasPassword bool      `json:"has_password"`
	Status      string    `json:"status"`
	StatusLabel string    `json:"status_label"`
	CreatedAt   time.Time `json:"created_at"`
	// InvitationExpiresAt is the end of the account's latest unused
	// invitation (zero: none).
	InvitationExpiresAt time.Time `json:"invitation_expires_at,omitzero"`
}

// statusLabels are the statuses in French.
var statusLabels = map[string]string{
	StatusActive:            "mot de passe choisi",
	StatusInvited:           "invitation en attente",
	StatusInvitationExpired: "invitation expirée",
	StatusNoPassword:        "sans mot de passe (jetons d'API seulement)",
}

const accountColumns = `u.id, u.email, u.name, u.role, u.scope, u.password_hash <> '', u.created_at,
	(SELECT max(i.expires_at) FROM staff_invitations i WHERE i.user_id = u.id AND i.used_at IS NULL)`

func scanAccount(row pgx.Row, now time.Time) (Account, error) {
	var a Account
	var expires *time.Time
	if err := row.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.Scope, &a.HasPassword, &a.CreatedAt, &expires); err != nil {
		return a, err
	}
	if expires != nil {
		a.InvitationExpiresAt = *expires
	}
	switch {
	case a.HasPassword:
		a.Status = StatusActive
		a.InvitationExpiresAt = time.Time{}
	case a.InvitationExpiresAt.After(now):
		a.Status = StatusInvited
	case !a.InvitationExpiresAt.IsZero():
		a.Status = StatusInvitationExpired
	default:
		a.Status = StatusNoPassword
	}
	a.RoleLabel, a.StatusLabel = a.Role.Label(), statusLabels[a.Status]
	if a.Scope == nil {
		a.Scope = []string{}
	}
	return a, nil
}

// Accounts lists every staff account, by e-mail, for admins.
func Accounts(ctx context.Context, q pgdb.Q, now time.Time) ([]Account, error) {
	rows, err := q.Query(ctx, `SELECT `+accountColumns+` FROM staff_users u ORDER BY u.email`)
	if err != nil {
		return nil, err
	}
	accounts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Account, error) { return scanAccount(r, now) })
	if err != nil {
		return nil, err
	}
	if accounts == nil {
		accounts = []Account{}
	}
	return accounts, labelScopes(ctx, q, accounts)
}

// AccountByID is one account as Accounts lists it; check.ErrNotFound when
// there is none.
func AccountByID(ctx context.Context, q pgdb.Q, id int64, now time.Time) (*Account, error) {
	a, err := scanAccount(q.QueryRow(ctx, `SELECT `+accountColumns+` FROM staff_users u WHERE u.id = $1`, id), now)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	accounts := []Account{a}
	if err := labelScopes(ctx, q, accounts); err != nil {
		return nil, err
	}
	return &accounts[0], nil
}

// labelScopes writes each account's scope for people: "national" for an
// admin, else its départements and its communes by name ("département
// 04, Manosque (04112)").
func labelScopes(ctx context.Context, q pgdb.Q, accounts []Account) error {
	var codes []string
	for _, a := range accounts {
		codes = append(codes, a.Scope...)
	}
	names, err := communeNames(ctx, q, codes)
	if err != nil {
		return err
	}
	for i := range accounts {
		accounts[i].ScopeLabel = ScopeLabel(accounts[i].Role, accounts[i].Scope, names)
	}
	return nil
}

// scopeLabelOf is ScopeLabel with the names of the scope's communes read
// from the communes table.
func scopeLabelOf(ctx context.Context, q pgdb.Q, role Role, scope []string) (string, error) {
	names, err := communeNames(ctx, q, scope)
	if err != nil {
		return "", err
	}
	return ScopeLabel(role, scope, names), nil
}

// communeNames maps the commune codes among codes to their names, as the
// communes table has them (a code it lacks is left out).
func communeNames(ctx context.Context, q pgdb.Q, codes []string) (map[string]string, error) {
	var communes []string
	for _, c := range codes {
		if insee.ValidCommune(c) {
			communes = append(communes, c)
		}
	}
	names := map[string]string{}
	if len(communes) == 0 {
		return names, nil
	}
	rows, err := q.Query(ctx, `SELECT code, name FROM communes WHERE code = ANY ($1)`, communes)
	if err != nil {
		return nil, err
	}
	var code, name string
	if _, err := pgx.ForEachRow(rows, []any{&code, &name}, func() error { names[code] = name; return nil }); err != nil {
		return nil, err
	}
	return names, nil
}

// National is how a national scope (an admin's) reads, on the « Comptes »
// page, in the invitations and in the journal.
const National = "national"

// ScopeLabel is a scope for people, with the names of its communes (code
// → name; a commune without one shows its code).
func ScopeLabel(role Role, scope []string, communeNames map[string]string) string {
	if role == Admin {
		return National
	}
	if len(scope) == 0 {
		return "aucun (ne voit rien)"
	}
	parts := make([]string, len(scope))
	for i, c := range scope {
		switch {
		case !insee.ValidCommune(c) && strings.HasPrefix(c, "98"):
			parts[i] = "collectivité " + c
		case !insee.ValidCommune(c):
			parts[i] = "département " + c
		case communeNames[c] != "":
			parts[i] = communeNames[c] + " (" + c + ")"
		default:
			parts[i] = "commune " + c
		}
	}
	return strings.Join(parts, ", ")
}

// AccountInput is a new account, from the form or the JSON API.
type AccountInput struct {
	Email string   `json:"email"`
	Role  Role     `json:"role"`
	Scope []string `json:"scope"`
}

// AccountChange changes an account's role and scope. An empty Role keeps
// the account's; a nil Scope keeps it too, except for a new admin, whose
// scope is emptied (admins are national).
type AccountChange struct {
	Role  Role      `json:"role"`
	Scope *[]string `json:"scope"`
}

// SplitScope reads the scope codes typed in a form: separated by commas,
// semicolons or spaces.
func SplitScope(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// serializable is the isolation of the account changes: "no account has
// this e-mail yet" and "this account has no password" hold until commit,
// or PostgreSQL fails the transaction (pgdb.TxOptions tries it again).
var serializable = pgx.TxOptions{IsoLevel: pgx.Serializable}

// Invite creates the account of in without a password, by admin by, and
// sends the person an invitation to choose it (an e-mail in the outbox,
// with a link valid InvitationTTL, once), with the audit row, in one
// transaction. An address that already has an account is refused on
// "email": change that account instead.
func Invite(ctx context.Context, pool *pgxpool.Pool, by *User, in AccountInput, baseURL string, now time.Time) (*Account, error) {
	var id int64
	err := pgdb.TxOptions(ctx, pool, serializable, func(tx pgx.Tx) error {
		email := contact.Email(check.Errors{}, "email", in.Email) // Add says what is wrong with it
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff_users WHERE email = $1)`, email).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return check.Field("email", "Un compte existe déjà avec cette adresse e-mail : changez son rôle ou son périmètre dans la liste des comptes.")
		}
		u, err := Add(ctx, tx, NewUser{Email: in.Email, Role: in.Role, Scope: in.Scope})
		if err != nil {
			return err
		}
		id = u.ID
		expires, err := invite(ctx, tx, by, u, baseURL, now)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, by.Actor(), "staff.add", "staff_user", u.Email,
			map[string]any{"role": u.Role, "scope": u.Scope, "invitation_expires_at": expires})
	})
	if err != nil {
		return nil, err
	}
	return AccountByID(ctx, pool, id, now)
}

// Reinvite sends a new invitation to an account without a password (the
// first one expired, or went astray); the links sent before no longer
// work. check.ErrNotFound: no such account; *check.Conflict: it has a
// password.
func Reinvite(ctx context.Context, pool *pgxpool.Pool, by *User, id int64, baseURL string, now time.Time) (*Account, error) {
	err := pgdb.TxOptions(ctx, pool, serializable, func(tx pgx.Tx) error {
		u, hasPassword, err := lockAccount(ctx, tx, id)
		if err != nil {
			return err
		}
		if hasPassword {
			return &check.Conflict{Msg: "Ce compte a déjà un mot de passe : la personne se connecte avec lui. Pas d'invitation à renvoyer."}
		}
		expires, err := invite(ctx, tx, by, u, baseURL, now)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, by.Actor(), "staff.invite", "staff_user", u.Email, map[string]any{"invitation_expires_at": expires})
	})
	if err != nil {
		return nil, err
	}
	return AccountByID(ctx, pool, id, now)
}

// lockAccount reads an account and locks its row for the transaction.
func lockAccount(ctx context.Context, tx pgx.Tx, id int64) (*User, bool, error) {
	u := &User{}
	var hasPassword bool
	err := tx.QueryRow(ctx, `SELECT `+userColumns+`, password_hash <> '' FROM staff_users WHERE id = $1 FOR UPDATE`, id).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Scope, &hasPassword)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, check.ErrNotFound
	}
	return u, hasPassword, err
}

// ChangeAccount sets an account's role and scope, validated by Add, with
// the audit row. Admins cannot take their own admin role away: another
// admin must (so that some admin always remains). check.ErrNotFound: no
// such account.
func ChangeAccount(ctx context.Context, pool *pgxpool.Pool, by *User, id int64, in AccountChange, now time.Time) (*Account, error) {
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		u, _, err := lockAccount(ctx, tx, id)
		if err != nil {
			return err
		}
		role, scope := u.Role, u.Scope
		if in.Role != "" {
			role = in.Role
		}
		switch {
		case in.Scope != nil:
			scope = *in.Scope
		case role == Admin:
			scope = nil
		}
		if u.ID == by.ID && u.Role == Admin && ValidRole(role) && role != Admin {
			return check.Field("role", "Vous ne pouvez pas retirer vous-même votre rôle d'administrateur·rice : demandez-le à un·e autre administrateur·rice.")
		}
		changed, err := Add(ctx, tx, NewUser{Email: u.Email, Role: role, Scope: scope})
		if err != nil {
			return err
		}
		if changed.Role == u.Role && slices.Equal(changed.Scope, u.Scope) {
			return nil // nothing changed: nothing to record
		}
		return Audit(ctx, tx, by.Actor(), "staff.add", "staff_user", u.Email, map[string]any{
			"role": changed.Role, "scope": changed.Scope, "previous_role": u.Role, "previous_scope": u.Scope})
	})
	if err != nil {
		return nil, err
	}
	return AccountByID(ctx, pool, id, now)
}

// RevokeAccount is RevokeAll for the account id: its API tokens, login
// sessions and pending invitation links end (the account, its password
// and role stay).
func RevokeAccount(ctx context.Context, pool *pgxpool.Pool, by *User, id int64) (email string, r Revoked, err error) {
	if email, err = emailOf(ctx, pool, id); err != nil {
		return "", r, err
	}
	r, err = RevokeAll(ctx, pool, by.Actor(), email)
	return email, r, err
}

// RemoveAccount is Remove for the account id. Admins cannot remove their
// own account (*check.Conflict): another admin must.
func RemoveAccount(ctx context.Context, pool *pgxpool.Pool, by *User, id int64) (email string, err error) {
	if email, err = emailOf(ctx, pool, id); err != nil {
		return "", err
	}
	if id == by.ID {
		return email, &check.Conflict{Msg: "Vous ne pouvez pas supprimer votre propre compte : demandez-le à un·e autre administrateur·rice."}
	}
	return email, Remove(ctx, pool, by.Actor(), email)
}

func emailOf(ctx context.Context, q pgdb.Q, id int64) (string, error) {
	var email string
	err := q.QueryRow(ctx, `SELECT email FROM staff_users WHERE id = $1`, id).Scan(&email)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", check.ErrNotFound
	}
	return email, err
}

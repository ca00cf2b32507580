// Package staff holds campaign staff accounts, their roles and scopes, their
// sessions and API tokens, and the audit log of who did what.
package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"scrutin/logistics/check"
	"scrutin/logistics/contact"
	"scrutin/logistics/fr"
	"scrutin/logistics/insee"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/token"
)

// Role is what a staff member may do.
type Role string

const (
	Admin     Role = "admin"     // everything, national
	Organizer Role = "organizer" // reads and acts within a scope
	Viewer    Role = "viewer"    // reads within a scope
)

// Label is the role in French.
func (r Role) Label() string {
	switch r {
	case Admin:
		return "administrateur·rice"
	case Organizer:
		return "organisateur·rice"
	case Viewer:
		return "lecture seule"
	}
	return string(r)
}

// User is a staff account.
type User struct {
	ID    int64
	Email string
	Name  string
	Role  Role
	Scope []string // département, Pacific collectivity (987) and/or commune codes; empty for admins
}

// IsAdmin reports national, unrestricted access.
func (u *User) IsAdmin() bool { return u != nil && u.Role == Admin }

// CanAct reports whether u may change records (not only read them).
func (u *User) CanAct() bool { return u != nil && (u.Role == Admin || u.Role == Organizer) }

// ScopeArg is the value to bind to in_scope(commune_code, $n) in SQL: NULL
// (national) for admins, else the scope codes. Every query that reads
// personal data filters with it.
func (u *User) ScopeArg() []string {
	if u.IsAdmin() {
		return nil
	}
	if u.Scope == nil {
		return []string{} // no scope: sees nothing
	}
	return u.Scope
}

// Covers reports whether a commune is within u's scope.
func (u *User) Covers(communeCode string) bool {
	return u.anyScope(func(s string) bool { return s == communeCode || s == Departement(communeCode) })
}

// CoversDepartement reports whether a whole département is within scope.
func (u *User) CoversDepartement(dep string) bool {
	return u.anyScope(func(s string) bool { return s == dep })
}

// Reaches reports whether some of a département is within u's scope (the
// département, or one of its communes).
func (u *User) Reaches(dep string) bool {
	return u.anyScope(func(s string) bool { return s == dep || Departement(s) == dep })
}

// anyScope reports whether u is an admin (national) or one of u's scope
// codes satisfies match.
func (u *User) anyScope(match func(scope string) bool) bool {
	return u.IsAdmin() || slices.ContainsFunc(u.Scope, match)
}

// Actor is how u appears in the audit log.
func (u *User) Actor() string { return "staff:" + u.Email }

// Departement of a commune code: 3 characters overseas ("97411" is in
// 974), else 2: insee.Departement.
func Departement(commune string) string { return insee.Departement(commune) }

// scopeProblem is what is wrong with a scope code, in French, or "" for
// a code that groups people: a département that exists (01 to 95 but 20,
// 2A, 2B; overseas 971 to 978), a Pacific collectivity of 98x communes
// (984, 986, 987, 988: insee.KnownArea), or a commune code in one of them.
// A typo such as 99 would give a scope nobody lives in, and so would
// Paris, Lyon or Marseille as a whole (insee.Whole): people are stored
// under their arrondissement's code, never these. Clipperton (98901, 989:
// insee.Uninhabited) is in the communes table but nobody lives there: said
// so, not called invalid.
func scopeProblem(code string) string {
	if p, ok := insee.Uninhabited(code); ok {
		return p.Refusal(code)
	}
	if c, whole := insee.Whole(code); whole {
		instead := "donnez les arrondissements (" + c.First + " à " + c.Last + ")"
		if c.Departement != "" {
			instead = "donnez le département " + c.Departement + " ou les arrondissements (" + c.First + " à " + c.Last + ")"
		}
		return code + " désigne tout " + c.Name + ", dont les données sont rangées par arrondissement : " + instead + "."
	}
	if insee.KnownArea(code) || insee.KnownCommune(code) {
		return ""
	}
	return "Code de département ou de commune invalide : « " + code + " »." + PacificHint(code)
}

// PacificHint is, after a refused area code, what to type instead of a
// bare "98" (the code the Pacific collectivities shared before migration
// 021): " Les collectivités du Pacifique ont trois chiffres : 984, 986,
// 987 ou 988.", with its leading space; "" for any other code. The one
// place of that sentence: staff scopes say it (scopeProblem), and so may
// other refusals of an area code (staff is below logistics/delegates).
func PacificHint(code string) string {
	if code != "98" {
		return ""
	}
	return " Les collectivités du Pacifique ont trois chiffres : 984, 986, 987 ou 988."
}

// minPassword is the fewest characters (not bytes: « é » is one) a
// password has.
const minPassword = 10

// maxPassword is bcrypt's limit: it ignores (and x/crypto refuses) what
// comes after 72 bytes.
const maxPassword = 72

// checkPassword says on field what is wrong with a password: made of
// blanks only, fewer than minPassword characters, more than maxPassword
// bytes. The command line (Add) and the invitation links check alike.
func checkPassword(errs check.Errors, field, password string) {
	switch {
	case strings.TrimSpace(password) == "":
		errs.Add(field, "Le mot de passe ne peut pas être fait seulement d'espaces.")
	case utf8.RuneCountInString(password) < minPassword:
		errs.Add(field, fmt.Sprintf("Le mot de passe doit compter au moins %d caractères.", minPassword))
	case len(password) > maxPassword:
		errs.Add(field, fmt.Sprintf("Le mot de passe doit compter au plus %d octets (environ %d caractères sans accents).", maxPassword, maxPassword))
	}
}

// roles are the roles as the forms list them.
var roles = []Role{Admin, Organizer, Viewer}

// ValidRole reports one of the three roles.
func ValidRole(r Role) bool { return slices.Contains(roles, r) }

// roleChoices is the roles in French, with the value the API takes:
// « administrateur·rice (admin), organisateur·rice (organizer) ou lecture
// seule (viewer) ».
func roleChoices() string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = r.Label() + " (" + string(r) + ")"
	}
	return fr.List(parts, "ou")
}

// NewUser is the input to Add.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Scope    []string
	Password string // may be empty: the account then logs in with tokens only
}

// Add creates or updates a staff account (by e-mail). Updating, an empty
// name or password keeps the account's. Scope codes are upper-cased and
// given once; a commune code must be one of the communes table, once the
// communes are imported (before, its shape is all there is to check).
func Add(ctx context.Context, q pgdb.Q, in NewUser) (*User, error) {
	errs := check.Errors{}
	in.Email = contact.Email(errs, "email", in.Email)
	switch {
	case in.Role == "":
		errs.Add("role", "Choisissez un rôle : "+roleChoices()+".")
	case !ValidRole(in.Role):
		errs.Add("role", "Rôle inconnu : « "+string(in.Role)+" ». Choisissez "+roleChoices()+".")
	}
	var scope []string
	for _, s := range in.Scope {
		s = strings.ToUpper(strings.TrimSpace(s))
		if s == "" || slices.Contains(scope, s) {
			continue
		}
		if msg := scopeProblem(s); msg != "" {
			errs.Add("scope", msg)
		}
		scope = append(scope, s)
	}
	// Whether a scope is needed depends on the role: said only of a known one.
	switch {
	case !ValidRole(in.Role):
	case in.Role != Admin && len(scope) == 0:
		errs.Add("scope", "Le rôle « "+in.Role.Label()+" » a besoin d'un périmètre (codes de départements ou de communes) : sans lui, le compte ne voit rien.")
	case in.Role == Admin && len(scope) > 0:
		errs.Add("scope", "Le rôle « "+Admin.Label()+" » couvre tout le pays : laissez le périmètre vide.")
	}
	if errs["scope"] == "" {
		if err := checkCommunesExist(ctx, q, errs, "scope", scope); err != nil {
			return nil, err
		}
	}
	if in.Password != "" {
		checkPassword(errs, "password", in.Password)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if scope == nil {
		scope = []string{}
	}
	hash := ""
	if in.Password != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(in.Password), passwordCost())
		if err != nil {
			return nil, err
		}
		hash = string(h)
	}
	u := &User{Email: in.Email, Name: in.Name, Role: in.Role, Scope: scope}
	err := q.QueryRow(ctx, `
		INSERT INTO staff_users (email, name, role, scope, password_hash)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (email) DO UPDATE SET name = CASE WHEN EXCLUDED.name = '' THEN staff_users.name ELSE EXCLUDED.name END,
			role = EXCLUDED.role, scope = EXCLUDED.scope,
			password_hash = CASE WHEN EXCLUDED.password_hash = '' THEN staff_users.password_hash ELSE EXCLUDED.password_hash END
		RETURNING id`, u.Email, u.Name, u.Role, u.Scope, hash).Scan(&u.ID)
	return u, err
}

// checkCommunesExist says on field « Commune inconnue : 04999. » for the
// first commune code of codes that the communes table lacks. Before any
// commune is imported it says nothing: there is nothing to check against
// yet (accounts may be set up first).
func checkCommunesExist(ctx context.Context, q pgdb.Q, errs check.Errors, field string, codes []string) error {
	var communes []string
	for _, c := range codes {
		if insee.ValidCommune(c) {
			communes = append(communes, c)
		}
	}
	if len(communes) == 0 {
		return nil
	}
	var missing *string
	err := q.QueryRow(ctx, `
		SELECT c FROM unnest($1::text[]) WITH ORDINALITY AS x (c, n)
		WHERE NOT EXISTS (SELECT 1 FROM communes WHERE code = x.c) AND EXISTS (SELECT 1 FROM communes)
		ORDER BY n LIMIT 1`, communes).Scan(&missing)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	errs.Add(field, "Commune inconnue : "+*missing+".")
	return nil
}

const userColumns = `id, email, name, role, scope`

func scanUser(row pgx.Row) (*User, error) {
	u := &User{}
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Scope); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, check.ErrNotFound
		}
		return nil, err
	}
	return u, nil
}

// ByEmail finds an account.
func ByEmail(ctx context.Context, q pgdb.Q, email string) (*User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM staff_users WHERE email = lower($1)`, strings.TrimSpace(email)))
}

// List returns every account, for admins.
func List(ctx context.Context, q pgdb.Q) ([]User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM staff_users ORDER BY email`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (User, error) {
		u, err := scanUser(r)
		if err != nil {
			return User{}, err
		}
		return *u, nil
	})
}

// ErrBadCredentials is returned by Authenticate for any login failure, so
// that it does not reveal which accounts exist.
var ErrBadCredentials = errors.New("bad credentials")

// passwordCost is bcrypt's work factor: the library's default, except in a
// test binary, whose hundreds of logins under the race detector would
// spend minutes hashing (the tests check what a hash is, not its cost).
var passwordCost = sync.OnceValue(func() int {
	if testing.Testing() {
		return bcrypt.MinCost
	}
	return bcrypt.DefaultCost
})

// dummyHash keeps the time of a login for an unknown e-mail close to that of
// a wrong password.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("scrutin-timing-equaliser"), passwordCost())
	return h
})

// Authenticate checks an e-mail and password.
func Authenticate(ctx context.Context, q pgdb.Q, email, password string) (*User, error) {
	var hash string
	u := &User{}
	err := q.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM staff_users WHERE email = lower($1)`,
		strings.TrimSpace(email)).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Scope, &hash)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && hash == "") {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// NewAPIToken creates a bearer token for the account; the plain token is
// returned once and only its hash is kept.
func NewAPIToken(ctx context.Context, q pgdb.Q, userID int64) (string, error) {
	plain, hash := token.New()
	_, err := q.Exec(ctx, `INSERT INTO staff_tokens (token_hash, user_id) VALUES ($1, $2)`, hash, userID)
	return plain, err
}

// ByAPIToken resolves a bearer token.
func ByAPIToken(ctx context.Context, q pgdb.Q, plain string) (*User, error) {
	return scanUser(q.QueryRow(ctx, `
		UPDATE staff_tokens t SET last_used_at = now() FROM staff_users u
		WHERE t.token_hash = $1 AND u.id = t.user_id
		RETURNING u.id, u.email, u.name, u.role, u.scope`, token.Hash(plain)))
}

// SessionTTL is how long a staff login lasts without activity.
const SessionTTL = 12 * time.Hour

// NewSession starts a login session and returns the cookie value. A new
// value at every login prevents session fixation.
func NewSession(ctx context.Context, q pgdb.Q, userID int64) (string, error) {
	plain, hash := token.New()
	_, err := q.Exec(ctx, `INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + $3::interval)`,
		hash, userID, SessionTTL.String())
	return plain, err
}

// BySession resolves a session cookie and extends it.
func BySession(ctx context.Context, q pgdb.Q, plain string) (*User, error) {
	return scanUser(q.QueryRow(ctx, `
		UPDATE staff_sessions s SET expires_at = now() + $2::interval FROM staff_users u
		WHERE s.token_hash = $1 AND s.expires_at > now() AND u.id = s.user_id
		RETURNING u.id, u.email, u.name, u.role, u.scope`, token.Hash(plain), SessionTTL.String()))
}

// EndSession logs out.
func EndSession(ctx context.Context, q pgdb.Q, plain string) error {
	_, err := q.Exec(ctx, `DELETE FROM staff_sessions WHERE token_hash = $1 OR expires_at < now()`, token.Hash(plain))
	return err
}

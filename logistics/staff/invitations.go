package staff

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/token"
)

// InvitationTTL is how long an invitation link lets its person choose a
// password.
const InvitationTTL = 72 * time.Hour

// InvitationPath is the path of the invitation links, before the token.
const InvitationPath = "/staff/invitation/"

// KindInvitation is the outbox kind of the invitation e-mails.
const KindInvitation = "staff.invitation"

// An invitation link that no longer serves, told apart so that the page
// can say what to do; an unknown link is check.ErrNotFound.
var (
	ErrInvitationUsed    = errors.New("invitation already used")
	ErrInvitationExpired = errors.New("invitation expired")
)

// invite stores a new invitation for u, voiding the unused ones, and puts
// its e-mail in the outbox, within tx. It returns when the link expires.
func invite(ctx context.Context, tx pgx.Tx, by *User, u *User, baseURL string, now time.Time) (time.Time, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM staff_invitations WHERE user_id = $1 AND used_at IS NULL`, u.ID); err != nil {
		return time.Time{}, err
	}
	plain, hash := token.New()
	expires := now.Add(InvitationTTL)
	if _, err := tx.Exec(ctx, `INSERT INTO staff_invitations (token_hash, user_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		hash, u.ID, by.Actor(), now, expires); err != nil {
		return time.Time{}, err
	}
	scope, err := scopeLabelOf(ctx, tx, u.Role, u.Scope)
	if err != nil {
		return time.Time{}, err
	}
	return expires, notify.Enqueue(ctx, tx, invitationMessage(by, u, scope, notify.Link(baseURL, InvitationPath+plain), expires))
}

// invitationMessage is the invitation e-mail. It claims no secrecy it
// cannot keep: the message waits in the outbox, which admins read on the
// « Messages » page (all of it when no SMTP server is set); the link
// serves once, so a use by anyone else shows when the person opens it.
func invitationMessage(by *User, u *User, scope, link string, expires time.Time) notify.Message {
	body := fmt.Sprintf(`Bonjour,

%s vous a ouvert un compte sur l'espace équipe de la campagne :
- identifiant : %s
- rôle : %s
- périmètre : %s

Pour choisir votre mot de passe, ouvrez ce lien avant le %s :
%s

Ce lien est personnel et ne sert qu'une fois : ne le transmettez pas.
Passé ce délai, demandez une nouvelle invitation à la personne qui gère
les comptes de l'équipe ; prévenez-la aussi tout de suite si le lien
vous dit avoir déjà servi alors que vous ne l'avez pas utilisé.

Si vous ne vous attendiez pas à ce message, ignorez-le : sans mot de
passe, le compte ne permet pas de se connecter.
`, ActorLabel(by.Actor()), u.Email, u.Role.Label(), scope, elections.Moment(expires), link)
	return notify.Message{Channel: notify.Email, Recipient: u.Email, Kind: KindInvitation,
		Subject: "Votre compte sur l'espace équipe : choisissez votre mot de passe", Body: body}
}

// Invitation is what the page of an invitation link shows.
type Invitation struct {
	Email      string
	Role       Role
	Scope      []string
	ScopeLabel string // as the e-mail and the « Comptes » page say it (ScopeLabel)
	ExpiresAt  time.Time
}

// FindInvitation returns the invitation of a link's token. It changes
// nothing: a link opened (by the person, or by a mail scanner) only shows
// the form. check.ErrNotFound: unknown token; ErrInvitationUsed,
// ErrInvitationExpired.
func FindInvitation(ctx context.Context, q pgdb.Q, plain string, now time.Time) (*Invitation, error) {
	inv := &Invitation{}
	var used *time.Time
	err := q.QueryRow(ctx, `
		SELECT u.email, u.role, u.scope, i.expires_at, i.used_at
		FROM staff_invitations i JOIN staff_users u ON u.id = i.user_id WHERE i.token_hash = $1`, token.Hash(plain)).
		Scan(&inv.Email, &inv.Role, &inv.Scope, &inv.ExpiresAt, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, check.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	switch {
	case used != nil:
		return nil, ErrInvitationUsed
	case !now.Before(inv.ExpiresAt):
		return nil, ErrInvitationExpired
	}
	if inv.ScopeLabel, err = scopeLabelOf(ctx, q, inv.Role, inv.Scope); err != nil {
		return nil, err
	}
	return inv, nil
}

// PasswordInput is the password a person chooses with their invitation,
// typed twice.
type PasswordInput struct {
	Password        string `json:"password"`
	PasswordConfirm string `json:"password_confirm"`
}

// AcceptInvitation sets the password of the account of the link plain and
// spends the link, with the audit rows, and returns the account and a new
// login session for it, in one transaction: a refused password leaves the
// link as it was. The password follows Add's rule (the command line's):
// checkPassword.
// The invitation's row is locked, so that two uses at once give one
// password and one refusal (ErrInvitationUsed).
func AcceptInvitation(ctx context.Context, pool *pgxpool.Pool, plain string, in PasswordInput, now time.Time, ip string) (*User, string, error) {
	var u *User
	var session string
	err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		var userID int64
		var expires time.Time
		var used *time.Time
		err := tx.QueryRow(ctx, `SELECT user_id, expires_at, used_at FROM staff_invitations WHERE token_hash = $1 FOR UPDATE`,
			token.Hash(plain)).Scan(&userID, &expires, &used)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return check.ErrNotFound
		case err != nil:
			return err
		case used != nil:
			return ErrInvitationUsed
		case !now.Before(expires):
			return ErrInvitationExpired
		}
		account, _, err := lockAccount(ctx, tx, userID)
		if err != nil {
			return err
		}
		errs := check.Errors{}
		if in.Password == "" {
			errs.Add("password", "Choisissez un mot de passe.")
		} else {
			checkPassword(errs, "password", in.Password)
		}
		if in.PasswordConfirm != in.Password {
			errs.Add("password_confirm", "Les deux mots de passe ne sont pas identiques.")
		}
		if err := errs.Err(); err != nil {
			return err
		}
		// The password only: the role and scope stay as the admins set
		// them (a scope that no longer passes Add's checks is theirs to
		// fix, not the person's).
		hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), passwordCost())
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE staff_users SET password_hash = $2 WHERE id = $1`, userID, string(hash)); err != nil {
			return err
		}
		u = account
		if _, err := tx.Exec(ctx, `UPDATE staff_invitations SET used_at = $2 WHERE token_hash = $1`, token.Hash(plain), now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM staff_invitations WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return err
		}
		if session, err = NewSession(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := Audit(ctx, tx, u.Actor(), "staff.invitation_accept", "staff_user", u.Email, map[string]any{"ip": ip}); err != nil {
			return err
		}
		return Audit(ctx, tx, u.Actor(), "staff.login", "staff_user", u.Email, map[string]any{"ip": ip, "via": "invitation"})
	})
	if err != nil {
		return nil, "", err
	}
	return u, session, nil
}

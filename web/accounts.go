package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/fr"
	"scrutin/logistics/staff"
)

// accountRoutes serves the staff accounts' administration, for admins:
//
//	GET    /staff/comptes                         the accounts and the forms
//	POST   /staff/comptes                         new account, invited by e-mail
//	POST   /staff/comptes/:id                     role and scope
//	POST   /staff/comptes/:id/invitation          invitation sent again
//	POST   /staff/comptes/:id/revoquer            API tokens and logins ended
//	POST   /staff/comptes/:id/supprimer           account removed
//	GET    /api/v1/staff-accounts                 and POST, PATCH /:id, DELETE /:id,
//	POST   /api/v1/staff-accounts/:id/invitation  POST /:id/revoke: the same in JSON
//
// and the invitation link of the new person, where they choose their
// password and are logged in: GET and POST /staff/invitation/:token.
func (s *Server) accountRoutes(api, pages fiber.Router) {
	pages.Get("/staff/comptes", s.RequireAdmin, s.accountsPage)
	pages.Post("/staff/comptes", s.RequireAdmin, s.addAccountForm)
	pages.Post("/staff/comptes/:id<int>", s.RequireAdmin, s.changeAccountForm)
	pages.Post("/staff/comptes/:id<int>/invitation", s.RequireAdmin, s.reinviteForm)
	pages.Post("/staff/comptes/:id<int>/revoquer", s.RequireAdmin, s.revokeAccountForm)
	pages.Post("/staff/comptes/:id<int>/supprimer", s.RequireAdmin, s.removeAccountForm)

	api.Get("/staff-accounts", s.RequireAdmin, s.accountsAPI)
	api.Post("/staff-accounts", s.RequireAdmin, s.addAccountAPI)
	api.Patch("/staff-accounts/:id<int>", s.RequireAdmin, s.changeAccountAPI)
	api.Delete("/staff-accounts/:id<int>", s.RequireAdmin, s.removeAccountAPI)
	api.Post("/staff-accounts/:id<int>/invitation", s.RequireAdmin, s.reinviteAPI)
	api.Post("/staff-accounts/:id<int>/revoke", s.RequireAdmin, s.revokeAccountAPI)

	pages.Get("/staff/invitation/:token", s.invitationPage)
	pages.Post("/staff/invitation/:token", s.LimitPublic("staff-invitation"), s.acceptInvitation)
}

// roleOption is a role of the forms' select.
type roleOption struct {
	Value staff.Role
	Label string
}

var roleOptions = []roleOption{
	{staff.Organizer, staff.Organizer.Label()},
	{staff.Viewer, staff.Viewer.Label()},
	{staff.Admin, staff.Admin.Label()},
}

// ttlText is how long an invitation link serves, in French.
func ttlText() string { return fr.Count(int(staff.InvitationTTL/time.Hour), "heure", "heures") }

// accountsView renders the accounts page with data (Notice, Summary, and
// Errors and Form of the new account's form, or of the account EditID's).
// Without a Notice, the page says what the change it was redirected from
// did (?fait=…, see accountNotice).
func (s *Server) accountsView(c *fiber.Ctx, status int, data fiber.Map) error {
	accounts, err := staff.Accounts(c.UserContext(), s.Pool, s.Now())
	if err != nil {
		return err
	}
	data["Title"] = "Comptes de l'équipe"
	for key, empty := range map[string]any{"EditID": int64(0), "EditForm": map[string]string{}, "EditErrors": check.Errors{}} {
		if _, ok := data[key]; !ok {
			data[key] = empty
		}
	}
	if _, ok := data["Notice"]; !ok && status == fiber.StatusOK {
		notice, err := s.accountNotice(c, accounts)
		if err != nil {
			return err
		}
		data["Notice"] = notice
	}
	data["Accounts"] = accounts
	data["Roles"] = roleOptions
	data["TTL"] = ttlText()
	return s.RenderStatus(c, status, "staff/accounts", data)
}

func (s *Server) accountsPage(c *fiber.Ctx) error {
	return s.accountsView(c, fiber.StatusOK, fiber.Map{})
}

// accountsDone answers a change made on the accounts page: a redirect
// (303) to the page, which says what was done (accountNotice), so that
// reloading it sends nothing again.
func accountsDone(c *fiber.Ctx, done string, id int64, email string) error {
	to := "/staff/comptes?fait=" + url.QueryEscape(done)
	if id != 0 {
		to += "&compte=" + strconv.FormatInt(id, 10)
	}
	if email != "" {
		to += "&email=" + url.QueryEscape(email)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// accountNotice is what the change the page was redirected from did
// (accountsDone), told from the account as it is now and from the
// journal: a link made up, or for an account that is no longer as it
// says, shows nothing.
func (s *Server) accountNotice(c *fiber.Ctx, accounts []staff.Account) (string, error) {
	done := c.Query("fait")
	if done == "" {
		return "", nil
	}
	if done == "supprime" {
		email := c.Query("email")
		for _, a := range accounts {
			if a.Email == email {
				return "", nil // still there
			}
		}
		last, err := s.lastAudit(c, email, "staff.remove")
		if err != nil || last == nil {
			return "", err
		}
		return "Compte " + email + " supprimé : ses connexions et ses jetons d'API ne servent plus.", nil
	}
	id, _ := strconv.ParseInt(c.Query("compte"), 10, 64)
	i := slices.IndexFunc(accounts, func(a staff.Account) bool { return a.ID == id })
	if i < 0 {
		return "", nil
	}
	a := accounts[i]
	switch done {
	case "cree":
		return "Compte créé pour " + a.Email + " (" + a.RoleLabel + ", périmètre : " + a.ScopeLabel +
			"). Une invitation part par e-mail : la personne choisira son mot de passe avec le lien, valable " + ttlText() + ".", nil
	case "modifie":
		return "Compte " + a.Email + " modifié : " + a.RoleLabel + ", périmètre : " + a.ScopeLabel + ".", nil
	case "invite":
		return "Nouvelle invitation envoyée à " + a.Email + " : les liens envoyés avant ne servent plus.", nil
	case "revoque":
		last, err := s.lastAudit(c, a.Email, "staff.revoke")
		if err != nil || last == nil {
			return "", err
		}
		return revokeNotice(a, last.Details), nil
	}
	return "", nil
}

// lastAudit is the latest journal entry of action on the account email
// (nil: none).
func (s *Server) lastAudit(c *fiber.Ctx, email, action string) (*staff.AuditEntry, error) {
	entries, err := staff.AuditLog(c.UserContext(), s.Pool, staff.AuditFilter{Entity: "staff_user", EntityID: email, Action: action, Limit: 1})
	if err != nil || len(entries) == 0 || entries[0].Action != action {
		return nil, err
	}
	return &entries[0], nil
}

// revokeNotice says what a revocation of a's access ended, from its
// journal entry: only what there was, or that there was nothing.
func revokeNotice(a staff.Account, details map[string]any) string {
	n := func(key string) int {
		v, _ := details[key].(float64)
		return int(v)
	}
	tokens, sessions, invitations := n("tokens"), n("sessions"), n("invitations")
	var parts []string
	if tokens > 0 {
		parts = append(parts, fr.Count(tokens, "jeton d'API", "jetons d'API"))
	}
	if sessions > 0 {
		parts = append(parts, fr.Count(sessions, "connexion", "connexions"))
	}
	if invitations > 0 {
		parts = append(parts, fr.Count(invitations, "lien d'invitation", "liens d'invitation"))
	}
	stays := " Le compte et son mot de passe restent."
	if !a.HasPassword {
		stays = " Le compte reste : renvoyez l'invitation pour que la personne choisisse son mot de passe."
	}
	if len(parts) == 0 {
		return "Rien à révoquer pour " + a.Email + " : aucune connexion ouverte, aucun jeton d'API, aucune invitation en attente." + stays
	}
	list := fr.List(parts, "et")
	verb := " ne servent plus."
	if tokens+sessions+invitations == 1 {
		verb = " ne sert plus."
	}
	return "Accès " + fr.De(a.Email) + " révoqués : " + list + verb + stays
}

// accountError shows a refused change on the accounts page, with the
// status the API answers: next to the fields of the form sent (the new
// account's, or the account edit's), else above the list.
func (s *Server) accountError(c *fiber.Ctx, err error, edit int64) error {
	form := FormValues(c)
	data := fiber.Map{"Form": form}
	if edit != 0 {
		data = fiber.Map{"EditID": edit, "EditForm": form}
	}
	var conflict *check.Conflict
	switch inv, ok := check.AsInvalid(err); {
	case ok:
		data["Summary"] = inv.Message()
		if edit != 0 {
			data["EditErrors"] = inv.Fields
		} else {
			data["Errors"] = inv.Fields
		}
		return s.accountsView(c, fiber.StatusUnprocessableEntity, data)
	case errors.As(err, &conflict):
		data["Summary"] = conflict.Msg
		return s.accountsView(c, fiber.StatusConflict, data)
	case errors.Is(err, check.ErrNotFound):
		data["Summary"] = "Ce compte n'existe plus : la liste ci-dessous est à jour."
		return s.accountsView(c, fiber.StatusNotFound, data)
	}
	return err
}

func (s *Server) addAccountForm(c *fiber.Ctx) error {
	in := staff.AccountInput{Email: c.FormValue("email"), Role: staff.Role(c.FormValue("role")), Scope: staff.SplitScope(c.FormValue("scope"))}
	a, err := staff.Invite(c.UserContext(), s.Pool, StaffUser(c), in, s.BaseURL(), s.Now())
	if err != nil {
		return s.accountError(c, err, 0)
	}
	return accountsDone(c, "cree", a.ID, "")
}

func (s *Server) changeAccountForm(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	scope := staff.SplitScope(c.FormValue("scope"))
	in := staff.AccountChange{Role: staff.Role(c.FormValue("role")), Scope: &scope}
	a, err := staff.ChangeAccount(c.UserContext(), s.Pool, StaffUser(c), int64(id), in, s.Now())
	if err != nil {
		return s.accountError(c, err, int64(id))
	}
	return accountsDone(c, "modifie", a.ID, "")
}

func (s *Server) reinviteForm(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	a, err := staff.Reinvite(c.UserContext(), s.Pool, StaffUser(c), int64(id), s.BaseURL(), s.Now())
	if err != nil {
		return s.accountError(c, err, 0)
	}
	return accountsDone(c, "invite", a.ID, "")
}

func (s *Server) revokeAccountForm(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	if _, _, err := staff.RevokeAccount(c.UserContext(), s.Pool, StaffUser(c), int64(id)); err != nil {
		return s.accountError(c, err, 0)
	}
	if int64(id) == StaffUser(c).ID {
		// Their own session just ended: to the login page.
		return c.Redirect("/connexion?next=/staff/comptes", fiber.StatusSeeOther)
	}
	return accountsDone(c, "revoque", int64(id), "")
}

func (s *Server) removeAccountForm(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	email, err := staff.RemoveAccount(c.UserContext(), s.Pool, StaffUser(c), int64(id))
	if err != nil {
		return s.accountError(c, err, 0)
	}
	return accountsDone(c, "supprime", 0, email)
}

func (s *Server) accountsAPI(c *fiber.Ctx) error {
	accounts, err := staff.Accounts(c.UserContext(), s.Pool, s.Now())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"accounts": accounts})
}

func (s *Server) addAccountAPI(c *fiber.Ctx) error {
	var in staff.AccountInput
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	a, err := staff.Invite(c.UserContext(), s.Pool, StaffUser(c), in, s.BaseURL(), s.Now())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

func (s *Server) changeAccountAPI(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	var in staff.AccountChange
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	a, err := staff.ChangeAccount(c.UserContext(), s.Pool, StaffUser(c), int64(id), in, s.Now())
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) reinviteAPI(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	a, err := staff.Reinvite(c.UserContext(), s.Pool, StaffUser(c), int64(id), s.BaseURL(), s.Now())
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (s *Server) revokeAccountAPI(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	email, r, err := staff.RevokeAccount(c.UserContext(), s.Pool, StaffUser(c), int64(id))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"email": email, "tokens": r.Tokens, "sessions": r.Sessions, "invitations": r.Invitations})
}

func (s *Server) removeAccountAPI(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return fiber.ErrNotFound
	}
	if _, err := staff.RemoveAccount(c.UserContext(), s.Pool, StaffUser(c), int64(id)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// invitationGone shows why an invitation link no longer serves.
func (s *Server) invitationGone(c *fiber.Ctx, err error) error {
	var status int
	var msg string
	switch {
	case errors.Is(err, staff.ErrInvitationUsed):
		status, msg = fiber.StatusGone, "Ce lien d'invitation a déjà servi : votre mot de passe est choisi. Connectez-vous avec votre adresse e-mail et ce mot de passe."
	case errors.Is(err, staff.ErrInvitationExpired):
		status, msg = fiber.StatusGone, "Ce lien d'invitation a expiré : il était valable "+ttlText()+". Demandez une nouvelle invitation à la personne qui gère les comptes de l'équipe."
	case errors.Is(err, check.ErrNotFound):
		status, msg = fiber.StatusNotFound, "Ce lien d'invitation est inconnu. Vérifiez qu'il est complet (copiez-le en entier depuis l'e-mail), ou demandez une nouvelle invitation."
	default:
		return err
	}
	return s.RenderStatus(c, status, "staff/invitation", fiber.Map{"Title": "Invitation", "Gone": msg})
}

func (s *Server) invitationPage(c *fiber.Ctx) error {
	inv, err := staff.FindInvitation(c.UserContext(), s.Pool, c.Params("token"), s.Now())
	if err != nil {
		return s.invitationGone(c, err)
	}
	return s.Render(c, "staff/invitation", fiber.Map{"Title": "Choisir votre mot de passe", "Invitation": inv, "Token": c.Params("token")})
}

func (s *Server) acceptInvitation(c *fiber.Ctx) error {
	ctx, plain := c.UserContext(), c.Params("token")
	in := staff.PasswordInput{Password: c.FormValue("password"), PasswordConfirm: c.FormValue("password_confirm")}
	_, session, err := staff.AcceptInvitation(ctx, s.Pool, plain, in, s.Now(), ClientIP(c))
	if _, ok := check.AsInvalid(err); ok {
		inv, ferr := staff.FindInvitation(ctx, s.Pool, plain, s.Now())
		if ferr != nil {
			return s.invitationGone(c, ferr)
		}
		// The passwords typed are not sent back.
		return s.FormError(c, err, "staff/invitation", fiber.Map{"Title": "Choisir votre mot de passe", "Invitation": inv, "Token": plain})
	}
	if err != nil {
		return s.invitationGone(c, err)
	}
	s.startSession(c, session)
	return c.Redirect("/staff", fiber.StatusSeeOther)
}

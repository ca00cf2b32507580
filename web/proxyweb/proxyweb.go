// Package proxyweb is the proxy-vote capability's pages and API: the two
// public journeys ("Je cherche un·e mandataire", "Je peux porter une
// procuration") as forms and JSON, the private page behind each person's
// link (/procuration/t/{token}), and the staff queue, request pages,
// matching runs and export (/staff/procurations, /api/v1/proxy-...).
package proxyweb

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
	"scrutin/web"
)

type module struct {
	s    *web.Server
	desk *proxies.Desk
}

// Routes is the web.Module of the proxy capability.
func Routes(s *web.Server, api, pages fiber.Router) {
	desk := proxies.NewDesk(s.Pool, s.BaseURL(), s.Now)
	desk.OnError = func(err error) { slog.Error("proxy instant matching", "err", err) }
	m := &module{s: s, desk: desk}

	// Public journeys: one validation path (proxies.Desk.Submit*) behind
	// the JSON API and the forms.
	api.Post("/proxy-requests", s.LimitPublic("proxy-request"), m.requestAPI)
	api.Post("/proxy-volunteers", s.LimitPublic("proxy-volunteer"), m.volunteerAPI)
	pages.Get("/procuration/demande", m.requestPage)
	pages.Post("/procuration/demande", s.LimitPublic("proxy-request"), m.requestForm)
	pages.Get("/procuration/volontaire", m.volunteerPage)
	pages.Post("/procuration/volontaire", s.LimitPublic("proxy-volunteer"), m.volunteerForm)
	pages.Get("/procuration/merci/:kind", m.thanksPage)
	// A form sent again: the change waits for the person's confirmation.
	s.ChangeRoutes(pages, proxies.ChangePrefix, "proxy-private", desk)

	// Private pages (the token after /t/ is masked in the request log).
	pages.Get("/procuration/t/:token", m.privatePage)
	for _, a := range []string{"annuler", "retirer", "accepter", "refuser", "etablie", "coordonnees"} {
		pages.Post("/procuration/t/:token/"+a, s.LimitPublic("proxy-private"), m.privateAction(a))
	}

	// Staff.
	api.Get("/proxy-requests", s.RequireStaff(false), m.listRequestsAPI)
	api.Get("/proxy-requests/:id", s.RequireStaff(false), m.requestAPIStaff)
	api.Post("/proxy-requests/:id/match", s.RequireStaff(true), m.manualMatchAPI)
	api.Post("/proxy-requests/:id/unmatch", s.RequireStaff(true), m.unmatchAPI)
	api.Get("/proxy-volunteers", s.RequireStaff(false), m.listVolunteersAPI)
	api.Get("/proxy-volunteers/:id", s.RequireStaff(false), m.volunteerAPIStaff)
	api.Post("/proxy-matching/run", s.RequireStaff(true), m.matchAPI)
	api.Get("/exports/proxies.xlsx", s.RequireStaff(false), func(c *fiber.Ctx) error {
		return s.SendExport(c, "proxies", web.QueryParams(c))
	})
	pages.Get("/staff/procurations", s.RequireStaff(false), m.queuePage)
	pages.Post("/staff/procurations/appariement", s.RequireStaff(true), m.matchForm)
	pages.Get("/staff/procurations/demandes/:id", s.RequireStaff(false), m.staffRequestPage)
	pages.Post("/staff/procurations/demandes/:id/apparier", s.RequireStaff(true), m.manualMatchForm)
	pages.Post("/staff/procurations/demandes/:id/desapparier", s.RequireStaff(true), m.unmatchForm)
	m.volunteerRoutes(pages)

	s.AddDashboard("Procurations", "/staff/procurations", m.dashboard)
}

// ---- public journeys ----

func (m *module) requestAPI(c *fiber.Ctx) error {
	var in proxies.RequestInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := m.s.LimitEmail(c, "proxy-request", strings.TrimSpace(in.Email)); err != nil {
		return err
	}
	out, err := m.desk.SubmitRequest(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(submittedStatus(out)).JSON(out)
}

func (m *module) volunteerAPI(c *fiber.Ctx) error {
	var in proxies.VolunteerInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := m.s.LimitEmail(c, "proxy-volunteer", strings.TrimSpace(in.Email)); err != nil {
		return err
	}
	out, err := m.desk.SubmitVolunteer(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(submittedStatus(out)).JSON(out)
}

// submittedStatus: 201 for a new entry, 202 when the person had one: the
// change waits for its confirmation (or, when the form changed nothing,
// the page link goes to the entry's address again: answered alike).
func submittedStatus(s *proxies.Submitted) int {
	if s.Held {
		return fiber.StatusAccepted
	}
	return fiber.StatusCreated
}

// formData is what both public forms need: the election (see
// web.Server.PublicElection) and its rounds still ahead, and the open
// elections, for the page that lists them when there is no election to
// show (several open, or a slug that names no open one: status 404).
func (m *module) formData(c *fiber.Ctx, title string) (fiber.Map, int, error) {
	fe, err := m.s.PublicElection(c)
	if err != nil {
		return nil, 0, err
	}
	data := fiber.Map{"Title": title, "OpenElections": fe.Open, "UnknownElection": fe.Unknown, "MaxKm": proxies.MaxTravelKm}
	if e := fe.Election; e != nil {
		data["Election"] = e
		// On a round's day it is too late for a proxy (as the domain says).
		today := elections.Today(m.s.Now())
		var rounds []elections.Round
		for _, r := range e.Rounds {
			if r.Date.After(today) {
				rounds = append(rounds, r)
			}
		}
		data["Rounds"] = rounds
	}
	return data, fe.Status(), nil
}

// personFromForm fills the shared fields from a form, named as in JSON;
// the place is as ReadPlace read it.
func personFromForm(c *fiber.Ctx, place *web.FormPlace) proxies.Person {
	p := proxies.Person{
		Election:    c.FormValue("election"),
		FirstName:   c.FormValue("first_name"),
		LastName:    c.FormValue("last_name"),
		Email:       c.FormValue("email"),
		Phone:       c.FormValue("phone"),
		CommuneCode: place.CommuneCode,
		BureauCode:  place.BureauCode,
		Consent:     c.FormValue("consent") == "oui",
	}
	for _, v := range web.FormList(c, "rounds") {
		if n, err := strconv.Atoi(v); err == nil {
			p.Rounds = append(p.Rounds, n)
		}
	}
	return p
}

// formError shows a public form again after a refused submission, with
// what was typed and the place's choices (web.FormPlace.Show).
func (m *module) formError(c *fiber.Ctx, err error, title, page string, form map[string]string, place *web.FormPlace) error {
	data, _, derr := m.formData(c, title)
	if derr != nil {
		return derr
	}
	data["Form"] = form
	if err := place.Show(c, data); err != nil {
		return err
	}
	return m.s.FormError(c, err, page, data)
}

// honeypot reports a bot: a person never fills the hidden field.
func honeypot(c *fiber.Ctx) bool { return strings.TrimSpace(c.FormValue("site_web")) != "" }

// The titles of the public forms.
const (
	requestTitle   = "Je cherche un·e mandataire"
	volunteerTitle = "Je peux porter une procuration"
)

func (m *module) requestPage(c *fiber.Ctx) error {
	data, status, err := m.formData(c, requestTitle)
	if err != nil {
		return err
	}
	return m.s.RenderStatus(c, status, "proxies/request_form", data)
}

func (m *module) requestForm(c *fiber.Ctx) error {
	if honeypot(c) {
		return c.Redirect("/procuration/merci/demande", fiber.StatusSeeOther)
	}
	form := web.FormValues(c)
	place, err := m.s.ReadPlace(c, form, true)
	if err != nil {
		return err
	}
	in := proxies.RequestInput(personFromForm(c, place))
	if !place.Asking() {
		if err := m.s.LimitEmail(c, "proxy-request", strings.TrimSpace(in.Email)); err != nil {
			return err
		}
	}
	out, err := m.desk.SubmitRequest(c.UserContext(), in)
	if err := place.Err(err); err != nil {
		return m.formError(c, err, requestTitle, "proxies/request_form", form, place)
	}
	if out.Held {
		return web.HoldRedirect(c, proxies.ChangePrefix)
	}
	return c.Redirect("/procuration/merci/demande", fiber.StatusSeeOther)
}

func (m *module) volunteerPage(c *fiber.Ctx) error {
	data, status, err := m.formData(c, volunteerTitle)
	if err != nil {
		return err
	}
	data["Form"] = map[string]string{"max_distance_km": strconv.Itoa(proxies.DefaultMaxDistanceKm)}
	return m.s.RenderStatus(c, status, "proxies/volunteer_form", data)
}

func (m *module) volunteerForm(c *fiber.Ctx) error {
	if honeypot(c) {
		return c.Redirect("/procuration/merci/volontaire", fiber.StatusSeeOther)
	}
	form := web.FormValues(c)
	place, err := m.s.ReadPlace(c, form, true)
	if err != nil {
		return err
	}
	in := proxies.NewVolunteerInput(personFromForm(c, place), c.FormValue("birth_date"), c.FormValue("voter_number"), 0)
	if km := c.FormValue("max_distance_km"); strings.TrimSpace(km) != "" {
		n, err := formKm(km)
		if err != nil {
			n = -1 // refused by the domain with its message
		}
		in.MaxDistanceKm = &n
	}
	if !place.Asking() {
		if err := m.s.LimitEmail(c, "proxy-volunteer", strings.TrimSpace(in.Email)); err != nil {
			return err
		}
	}
	out, err := m.desk.SubmitVolunteer(c.UserContext(), in)
	if err := place.Err(err); err != nil {
		return m.formError(c, err, volunteerTitle, "proxies/volunteer_form", form, place)
	}
	if out.Held {
		return web.HoldRedirect(c, proxies.ChangePrefix)
	}
	return c.Redirect("/procuration/merci/volontaire", fiber.StatusSeeOther)
}

// formKm reads a distance typed in French or not ("15,5", "15.5", "15"):
// the domain rounds it and checks its range, as for the API's number.
func formKm(s string) (float64, error) {
	s = strings.ReplaceAll(strings.Join(strings.Fields(s), ""), ",", ".")
	s = strings.TrimSuffix(strings.ToLower(s), "km") // "12 km"
	km, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(km) || math.IsInf(km, 0)) {
		err = strconv.ErrSyntax
	}
	return km, err
}

func (m *module) thanksPage(c *fiber.Ctx) error {
	kind := c.Params("kind")
	if kind != "demande" && kind != "volontaire" {
		return fiber.ErrNotFound
	}
	return m.s.Render(c, "proxies/thanks", fiber.Map{"Title": "Merci", "Volunteer": kind == "volontaire"})
}

// ---- private pages ----

// notices are the confirmations shown after an action (?fait=...).
var notices = map[string]string{
	"annulee":  "Votre demande est annulée.",
	"retire":   "Vous êtes retiré·e de la liste des volontaires.",
	"acceptee": "Merci ! La personne reçoit vos coordonnées pour établir la procuration.",
	"refusee":  "C'est noté : la demande sera proposée à quelqu'un d'autre.",
	"etablie":  "Merci : votre mandataire est prévenu·e que la procuration est établie.",
}

// linkGone answers an unknown or expired private link.
func (m *module) linkGone(c *fiber.Ctx, err error) error {
	if !errors.Is(err, check.ErrNotFound) {
		return err
	}
	return m.s.RenderStatus(c, fiber.StatusNotFound, "error", fiber.Map{"Title": "Lien expiré ou inconnu",
		"Message": "Ce lien n'est pas (ou plus) valable. Utilisez le lien du dernier message reçu, ou envoyez à nouveau le formulaire avec la même adresse e-mail : nous vous y écrirons avec le lien de votre page."})
}

func (m *module) privatePage(c *fiber.Ctx) error {
	return m.renderPrivate(c, fiber.StatusOK, fiber.Map{"Notice": notices[c.Query("fait")]})
}

func (m *module) renderPrivate(c *fiber.Ctx, status int, data fiber.Map) error {
	o, err := proxies.ResolveLink(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
	if err != nil {
		return m.linkGone(c, err)
	}
	data["Base"] = proxies.LinkPath + c.Params("token")
	ctx := c.UserContext()
	if o.RequestID != 0 {
		p, err := proxies.LoadRequestPage(ctx, m.s.Pool, o.RequestID)
		if err != nil {
			return err
		}
		data["Title"], data["Page"] = "Votre demande de procuration", p
		return m.s.RenderStatus(c, status, "proxies/request_page", data)
	}
	p, err := proxies.LoadVolunteerPage(ctx, m.s.Pool, o.VolunteerID, m.s.Now())
	if err != nil {
		return err
	}
	data["Title"], data["Page"] = "Votre engagement de mandataire", p
	return m.s.RenderStatus(c, status, "proxies/volunteer_page", data)
}

func (m *module) privateAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		o, err := proxies.ResolveLink(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
		if err != nil {
			return m.linkGone(c, err)
		}
		ctx := c.UserContext()
		requestID, _ := strconv.ParseInt(c.FormValue("request_id"), 10, 64)
		round, _ := strconv.Atoi(c.FormValue("round"))
		var done string
		switch {
		case action == "annuler" && o.RequestID != 0:
			err, done = m.desk.CancelRequest(ctx, o.RequestID), "annulee"
		case action == "etablie" && o.RequestID != 0:
			err, done = m.desk.ConfirmEstablished(ctx, o.RequestID, round), "etablie"
		case action == "coordonnees" && o.RequestID != 0:
			// Shown in this answer only: nothing to reload, nothing cached.
			details, err := m.desk.RevealDetails(ctx, o.RequestID)
			if err != nil {
				return m.privateConflict(c, err)
			}
			return m.renderPrivate(c, fiber.StatusOK, fiber.Map{"Details": details})
		case action == "retirer" && o.VolunteerID != 0:
			err, done = m.desk.WithdrawVolunteer(ctx, o.VolunteerID, staff.ActorPublic), "retire"
		case action == "accepter" && o.VolunteerID != 0:
			err, done = m.desk.Accept(ctx, o.VolunteerID, requestID), "acceptee"
		case action == "refuser" && o.VolunteerID != 0:
			err, done = m.desk.Decline(ctx, o.VolunteerID, requestID), "refusee"
		default:
			return fiber.ErrNotFound
		}
		if err != nil {
			var conflict *check.Conflict
			if !errors.As(err, &conflict) {
				return err
			}
			// A second click, a reload: what was asked is done already.
			again, derr := m.alreadyDone(c, o, action, requestID, round)
			if derr != nil {
				return derr
			}
			if !again {
				return m.privateConflict(c, err)
			}
		}
		return c.Redirect(proxies.LinkPath+c.Params("token")+"?fait="+done, fiber.StatusSeeOther)
	}
}

// alreadyDone reports an action refused (check.Conflict) because it was
// done already, as asked: the volunteer accepted or declined this request,
// the mandant established this round or cancelled. Its page then says it
// is done, as after the first click, not that the offer is gone.
func (m *module) alreadyDone(c *fiber.Ctx, o proxies.Owner, action string, requestID int64, round int) (bool, error) {
	ctx := c.UserContext()
	switch action {
	case "accepter", "refuser":
		want := map[string]string{"accepter": proxies.OfferAccepted, "refuser": proxies.OfferDeclined}[action]
		return proxies.AnswerStands(ctx, m.s.Pool, o.VolunteerID, requestID, want)
	case "etablie", "annuler":
		p, err := proxies.LoadRequestPage(ctx, m.s.Pool, o.RequestID)
		if err != nil {
			return false, err
		}
		if action == "annuler" {
			return p.Cancelled, nil
		}
		for _, r := range p.Rounds {
			if r.Number == round && r.Status == proxies.RoundEstablished {
				return true, nil
			}
		}
	}
	return false, nil
}

// privateConflict shows the page again with the reason an action could
// not be done (an offer that expired meanwhile, views used up...).
func (m *module) privateConflict(c *fiber.Ctx, err error) error {
	var conflict *check.Conflict
	if errors.As(err, &conflict) {
		return m.renderPrivate(c, fiber.StatusConflict, fiber.Map{"Summary": conflict.Msg})
	}
	return err
}

// ---- dashboard ----

func (m *module) dashboard(ctx context.Context, u *staff.User) ([]web.DashboardCount, error) {
	n, err := proxies.DashboardCounts(ctx, m.s.Pool, u, m.s.Now())
	if err != nil {
		return nil, err
	}
	return []web.DashboardCount{
		{Label: "Demandes sans volontaire", Value: n.Open, Alert: n.Open > 0},
		{Label: "Propositions en attente de réponse", Value: n.Proposed},
		{Label: "Acceptées, procuration à établir", Value: n.Accepted},
		{Label: "Procurations établies", Value: n.Established},
		{Label: "Volontaires disponibles (sans proposition)", Value: n.VolunteerSituations.Available},
		{Label: "Volontaires avec une proposition en attente", Value: n.VolunteerSituations.Offered},
		{Label: "Volontaires portant une procuration", Value: n.VolunteerSituations.Carrying},
	}, nil
}

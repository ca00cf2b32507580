// Package delegateweb is the poll-delegate capability's pages and API: the
// public sign-up ("Je veux être assesseur·e ou délégué·e") as a form and
// JSON, the confirmation of a sign-up sent again with the same e-mail
// (/assesseurs/modification/t/{token}), the private page behind each
// volunteer's link (/assesseurs/t/{token}), and the staff pages
// (/staff/delegues: coverage, R46 deadline, empty seats with people to
// call, assignment runs, manual seats, volunteers, needs, representatives
// per département) with their JSON twins. The documents are in exports.go.
package delegateweb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
	"scrutin/web"
)

type module struct {
	s    *web.Server
	desk *delegates.Desk
}

// Routes is the web.Module of the delegate capability.
func Routes(s *web.Server, api, pages fiber.Router) {
	m := &module{s: s, desk: &delegates.Desk{Pool: s.Pool, BaseURL: s.BaseURL(), Now: s.Now}}

	// Public sign-up: one validation path (delegates.Desk.Signup).
	api.Post("/delegate-volunteers", s.LimitPublic("delegate-signup"), m.signupAPI)
	pages.Get("/assesseurs/inscription", m.signupPage)
	pages.Post("/assesseurs/inscription", s.LimitPublic("delegate-signup"), m.signupForm)
	pages.Get("/assesseurs/merci", m.thanksPage)
	// The same e-mail again: the change waits for its confirmation by
	// e-mail (delegates.Desk.PendingChange, ConfirmChange).
	s.ChangeRoutes(pages, delegates.ChangePrefix, "delegate-private", m.desk)

	// Private page (the token after /t/ is masked in the request log).
	pages.Get("/assesseurs/t/:token", m.privatePage)
	pages.Post("/assesseurs/t/:token/confirmer", s.LimitPublic("delegate-private"), m.privateAction("confirmer"))
	pages.Post("/assesseurs/t/:token/retirer", s.LimitPublic("delegate-private"), m.privateAction("retirer"))

	// Staff API.
	api.Get("/delegate-volunteers", s.RequireStaff(false), m.listVolunteersAPI)
	api.Get("/delegate-volunteers/:id", s.RequireStaff(false), m.volunteerAPI)
	api.Post("/delegate-assignment/run", s.RequireStaff(true), m.runAPI)
	api.Post("/delegate-assignments", s.RequireStaff(true), m.assignAPI)
	api.Delete("/delegate-assignments/:id", s.RequireStaff(true), m.unassignAPI)
	api.Get("/delegate-coverage", s.RequireStaff(false), m.coverageAPI)
	api.Post("/delegate-needs/roles", s.RequireStaff(true), m.rolesAPI)
	api.Post("/delegate-needs/priorities", s.RequireStaff(true), m.priorityAPI)
	api.Post("/delegate-needs/priorities.csv", s.RequireStaff(true), m.priorityImportAPI)
	api.Post("/delegate-settings", s.RequireAdmin, m.settingsAPI)
	// Who signs the documents in each département (representatives.go).
	api.Get("/elections/:slug/representatives", s.RequireStaff(false), m.representativesAPI)
	api.Put("/elections/:slug/representatives/:departement", s.RequireStaff(true), m.setRepresentativeAPI)
	api.Delete("/elections/:slug/representatives/:departement", s.RequireStaff(true), m.removeRepresentativeAPI)

	// Staff pages.
	pages.Get("/staff/delegues", s.RequireStaff(false), m.coveragePage)
	pages.Post("/staff/delegues/affectation", s.RequireStaff(true), m.runForm)
	pages.Post("/staff/delegues/sieges", s.RequireStaff(true), m.assignForm)
	pages.Post("/staff/delegues/sieges/:id/retirer", s.RequireStaff(true), m.unassignForm)
	pages.Get("/staff/delegues/benevoles", s.RequireStaff(false), m.volunteersPage)
	pages.Get("/staff/delegues/besoins", s.RequireStaff(false), m.needsPage)
	pages.Post("/staff/delegues/besoins/roles", s.RequireStaff(true), m.rolesForm)
	pages.Post("/staff/delegues/besoins/priorite", s.RequireStaff(true), m.priorityForm)
	pages.Post("/staff/delegues/besoins/import", s.RequireStaff(true), m.priorityImportForm)
	pages.Post("/staff/delegues/besoins/bureaux-par-delegue", s.RequireAdmin, m.settingsForm)
	pages.Post("/staff/delegues/besoins/representants", s.RequireStaff(true), m.representativeForm)
	pages.Post("/staff/delegues/besoins/representants/retirer", s.RequireStaff(true), m.removeRepresentativeForm)

	exportRoutes(s, api, pages)
	s.AddDashboard("Assesseurs et délégués", "/staff/delegues", m.dashboard)
}

// ---- public sign-up ----

func (m *module) signupAPI(c *fiber.Ctx) error {
	var in delegates.SignupInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := m.s.LimitEmail(c, "delegate-signup", strings.TrimSpace(in.Email)); err != nil {
		return err
	}
	out, err := m.desk.Signup(c.UserContext(), in)
	if err != nil {
		return err
	}
	if out.Held {
		// Nothing changed: the entry's address is asked to confirm. The
		// answer says nothing of the entry, nor whether the voter number
		// is signed up under another address: the same answer then
		// (delegates.Desk.Signup), only the mailboxes learn more.
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": out.Status})
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// signupData is what the sign-up page shows: the form of the election
// (see web.Server.PublicElection) with its rounds to come, or the open
// elections to choose from (status 404 for a slug that names no open
// election).
func (m *module) signupData(c *fiber.Ctx, form map[string]string) (fiber.Map, int, error) {
	fe, err := m.s.PublicElection(c)
	if err != nil {
		return nil, 0, err
	}
	e := fe.Election
	data := fiber.Map{"Title": "Devenir assesseur·e ou délégué·e", "Election": e, "Form": form, "Roles": delegates.Roles, "MaxKm": delegates.MaxDistanceKm,
		"BureauEmpty": "— choisissez votre bureau —", "OpenElections": fe.Open, "UnknownElection": fe.Unknown}
	if e != nil {
		var rounds []fiber.Map
		today := m.s.Now().In(elections.Paris).Format(time.DateOnly)
		for _, r := range e.Rounds {
			if r.DateString() >= today {
				rounds = append(rounds, fiber.Map{"Number": r.Number, "Date": r.Date, "Value": strconv.Itoa(r.Number)})
			}
		}
		data["Rounds"] = rounds
	}
	return data, fe.Status(), nil
}

func (m *module) signupPage(c *fiber.Ctx) error {
	form := map[string]string{"reach": "commune"}
	data, status, err := m.signupData(c, form)
	if err != nil {
		return err
	}
	if e, _ := data["Election"].(*elections.Election); e != nil {
		var all []string
		for _, r := range e.Rounds {
			all = append(all, strconv.Itoa(r.Number))
		}
		form["rounds"] = strings.Join(all, ",")
	}
	return m.s.RenderStatus(c, status, "delegates/signup", data)
}

// signupInput reads the form into the API's input struct. What cannot be
// read (a round that is not a number) becomes a value the domain refuses,
// so that the sign-up is never stored and every other field is still
// checked: the form shows all its errors at once, like the API. Messages
// of the form's own (a round that is not a number) are returned in errs,
// for signupForm to put first. The distance goes as typed: the domain
// reads "7,5" and "7.5" alike and says what it cannot read.
func signupInput(c *fiber.Ctx) (in delegates.SignupInput, errs check.Errors) {
	errs = check.Errors{}
	in = delegates.SignupInput{
		Election: c.FormValue("election"), LastName: c.FormValue("last_name"), BirthName: c.FormValue("birth_name"),
		FirstNames: c.FormValue("first_names"), BirthDate: c.FormValue("birth_date"), BirthPlace: c.FormValue("birth_place"),
		Address: c.FormValue("address"), PostalCode: c.FormValue("postal_code"), City: c.FormValue("city"), Email: c.FormValue("email"),
		Phone: c.FormValue("phone"), CommuneCode: c.FormValue("commune_code"), BureauCode: c.FormValue("bureau_code"),
		VoterNumber: c.FormValue("voter_number"), ListNumber: c.FormValue("list_number"), Roles: web.FormList(c, "roles"),
	}
	consent := c.FormValue("consent") == "oui"
	in.Consent = &consent
	for _, r := range web.FormList(c, "rounds") {
		n, err := strconv.Atoi(strings.TrimSpace(r))
		if err != nil || n < 1 {
			errs.Add("rounds", "Tour invalide.")
			n = 0 // no election has a round 0: refused by the domain
		}
		in.Rounds = append(in.Rounds, n)
	}
	switch c.FormValue("reach") {
	case "bureau":
		zero := delegates.Distance("0")
		in.MaxDistanceKm = &zero
	case "km":
		// A distance typed is 1 to delegates.MaxDistanceKm km, to a tenth
		// (delegates.ParseDistance). 0 would read as "own bureau only", a
		// choice of its own on the form: typed, it is sent as -1, which
		// the domain refuses as out of range.
		d := delegates.Distance(c.FormValue("max_distance_km"))
		if km, problem := delegates.ParseDistance(string(d)); problem == "" && km == 0 {
			d = "-1"
		}
		in.MaxDistanceKm = &d
	}
	for _, p := range strings.FieldsFunc(c.FormValue("preferred_bureaux"), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		in.PreferredBureaux = append(in.PreferredBureaux, p)
	}
	return in, errs
}

func (m *module) signupForm(c *fiber.Ctx) error {
	form := web.FormValues(c)
	data, _, err := m.signupData(c, form)
	if err != nil {
		return err
	}
	// Honeypot: bots fill every field; people never see this one. They get
	// the same thanks page, so that they learn nothing.
	if c.FormValue("site_web") != "" {
		return c.Redirect(thanksPath, fiber.StatusSeeOther)
	}
	// Without script the commune comes as typed text (web.ReadPlace).
	place, err := m.s.ReadPlace(c, form, false)
	if err != nil {
		return err
	}
	in, errs := signupInput(c)
	in.CommuneCode, in.BureauCode = place.CommuneCode, place.BureauCode
	if !place.Asking() {
		if err := m.s.LimitEmail(c, "delegate-signup", strings.TrimSpace(in.Email)); err != nil {
			return err
		}
	}
	out, err := m.desk.Signup(c.UserContext(), in)
	if inv, ok := check.AsInvalid(err); ok && len(errs) > 0 {
		// The form's own messages first, then the domain's for the rest.
		for k, msg := range inv.Fields {
			errs.Add(k, msg)
		}
		err = &check.Invalid{Summary: inv.Summary, Fields: errs}
	}
	if err := place.Err(err); err != nil {
		if err := place.Show(c, data); err != nil {
			return err
		}
		return m.s.FormError(c, err, "delegates/signup", data)
	}
	if out.Held { // a change held, or a voter number signed up under another address: alike
		return web.HoldRedirect(c, delegates.ChangePrefix)
	}
	// Redirect after POST: reloading the thanks page sends nothing again.
	return c.Redirect(thanksPath, fiber.StatusSeeOther)
}

// thanksPath is the page a sign-up sent ends on (Post/Redirect/Get).
const thanksPath = "/assesseurs/merci"

func (m *module) thanksPage(c *fiber.Ctx) error {
	return m.s.Render(c, "delegates/thanks", fiber.Map{"Title": "Merci"})
}

// ---- private page ----

func (m *module) privatePage(c *fiber.Ctx) error {
	v, err := delegates.ForLink(c.UserContext(), m.s.Pool, c.Params("token"), m.s.Now())
	if errors.Is(err, check.ErrNotFound) {
		return m.s.RenderStatus(c, fiber.StatusNotFound, "error", fiber.Map{"Title": "Lien invalide",
			"Message": "Ce lien n'est pas (ou plus) valide. Utilisez le lien du dernier e-mail reçu, ou envoyez de nouveau le formulaire d'inscription avec la même adresse e-mail et confirmez la modification depuis votre boîte mail : vous recevrez un nouveau lien."})
	}
	if err != nil {
		return err
	}
	return m.renderPrivate(c, v, fiber.StatusOK, "")
}

func (m *module) renderPrivate(c *fiber.Ctx, v *delegates.Volunteer, status int, notice string) error {
	var deadlines []fiber.Map
	e, err := elections.ByID(c.UserContext(), m.s.Pool, v.ElectionID)
	if err != nil {
		return err
	}
	pending := false
	for _, s := range v.Seats {
		if !s.Confirmed {
			pending = true
		}
	}
	for _, r := range e.Rounds {
		deadlines = append(deadlines, fiber.Map{"Round": r.Number, "Date": r.Date, "Deadline": delegates.Deadline(r.Date)})
	}
	c.Set("Referrer-Policy", "no-referrer")
	return m.s.RenderStatus(c, status, "delegates/volunteer", fiber.Map{"Title": "Votre affectation", "V": v, "Election": e,
		"Token": c.Params("token"), "Pending": pending, "Notice": notice, "Rounds": deadlines})
}

func (m *module) privateAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		plain := c.Params("token")
		var err error
		notice := ""
		switch action {
		case "confirmer":
			_, err = m.desk.Confirm(ctx, plain)
			notice = "Merci ! Votre présence est confirmée. L'équipe en est informée."
		case "retirer":
			err = m.desk.Withdraw(ctx, plain)
			notice = "Votre retrait est enregistré. Merci de nous avoir prévenus."
		}
		var conflict *check.Conflict
		if errors.As(err, &conflict) {
			notice, err = conflict.Msg, nil
		}
		if err != nil {
			return err
		}
		v, err := delegates.ForLink(ctx, m.s.Pool, plain, m.s.Now())
		if err != nil {
			return err
		}
		return m.renderPrivate(c, v, fiber.StatusOK, notice)
	}
}

// ---- staff API ----

func (m *module) volunteerAPI(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return check.ErrNotFound
	}
	v, err := delegates.ForStaff(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if err != nil {
		return err
	}
	if v.Seats == nil {
		v.Seats = []delegates.Seat{}
	}
	return c.JSON(v)
}

// volunteerJSON is a volunteer in the staff list (personal data: the list
// holds only volunteers registered in the reader's scope).
type volunteerJSON struct {
	ID               int64            `json:"id"`
	Status           string           `json:"status"`
	LastName         string           `json:"last_name"`
	BirthName        string           `json:"birth_name"`
	FirstNames       string           `json:"first_names"`
	Email            string           `json:"email"`
	Phone            string           `json:"phone"`
	Address          string           `json:"address"` // home address, as the designation letter prints it
	PostalCode       string           `json:"postal_code"`
	City             string           `json:"city"` // town of the address, '' when the sign-up has none
	CommuneCode      string           `json:"commune_code"`
	BureauCode       string           `json:"bureau_code"`
	ListNumber       string           `json:"list_number"` // '' when not given
	Roles            []delegates.Role `json:"roles"`
	Rounds           []int            `json:"rounds"`
	MaxDistanceKm    *float64         `json:"max_distance_km"` // to a tenth of a km
	PreferredBureaux []string         `json:"preferred_bureaux"`
	Assignments      []delegates.Seat `json:"assignments"`
}

func (m *module) listVolunteersAPI(c *fiber.Ctx) error {
	e, err := m.apiElection(c)
	if err != nil {
		return err
	}
	f, err := volunteerFilter(c, e)
	if err != nil {
		return web.RefuseOutOfScope(c, err, c.Query("commune"))
	}
	page, err := delegates.ListVolunteers(c.UserContext(), m.s.Pool, web.StaffUser(c), f)
	if err != nil {
		return err
	}
	if err := m.s.AuditListRead(c, "delegate_volunteers", len(page.Volunteers)); err != nil {
		return err
	}
	out := make([]volunteerJSON, 0, len(page.Volunteers))
	for _, v := range page.Volunteers {
		seats := v.Seats
		if seats == nil {
			seats = []delegates.Seat{}
		}
		out = append(out, volunteerJSON{ID: v.ID, Status: v.Status, LastName: v.LastName, BirthName: v.BirthName, FirstNames: v.FirstNames,
			Email: v.Email, Phone: v.Phone, Address: v.Address, PostalCode: v.PostalCode, City: v.City, CommuneCode: v.CommuneCode,
			BureauCode: v.BureauCode, ListNumber: v.ListNumber, Roles: v.Roles, Rounds: v.Rounds, MaxDistanceKm: v.MaxDistanceKm,
			PreferredBureaux: v.PreferredBureaux, Assignments: seats})
	}
	res := fiber.Map{"volunteers": out, "page": page.Page}
	if page.More {
		res["next_page"] = page.Page + 1
	}
	return c.JSON(res)
}

// volunteerFilter reads the volunteers list's filters, the page's and the
// API's: a place that is not one, or outside the reader's scope, is said
// so (places.CheckArea), as on the coverage, not answered "none"; so is
// a round that is not one of the election's (elections.ListRound). Bad
// values are one *check.Invalid, every field with its reason; a place
// outside the scope is a *places.OutOfScope once the values are good.
func volunteerFilter(c *fiber.Ctx, e *elections.Election) (delegates.VolunteerFilter, error) {
	errs := check.Errors{}
	dep, commune, err := places.CheckArea(web.StaffUser(c), c.Query("departement"), c.Query("commune"))
	if merged, _ := errs.Merge(err); merged {
		err = nil // reported with the others below; an OutOfScope stays
	}
	round := elections.ListRound(errs, "round", c.Query("round"), e)
	if bad := errs.Err(); bad != nil {
		err = bad
	}
	return delegates.VolunteerFilter{ElectionID: e.ID, Departement: dep, Commune: commune, Role: delegates.Role(c.Query("role")),
		Round: round, Status: c.Query("status"), Search: c.Query("q"), Limit: c.QueryInt("limit"), Page: c.QueryInt("page")}, err
}

func (m *module) runAPI(c *fiber.Ctx) error {
	var in delegates.RunInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	res, err := m.desk.Run(c.UserContext(), web.StaffUser(c), "", in)
	if err != nil {
		return web.RefuseOutOfScope(c, err, in.Commune) // the place of the body
	}
	return c.JSON(res)
}

func (m *module) assignAPI(c *fiber.Ctx) error {
	var in delegates.ManualInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	id, err := m.desk.Assign(c.UserContext(), web.StaffUser(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id})
}

func (m *module) unassignAPI(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return check.ErrNotFound
	}
	if err := m.desk.Unassign(c.UserContext(), web.StaffUser(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (m *module) coverageAPI(c *fiber.Ctx) error {
	e, err := m.apiElection(c)
	if err != nil {
		return err
	}
	round, err := m.staffRound(c, e)
	if err != nil {
		return err
	}
	dep, commune, err := places.CheckArea(web.StaffUser(c), c.Query("departement"), c.Query("commune"))
	if err != nil {
		return web.RefuseOutOfScope(c, err, c.Query("commune"))
	}
	v, err := delegates.Coverage(c.UserContext(), m.s.Pool, web.StaffUser(c), e.ID, round.Number, dep, commune)
	if err != nil {
		return err
	}
	area := func(a delegates.AreaCoverage) fiber.Map {
		return fiber.Map{"code": a.Code, "name": a.Name, "bureaux": a.Bureaux, "needed": a.Needed, "covered": a.Covered,
			"uncovered": a.Uncovered(), "confirmed": a.Confirmed}
	}
	areas := make([]fiber.Map, 0, len(v.Areas))
	for _, a := range v.Areas {
		areas = append(areas, area(a))
	}
	bureaux := make([]fiber.Map, 0, len(v.Bureaux))
	for _, b := range v.Bureaux {
		seats := make([]fiber.Map, 0, len(b.Seats))
		for _, st := range b.Seats {
			s := fiber.Map{"role": st.Role, "needed": st.Needed, "covered": !st.Empty(), "confirmed": st.Confirmed}
			if !st.Empty() {
				s["volunteer_id"], s["assignment_id"], s["source"] = st.VolunteerID, st.AssignmentID, st.Source
			}
			seats = append(seats, s)
		}
		bureaux = append(bureaux, fiber.Map{"commune_code": b.Commune, "bureau_code": b.Code, "name": b.Name, "priority": b.Priority, "seats": seats})
	}
	return c.JSON(fiber.Map{"election": e.Slug, "round": round.Number, "deadline": delegates.Deadline(round.Date),
		"total": area(v.Total), "areas": areas, "bureaux": bureaux})
}

func (m *module) rolesAPI(c *fiber.Ctx) error {
	var in delegates.RolesInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := m.desk.SetRoles(c.UserContext(), web.StaffUser(c), in); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (m *module) settingsAPI(c *fiber.Ctx) error {
	var in delegates.SettingsInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := m.desk.SetSettings(c.UserContext(), web.StaffUser(c), in); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (m *module) priorityAPI(c *fiber.Ctx) error {
	var in delegates.PriorityInput
	if err := web.DecodeJSON(c, &in); err != nil {
		return err
	}
	if err := m.desk.SetPriority(c.UserContext(), web.StaffUser(c), in); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// priorityImportAPI takes the CSV as the request body (?election=S).
func (m *module) priorityImportAPI(c *fiber.Ctx) error {
	n, err := m.desk.ImportPriorities(c.UserContext(), web.StaffUser(c), c.Query("election"), strings.NewReader(string(c.Body())))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"imported": n})
}

// ---- staff helpers ----

// apiElection is ?election=S, else the only open election: an API call
// does not guess, as the pages do with their selector (staffElection).
func (m *module) apiElection(c *fiber.Ctx) (*elections.Election, error) {
	return elections.Resolve(c.UserContext(), m.s.Pool, c.Query("election"), "election", m.s.Now())
}

// staffElection is ?election=S, else the only open election, else the
// latest one (nil when there is none).
func (m *module) staffElection(c *fiber.Ctx) (*elections.Election, error) {
	ctx := c.UserContext()
	slug := strings.TrimSpace(c.Query("election", c.FormValue("election")))
	if slug != "" {
		return elections.Resolve(ctx, m.s.Pool, slug, "election", m.s.Now())
	}
	if e, err := elections.Resolve(ctx, m.s.Pool, "", "election", m.s.Now()); err == nil {
		return e, nil
	}
	all, err := elections.List(ctx, m.s.Pool)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	return &all[0], nil
}

// staffRound is ?round=N, else the next round to come; a round the
// election does not have is an error, not silently another round.
func (m *module) staffRound(c *fiber.Ctx, e *elections.Election) (elections.Round, error) {
	if s := strings.TrimSpace(c.Query("round", c.FormValue("round"))); s != "" {
		n, _ := strconv.Atoi(s)
		if r, ok := e.Round(n); ok {
			return r, nil
		}
		return elections.Round{}, check.Field("round", "Cette élection n'a pas ce tour.")
	}
	r, _ := delegates.NextRound(e, m.s.Now())
	return r, nil
}

func (m *module) dashboard(ctx context.Context, u *staff.User) ([]web.DashboardCount, error) {
	e, err := elections.Resolve(ctx, m.s.Pool, "", "election", m.s.Now())
	if err != nil {
		return nil, nil // no single open election: nothing to count
	}
	r, ok := delegates.NextRound(e, m.s.Now())
	if !ok {
		return nil, nil
	}
	sum, err := delegates.Summarize(ctx, m.s.Pool, u, e, r)
	if err != nil {
		return nil, err
	}
	uncovered := sum.Needed - sum.Covered
	return []web.DashboardCount{
		{Label: fmt.Sprintf("Sièges à pourvoir (%s)", fr.Round(r.Number)), Value: sum.Needed},
		{Label: "Sièges pourvus", Value: sum.Covered},
		{Label: "Sièges vacants", Value: uncovered, Alert: uncovered > 0},
		{Label: "Présences confirmées", Value: sum.Confirmed},
		{Label: "Bénévoles inscrits", Value: sum.Volunteers},
	}, nil
}

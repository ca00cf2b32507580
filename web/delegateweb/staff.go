package delegateweb

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/insee"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
	"scrutin/web"
)

// countdown says in French how long is left before a deadline.
func countdown(now, deadline time.Time) (string, bool) {
	d := deadline.Sub(now)
	if d <= 0 {
		return "dépassée", true
	}
	days := int(d.Hours()) / 24
	hours := int(d.Hours()) % 24
	mins := int(d.Minutes()) % 60
	var s string
	switch {
	case days > 0:
		s = "dans " + fr.Count(days, "jour", "jours") + " et " + fr.Count(hours, "heure", "heures")
	case hours > 0:
		s = "dans " + fr.Count(hours, "heure", "heures") + " et " + fr.Count(mins, "minute", "minutes")
	default:
		s = "dans " + fr.Count(max(mins, 1), "minute", "minutes")
	}
	return s, d < 72*time.Hour
}

// docLinks are the document downloads (routes in exports.go) for the
// current view.
func docLinks(u *staff.User, e *elections.Election, round int, departement, commune string) fiber.Map {
	q := "?election=" + url.QueryEscape(e.Slug)
	r := "&round=" + strconv.Itoa(round)
	links := fiber.Map{"Workbook": "/api/v1/exports/delegates.xlsx" + q}
	// A département's documents are for staff of the whole département: a
	// scope of some of its communes keeps the workbook of its scope.
	if departement != "" && u.CoversDepartement(departement) {
		links["Workbook"] = "/api/v1/exports/delegates.xlsx" + q + "&departement=" + departement
		links["Prefecture"] = "/api/v1/exports/prefecture/" + departement + ".pdf" + q + r
	}
	if commune != "" {
		links["Workbook"] = "/api/v1/exports/delegates.xlsx" + q + "&commune=" + commune
		links["Designation"] = designationURL(e.Slug, round, commune)
		if len(e.Rounds) > 1 {
			// The law's default: a designation covers both rounds
			// (persons named for one only are marked so in the letter).
			links["DesignationBoth"] = designationURL(e.Slug, 0, commune)
		}
		links["Credentials"] = "/api/v1/exports/credentials.pdf?commune=" + commune + "&election=" + url.QueryEscape(e.Slug)
	}
	return links
}

// designationURL is a commune's designation letter for one round, or for
// every round of the election (round 0).
func designationURL(election string, round int, commune string) string {
	u := "/api/v1/exports/designations/" + commune + ".pdf?election=" + url.QueryEscape(election)
	if round > 0 {
		u += "&round=" + strconv.Itoa(round)
	}
	return u
}

// areaRow is one line of the coverage table.
type areaRow struct {
	delegates.AreaCoverage
	Link        string
	Designation string // letter of a commune, at département level
	Level       string // badge class
}

func level(a delegates.AreaCoverage) string {
	switch p := a.Percent(); {
	case a.Needed == a.Covered:
		return "ok"
	case p >= 50:
		return "warn"
	default:
		return "err"
	}
}

func (m *module) coveragePage(c *fiber.Ctx) error {
	return m.coverageView(c, fiber.StatusOK, fiber.Map{"Notice": runNotice(c.Query("fait"), c.Query("bilan"),
		c.Query("tours"), c.Query("departement"), c.Query("commune"))})
}

// runNotice is the result of a run the page was sent back to after it
// (runForm): what it did ("affectation" or "simulation") and its figures,
// "assigned-seats-uncovered-added-removed-notified"; "" if malformed. A
// simulation wrote and sent nothing: it says what a run would do. rounds
// ("tous" or a round number) and the page's place, where the run worked,
// end it when given.
func runNotice(done, figures, rounds, departement, commune string) string {
	n, ok := web.Figures(figures, 6)
	if !ok {
		return ""
	}
	var text string
	switch done {
	case "affectation":
		text = fmt.Sprintf("Affectation terminée : %s sur %s, %s ; %s, %s, %s", fr.Count(n[0], "siège pourvu", "sièges pourvus"), fr.Number(n[1]),
			fr.Count(n[2], "vacant", "vacants"), fr.Count(n[3], "nouvelle affectation", "nouvelles affectations"),
			fr.Count(n[4], "retirée", "retirées"), fr.Count(n[5], "bénévole prévenu·e", "bénévoles prévenu·es"))
	case "simulation":
		text = fmt.Sprintf("Simulation (rien n'a été enregistré ni envoyé) : %s sur %s, %s ; %s, %s, %s",
			fr.Count(n[0], "siège serait pourvu", "sièges seraient pourvus"), fr.Number(n[1]),
			fr.Count(n[2], "resterait vacant", "resteraient vacants"),
			fr.Count(n[3], "nouvelle affectation serait proposée", "nouvelles affectations seraient proposées"),
			fr.Count(n[4], "serait retirée", "seraient retirées"), fr.Count(n[5], "bénévole serait prévenu·e", "bénévoles seraient prévenu·es"))
	default:
		return ""
	}
	var where []string
	switch r, err := strconv.Atoi(rounds); {
	case rounds == "tous":
		where = append(where, "tous les tours")
	case err == nil && r > 0:
		where = append(where, fr.Round(r))
	}
	if where != nil {
		// The place is said only with the rounds: both come from runForm.
		switch {
		case commune != "":
			where = append(where, delegates.PlaceName(commune))
		case departement != "":
			where = append(where, delegates.PlaceName(departement))
		default:
			where = append(where, "tout votre périmètre")
		}
		text += " (" + strings.Join(where, ", ") + ")"
	}
	return text + "."
}

func (m *module) coverageView(c *fiber.Ctx, status int, data fiber.Map) error {
	ctx := c.UserContext()
	u := web.StaffUser(c)
	data["Title"] = "Assesseurs et délégués"
	// An unknown ?election= is an error to show, not "no election yet".
	e, err := m.staffElection(c)
	if err != nil {
		return err
	}
	if e == nil {
		return m.s.RenderStatus(c, status, "delegates/staff", data)
	}
	round, err := m.staffRound(c, e)
	if err != nil {
		return err
	}
	all, err := elections.List(ctx, m.s.Pool)
	if err != nil {
		return err
	}
	// A place that is not one, or outside the reader's scope, is said so,
	// rather than shown as the whole scope or as a place without seats.
	typedDep, typedCommune := c.Query("departement", c.FormValue("departement")), c.Query("commune", c.FormValue("commune"))
	dep, commune, err := places.CheckKnownArea(ctx, m.s.Pool, u, typedDep, typedCommune)
	if err != nil {
		// The filter keeps what was typed, next to the message.
		data["Elections"], data["E"], data["Round"] = all, e, round
		data["Departement"], data["Commune"] = strings.ToUpper(strings.TrimSpace(typedDep)), strings.ToUpper(strings.TrimSpace(typedCommune))
		var outside *places.OutOfScope
		if inv, ok := check.AsInvalid(err); ok {
			data["BadPlace"] = joinFields(inv.Fields)
			return m.s.RenderStatus(c, fiber.StatusUnprocessableEntity, "delegates/staff", data)
		} else if errors.As(err, &outside) {
			data["OutOfScope"] = outside.Message
			return m.s.RenderStatus(c, fiber.StatusForbidden, "delegates/staff", data)
		}
		return err
	}
	view, err := delegates.Coverage(ctx, m.s.Pool, u, e.ID, round.Number, dep, commune)
	if err != nil {
		return err
	}
	base := "/staff/delegues?election=" + url.QueryEscape(e.Slug) + "&round=" + strconv.Itoa(round.Number)
	var rows []areaRow
	for _, a := range view.Areas {
		r := areaRow{AreaCoverage: a, Level: level(a)}
		if dep == "" {
			r.Link = base + "&departement=" + a.Code
		} else {
			r.Link = base + "&commune=" + a.Code
			r.Designation = designationURL(e.Slug, round.Number, a.Code)
		}
		rows = append(rows, r)
	}
	now := m.s.Now()
	var rounds []fiber.Map
	for _, r := range e.Rounds {
		dl := delegates.Deadline(r.Date)
		left, urgent := countdown(now, dl)
		rounds = append(rounds, fiber.Map{"Number": r.Number, "Date": r.Date, "Deadline": dl, "Weekday": elections.Weekday(dl), "Left": left, "Urgent": urgent,
			"Current": r.Number == round.Number, "Link": "/staff/delegues?election=" + url.QueryEscape(e.Slug) + "&round=" + strconv.Itoa(r.Number) + keepPlace(dep, commune)})
	}
	gaps, err := delegates.Gaps(ctx, m.s.Pool, u, e, round.Number, dep, commune, 60)
	if err != nil {
		return err
	}
	runs, err := delegates.RecentRuns(ctx, m.s.Pool, u.ScopeArg(), e.ID, 5)
	if err != nil {
		return err
	}
	var communeName string
	if commune != "" && len(view.Bureaux) > 0 {
		communeName = view.Bureaux[0].CommuneName
	}
	data["Elections"], data["E"], data["Round"], data["Rounds"] = all, e, round, rounds
	data["View"], data["Rows"], data["Gaps"], data["Runs"] = view, rows, gaps, runs
	data["Departement"], data["Commune"], data["CommuneName"] = dep, commune, communeName
	if dep != "" {
		data["Area"] = areaWords(dep)
	}
	data["Base"], data["Docs"], data["CanAct"] = base, docLinks(u, e, round.Number, dep, commune), u.CanAct()
	data["TotalLevel"] = level(view.Total)
	switch {
	case commune != "" && communeName != "":
		data["RunPlace"] = "commune " + fr.OfPlace(communeName) + ", " + commune
	case commune != "":
		data["RunPlace"] = delegates.PlaceName(commune)
	case dep != "":
		data["RunPlace"] = delegates.PlaceName(dep)
	}
	if dep != "" && commune == "" && !u.CoversDepartement(dep) {
		// Scoped to some communes of the département: the run covers
		// their seats and volunteers only, and the page says which.
		var mine []string
		for _, s := range u.Scope {
			if staff.Departement(s) == dep {
				mine = append(mine, s)
			}
		}
		if len(mine) == 1 {
			data["RunCommunes"] = "de la commune " + mine[0]
		} else {
			data["RunCommunes"] = "des communes " + strings.Join(mine, ", ")
		}
	}
	if dep != "" {
		// Who signs this département's letters, so that staff check it
		// before printing them.
		signatory, err := delegates.RepresentativeOf(ctx, m.s.Pool, e, dep)
		if err != nil {
			return err
		}
		signFor := delegates.CandidateName(e.Candidate) // « pour la liste « … » »
		if signatory == "" {
			signatory, signFor = signFor, "" // the candidate signs in person
		}
		data["Signatory"], data["SignatoryFor"] = signatory, signFor // for the place of data["Area"]
	}
	return m.s.RenderStatus(c, status, "delegates/staff", data)
}

// areaWords names the page's département in its sentences, or the
// overseas collectivity of 98x communes it is (987, French Polynesia):
// its title and, with its articles, "the", "of" and "in" it; "This" and
// "Whole" without its code ("ce département", "du département entier").
func areaWords(dep string) map[string]string {
	if insee.KnownCollectivity(dep) {
		return map[string]string{"Title": "Collectivité " + dep, "The": "la collectivité " + dep,
			"Of": "de la collectivité " + dep, "In": "dans la collectivité " + dep,
			"This": "cette collectivité", "Whole": "de la collectivité entière"}
	}
	return map[string]string{"Title": "Département " + dep, "The": "le département " + dep,
		"Of": "du département " + dep, "In": "dans le département " + dep,
		"This": "ce département", "Whole": "du département entier"}
}

func keepPlace(dep, commune string) string {
	switch {
	case commune != "":
		return "&commune=" + commune
	case dep != "":
		return "&departement=" + dep
	}
	return ""
}

// runForm runs the assignment over the place of the page the form is on
// (its hidden departement and commune; none: the whole scope), in the
// round chosen or every round, then sends the browser back to that page.
func (m *module) runForm(c *fiber.Ctx) error {
	in := delegates.RunInput{Election: c.FormValue("election"), DryRun: c.FormValue("dry_run") == "oui",
		Departement: c.FormValue("departement"), Commune: c.FormValue("commune")}
	if r := c.FormValue("run_round"); r != "" && r != "all" {
		n, err := strconv.Atoi(r)
		if err != nil {
			return check.Field("run_round", "Tour invalide.")
		}
		in.Round = &n
	}
	res, err := m.desk.Run(c.UserContext(), web.StaffUser(c), "", in)
	var outside *places.OutOfScope
	if err != nil {
		if inv, ok := check.AsInvalid(err); ok {
			return m.coverageView(c, fiber.StatusUnprocessableEntity, fiber.Map{"Summary": inv.Message() + " " + joinFields(inv.Fields)})
		}
		if errors.As(err, &outside) {
			return m.coverageView(c, fiber.StatusForbidden, fiber.Map{})
		}
		return err
	}
	// Redirect after POST, the result in the address: reloading the page
	// shows it again without running again. Back to the page the form was
	// on: its election, round and place.
	q := url.Values{"election": {res.Election}, "fait": {"affectation"}, "tours": {"tous"},
		"bilan": {fmt.Sprintf("%d-%d-%d-%d-%d-%d", res.Assigned, res.Seats, res.Uncovered, res.Added, res.Removed, res.Notified)}}
	if res.DryRun {
		q.Set("fait", "simulation")
	}
	if in.Round != nil {
		q.Set("tours", strconv.Itoa(*in.Round))
	}
	if r := strings.TrimSpace(c.FormValue("round")); r != "" {
		q.Set("round", r)
	} else if in.Round != nil {
		q.Set("round", strconv.Itoa(*in.Round))
	}
	switch {
	case res.Commune != "":
		q.Set("commune", res.Commune)
	case res.Departement != "":
		q.Set("departement", res.Departement)
	}
	return c.Redirect("/staff/delegues?"+q.Encode(), fiber.StatusSeeOther)
}

func joinFields(f check.Errors) string {
	var parts []string
	for _, v := range f {
		parts = append(parts, v)
	}
	return strings.Join(parts, " ")
}

func (m *module) assignForm(c *fiber.Ctx) error {
	round, _ := strconv.Atoi(c.FormValue("round"))
	vid, _ := strconv.ParseInt(c.FormValue("volunteer_id"), 10, 64)
	in := delegates.ManualInput{Election: c.FormValue("election"), Round: round, CommuneCode: c.FormValue("commune_code"),
		BureauCode: c.FormValue("bureau_code"), Role: c.FormValue("role"), VolunteerID: vid}
	if _, err := m.desk.Assign(c.UserContext(), web.StaffUser(c), in); err != nil {
		return m.actionError(c, err)
	}
	return c.Redirect(m.back(c), fiber.StatusSeeOther)
}

func (m *module) unassignForm(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return check.ErrNotFound
	}
	if err := m.desk.Unassign(c.UserContext(), web.StaffUser(c), id); err != nil {
		return m.actionError(c, err)
	}
	return c.Redirect(m.back(c), fiber.StatusSeeOther)
}

// actionError shows a refused staff action on the coverage page.
func (m *module) actionError(c *fiber.Ctx, err error) error {
	msg := ""
	var conflict *check.Conflict
	if inv, ok := check.AsInvalid(err); ok {
		msg = joinFields(inv.Fields)
	} else if errors.As(err, &conflict) {
		msg = conflict.Msg
	} else {
		return err
	}
	return m.coverageView(c, fiber.StatusUnprocessableEntity, fiber.Map{"Summary": msg})
}

// back is the coverage page the form came from.
func (m *module) back(c *fiber.Ctx) string {
	v := url.Values{}
	for _, k := range []string{"election", "round", "departement", "commune"} {
		if x := c.FormValue("back_" + k); x != "" {
			v.Set(k, x)
		}
	}
	return "/staff/delegues?" + v.Encode()
}

func (m *module) volunteersPage(c *fiber.Ctx) error {
	e, err := m.staffElection(c)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Bénévoles assesseurs et délégués", "Roles": delegates.Roles,
		"Filter": fiber.Map{"departement": c.Query("departement"), "commune": c.Query("commune"), "role": c.Query("role"),
			"round": c.Query("round"), "status": c.Query("status"), "q": c.Query("q")}}
	if e != nil {
		// As the coverage page: a place that is not one, or outside the
		// reader's scope, is said so, not answered "Aucun bénévole": the
		// filter form stays, with what was typed and the reason next to
		// the place, to be corrected.
		f, err := volunteerFilter(c, e)
		if err != nil {
			status, ok := web.FilterRefused(err, c.Query("commune"), data)
			if !ok {
				return err
			}
			data["E"] = e
			return m.s.RenderStatus(c, status, "delegates/volunteers", data)
		}
		page, err := delegates.ListVolunteers(c.UserContext(), m.s.Pool, web.StaffUser(c), f)
		if err != nil {
			return err
		}
		data["E"], data["List"] = e, page
		// The other pages keep the filter.
		q := web.QueryParams(c)
		if page.Page > 1 {
			data["PrevURL"] = web.PageLink(c, q, page.Page-1)
		}
		if page.More {
			data["NextURL"] = web.PageLink(c, q, page.Page+1)
		}
	}
	return m.s.Render(c, "delegates/volunteers", data)
}

func (m *module) needsPage(c *fiber.Ctx) error {
	return m.needsView(c, fiber.StatusOK, fiber.Map{})
}

func (m *module) needsView(c *fiber.Ctx, status int, data fiber.Map) error {
	e, err := m.staffElection(c)
	if err != nil {
		return err
	}
	data["Title"], data["Roles"] = "Besoins, priorités et représentant·es", delegates.Roles
	if e != nil {
		rules, err := delegates.RoleRules(c.UserContext(), m.s.Pool, e.ID)
		if err != nil {
			return err
		}
		reps, err := delegates.Representatives(c.UserContext(), m.s.Pool, web.StaffUser(c), e.ID)
		if err != nil {
			return err
		}
		k, err := delegates.MaxBureauxPerDelegue(c.UserContext(), m.s.Pool, e)
		if err != nil {
			return err
		}
		data["E"], data["Rules"], data["Representatives"], data["MaxBureaux"], data["MaxBureauxLimit"] = e, rules, reps, k, delegates.MaxBureauxLimit
		data["Candidate"] = delegates.CandidateName(e.Candidate) // « représente la liste « … » »
	}
	form, ok := data["Form"].(map[string]string)
	if !ok {
		form = map[string]string{}
		data["Form"] = form
	}
	if k, ok := data["MaxBureaux"].(int); ok && form["max_bureaux_per_delegue"] == "" {
		form["max_bureaux_per_delegue"] = strconv.Itoa(k) // the setting as it is
	}
	return m.s.RenderStatus(c, status, "delegates/needs", data)
}

func (m *module) needsError(c *fiber.Ctx, err error) error {
	if inv, ok := check.AsInvalid(err); ok {
		return m.needsView(c, fiber.StatusUnprocessableEntity, fiber.Map{"Errors": inv.Fields, "Summary": inv.Message(), "Form": web.FormValues(c)})
	}
	return err
}

func (m *module) rolesForm(c *fiber.Ctx) error {
	// Round 0 (or none) is every round: anything else must be a round
	// number, or a typo would change the rules of both.
	round := 0
	if s := strings.TrimSpace(c.FormValue("round")); s != "" {
		var err error
		if round, err = strconv.Atoi(s); err != nil || round < 0 {
			return m.needsError(c, check.Field("round", "Cette élection n'a pas ce tour."))
		}
	}
	in := delegates.RolesInput{Election: c.FormValue("election"), Round: round, Scope: c.FormValue("scope"),
		Roles: web.FormList(c, "roles"), Reset: c.FormValue("reset") == "oui"}
	if err := m.desk.SetRoles(c.UserContext(), web.StaffUser(c), in); err != nil {
		return m.needsError(c, err)
	}
	return m.needsView(c, fiber.StatusOK, fiber.Map{"Notice": "Règle enregistrée."})
}

func (m *module) settingsForm(c *fiber.Ctx) error {
	k, err := strconv.Atoi(strings.TrimSpace(c.FormValue("max_bureaux_per_delegue")))
	if err != nil {
		k = 0 // refused below with the range
	}
	in := delegates.SettingsInput{Election: c.FormValue("election"), MaxBureauxPerDelegue: k}
	if err := m.desk.SetSettings(c.UserContext(), web.StaffUser(c), in); err != nil {
		return m.needsError(c, err)
	}
	return m.needsView(c, fiber.StatusOK, fiber.Map{"Notice": "Nombre de bureaux par délégué·e enregistré."})
}

func (m *module) priorityForm(c *fiber.Ctx) error {
	p, _ := strconv.Atoi(c.FormValue("priority"))
	in := delegates.PriorityInput{Election: c.FormValue("election"), CommuneCode: c.FormValue("commune_code"), BureauCode: c.FormValue("bureau_code"), Priority: p}
	if err := m.desk.SetPriority(c.UserContext(), web.StaffUser(c), in); err != nil {
		return m.needsError(c, err)
	}
	return m.needsView(c, fiber.StatusOK, fiber.Map{"Notice": "Priorité enregistrée."})
}

func (m *module) priorityImportForm(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil || fh.Size == 0 {
		return m.needsError(c, check.Field("file", "Choisissez le fichier CSV à importer."))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := m.desk.ImportPriorities(c.UserContext(), web.StaffUser(c), c.FormValue("election"), f)
	if err != nil {
		return m.needsError(c, err)
	}
	return m.needsView(c, fiber.StatusOK, fiber.Map{"Notice": fmt.Sprintf("%d priorités importées.", n)})
}

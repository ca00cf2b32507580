package proxyweb

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/places"
	"scrutin/logistics/proxies"
	"scrutin/web"
)

func paramID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, check.ErrNotFound
	}
	return id, nil
}

// filterFrom reads list filters from the query string (API and pages
// share the names: election, status, departement, commune, round, and for
// the lists of volunteers and requests the cursor after).
//
// A place or a round that is not one is a *check.Invalid (422), a place
// outside the reader's scope a *places.OutOfScope (403), as the delegates'
// lists answer: not an empty list, nor the whole list for a round ignored.
func (m *module) filterFrom(c *fiber.Ctx, forVolunteers bool) (proxies.Filter, error) {
	f := proxies.Filter{Election: c.Query("election"), Status: c.Query("status"), Departement: c.Query("departement"),
		Commune: c.Query("commune"), RoundParam: c.Query("round"), Limit: c.QueryInt("limit", queuePage), Offset: c.QueryInt("offset")}
	f.After, _ = strconv.ParseInt(c.Query("after"), 10, 64)
	// Every value that is not one first, all together; then the scope.
	if err := f.Normalize(c.UserContext(), m.s.Pool, forVolunteers); err != nil {
		return f, err
	}
	dep, com, err := places.CheckArea(web.StaffUser(c), f.Departement, f.Commune)
	if err != nil {
		return f, err
	}
	f.Departement, f.Commune = dep, com
	return f, nil
}

// filterForm is what the filter form of a staff list shows: the filter
// as read, or, when it was refused, what was typed, to be corrected.
type filterForm struct{ Election, Status, Departement, Commune, Round string }

// formOf is the form of a filter as read (the 04 of a "4").
func formOf(f proxies.Filter) filterForm {
	form := filterForm{Election: f.Election, Status: f.Status, Departement: f.Departement, Commune: f.Commune}
	if f.Round != 0 {
		form.Round = strconv.Itoa(f.Round)
	}
	return form
}

// typedForm is the form as the query string gave it.
func typedForm(c *fiber.Ctx) filterForm {
	q := func(k string) string { return strings.TrimSpace(c.Query(k)) }
	return filterForm{Election: q("election"), Status: q("status"), Departement: q("departement"), Commune: q("commune"), Round: q("round")}
}

// refusedFilter is how a staff list page answers a filter that
// filterFrom refused (web.FilterRefused): the form as typed, each reason
// next to its field, and nothing else, as the delegates' lists do. Rows,
// counts or an export under it would pass the whole scope off as the
// answer to a filter that was not applied. Any other error (the
// database) is returned as is.
func (m *module) refusedFilter(c *fiber.Ctx, err error, data fiber.Map, page string) error {
	status, ok := web.FilterRefused(err, c.Query("commune"), data)
	if !ok {
		return err
	}
	data["Form"], data["Refused"] = typedForm(c), true
	return m.s.RenderStatus(c, status, page, data)
}

func (m *module) listRequestsAPI(c *fiber.Ctx) error {
	f, err := m.filterFrom(c, false)
	if err != nil {
		return web.RefuseOutOfScope(c, err, c.Query("commune"))
	}
	list, err := proxies.ListRequests(c.UserContext(), m.s.Pool, web.StaffUser(c), f)
	if err != nil {
		return err
	}
	if err := m.s.AuditListRead(c, "proxy_requests", len(list.Requests)); err != nil {
		return err
	}
	return c.JSON(list)
}

func (m *module) requestAPIStaff(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	r, err := proxies.GetRequest(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

func (m *module) listVolunteersAPI(c *fiber.Ctx) error {
	f, err := m.filterFrom(c, true)
	if err != nil {
		return web.RefuseOutOfScope(c, err, c.Query("commune"))
	}
	list, err := proxies.ListVolunteers(c.UserContext(), m.s.Pool, web.StaffUser(c), f)
	if err != nil {
		return err
	}
	if err := m.s.AuditListRead(c, "proxy_volunteers", len(list.Volunteers)); err != nil {
		return err
	}
	return c.JSON(list)
}

func (m *module) volunteerAPIStaff(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	v, err := proxies.GetVolunteer(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

type matchBody struct {
	Round       int   `json:"round"`
	VolunteerID int64 `json:"volunteer_id"`
}

func (m *module) manualMatchAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var b matchBody
	if err := web.DecodeJSON(c, &b); err != nil {
		return err
	}
	if err := m.desk.ManualMatch(c.UserContext(), web.StaffUser(c), id, b.Round, b.VolunteerID); err != nil {
		return err
	}
	return m.requestAPIStaff(c)
}

func (m *module) unmatchAPI(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	var b struct {
		Round int `json:"round"`
	}
	if err := web.DecodeJSON(c, &b); err != nil {
		return err
	}
	if err := m.desk.Unmatch(c.UserContext(), web.StaffUser(c), id, b.Round); err != nil {
		return err
	}
	return m.requestAPIStaff(c)
}

// runMatch is the batch behind the API, the staff button and (through
// proxies.Desk.Match) `scrutin match proxies`.
func (m *module) runMatch(c *fiber.Ctx, slug string, dryRun bool) (*proxies.MatchResult, error) {
	// A batch plans and writes the whole election, beyond any scope, and
	// even a dry run tells national figures: admins only. Within a scope,
	// the instant path already proposes what each change frees.
	if !web.StaffUser(c).IsAdmin() {
		return nil, check.ErrForbidden
	}
	id, _, err := proxies.ElectionID(c.UserContext(), m.s.Pool, slug, m.s.Now())
	if err != nil {
		return nil, err
	}
	return m.desk.Match(c.UserContext(), id, proxies.MatchOptions{DryRun: dryRun, Actor: web.StaffUser(c).Actor()})
}

func (m *module) matchAPI(c *fiber.Ctx) error {
	var b struct {
		Election string `json:"election"`
		DryRun   bool   `json:"dry_run"`
	}
	if len(c.Body()) > 0 {
		if err := web.DecodeJSON(c, &b); err != nil {
			return err
		}
	}
	res, err := m.runMatch(c, b.Election, b.DryRun)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

var statusChoices = []struct{ Value, Label string }{
	{"", "Tous"},
	{proxies.RoundOpen, "Sans volontaire"},
	{proxies.RoundProposed, "Proposées"},
	{proxies.RoundAccepted, "Acceptées"},
	{proxies.RoundEstablished, "Établies"},
	{proxies.RoundCancelled, "Annulées"},
}

func (m *module) queuePage(c *fiber.Ctx) error {
	return m.queueView(c, fiber.StatusOK, fiber.Map{"Notice": matchNotice(c.Query("fait"), c.Query("bilan"))})
}

func (m *module) queueView(c *fiber.Ctx, status int, data fiber.Map) error {
	ctx := c.UserContext()
	es, err := elections.List(ctx, m.s.Pool)
	if err != nil {
		return err
	}
	data["Title"], data["Statuses"], data["Elections"] = "Procurations", statusChoices, es
	f, err := m.filterFrom(c, false)
	if err != nil {
		return m.refusedFilter(c, err, data, "proxies/staff_queue")
	}
	data["Form"] = formOf(f)
	u := web.StaffUser(c)
	list, err := proxies.ListQueue(ctx, m.s.Pool, u, f)
	if err != nil {
		return err
	}
	entries, total := list.Entries, list.Rounds
	// The batch acts on the filter's election, else on the only open one;
	// with several open, the page asks to choose.
	match, severalOpen := f.Election, false
	if match == "" {
		open, err := elections.OpenAt(ctx, m.s.Pool, m.s.Now())
		if err != nil {
			return err
		}
		if len(open) == 1 {
			match = open[0].Slug
		}
		severalOpen = len(open) > 1
	}
	// The export is one election's workbook: that of the rows listed. An
	// empty list shows none; its export is then the batch's election, the
	// workbook also holding the election's volunteers.
	export, spansSeveral := queueElection(f, list)
	if export == "" && !spansSeveral && total == 0 && hasRound(es, match, f.Round) {
		export = match
	}
	data["MatchElection"] = match
	data["Choose"] = chooseText(export != "", spansSeveral, severalOpen, u.IsAdmin())
	data["Entries"], data["Filter"], data["Now"] = entries, f, m.s.Now()
	if export != "" {
		data["ExportURL"], data["ExportLabel"] = exportLink(f, export)
	}
	if f.Offset > 0 {
		data["PrevURL"] = queueURL(f, max(f.Offset-f.Limit, 0))
	}
	if f.Offset+len(entries) < total {
		data["NextURL"] = queueURL(f, f.Offset+len(entries))
	}
	data["Counted"] = queueText(list.Requests, total, f.Offset+1, f.Offset+len(entries), f.Round)
	return m.s.RenderStatus(c, status, "proxies/staff_queue", data)
}

// queueElection is the election of the queue's rows under f, all pages
// included: the filter's, or the one every row belongs to; "" with
// several true when the rows belong to several, "" alone when there is
// no row.
func queueElection(f proxies.Filter, list *proxies.QueueList) (slug string, several bool) {
	switch {
	case f.Election != "":
		return f.Election, false
	case list.Elections == 1:
		return list.Election, false
	}
	return "", list.Elections > 1
}

// hasRound tells whether the election slug of es has the round (0: any
// round): an export refuses a round its election does not have.
func hasRound(es []elections.Election, slug string, round int) bool {
	for i := range es {
		if es[i].Slug == slug {
			_, ok := es[i].Round(round)
			return round == 0 || ok
		}
	}
	return false
}

// chooseText is the hint in place of what the queue cannot offer without
// an election chosen in its filter: the export when the list spans
// several elections (a workbook holds one; choosing makes the list show
// exactly what the file will), or when none is shown and several are
// open; the batch, for admins, when several are open. "" when nothing is
// missing.
func chooseText(exportable, spansSeveral, severalOpen, admin bool) string {
	why, export := "Plusieurs élections sont ouvertes", "exporter"
	if spansSeveral {
		why, export = "Cette liste couvre plusieurs élections", "l'exporter"
	}
	var do []string
	if !exportable && (spansSeveral || severalOpen) {
		do = append(do, export)
	}
	if admin && severalOpen {
		do = append(do, "lancer l'appariement")
	}
	if len(do) == 0 {
		return ""
	}
	return why + " : choisissez-en une dans le filtre pour " + strings.Join(do, " ou ") + "."
}

// queueText is the sentence above the queue: how many requests (people)
// the filter matches and, when some ask for both rounds, how many rows
// that makes (one per request round), then which rows the page shows when
// it shows only some; with a round filter, which round. "" when nothing
// matches (the table says so).
func queueText(requests, rows, first, last, round int) string {
	if rows == 0 {
		return ""
	}
	s := fr.Count(requests, "demande", "demandes")
	if round != 0 {
		s += " " + fr.TheRound("pour", round)
	}
	if rows != requests {
		s += ", soit " + fr.Count(rows, "ligne", "lignes") + " (une par tour demandé)"
	}
	if requests > 1 {
		s += ", de la plus ancienne à la plus récente"
	}
	if shown := last - first + 1; shown > 0 && shown < rows {
		s += " ; " + fr.Noun(shown, "ligne", "lignes") + " " + fr.Number(first)
		if shown > 1 {
			s += " à " + fr.Number(last)
		}
		s += " " + fr.Noun(shown, "affichée", "affichées")
	}
	return s + "."
}

// exportLink is the queue's export of the election exported: the list's
// filters that the proxies export reads (exports.Export.Params, which
// refuses any other), and its label, which names the filters of the list
// it cannot carry. The place is the commune when there is one (filterFrom
// gives it with its département), else the département.
func exportLink(f proxies.Filter, election string) (link, label string) {
	accepts := func(string) bool { return false }
	if e, ok := exports.Lookup("proxies"); ok {
		accepts = func(p string) bool { return slices.Contains(e.Params, p) }
	}
	q := url.Values{}
	var dropped []string
	carry := func(param, value, name string) {
		switch {
		case value == "":
		case accepts(param):
			q.Set(param, value)
		default:
			dropped = append(dropped, "« "+name+" »")
		}
	}
	carry("election", election, "Élection")
	carry("status", f.Status, "Statut")
	if f.Commune != "" {
		carry("commune", f.Commune, "Commune")
	} else {
		carry("departement", f.Departement, "Département")
	}
	if f.Round != 0 {
		carry("round", strconv.Itoa(f.Round), "Tour")
	}
	label = "Exporter cette liste (Excel)"
	if len(dropped) > 0 {
		label += ", sans " + fr.Noun(len(dropped), "le filtre", "les filtres") + " " + fr.List(dropped, "et")
	}
	return "/api/v1/exports/proxies.xlsx?" + q.Encode(), label
}

// queuePage is the queue's default page size (filterFrom's limit).
const queuePage = 200

// queueURL is the queue with f's filters, from entry offset on.
func queueURL(f proxies.Filter, offset int) string {
	q := url.Values{}
	for k, v := range map[string]string{"election": f.Election, "status": f.Status, "departement": f.Departement, "commune": f.Commune} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Round != 0 {
		q.Set("round", strconv.Itoa(f.Round))
	}
	if f.Limit != queuePage {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Offset = offset; offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	return "/staff/procurations?" + q.Encode()
}

func (m *module) matchForm(c *fiber.Ctx) error {
	res, err := m.runMatch(c, c.FormValue("election"), false)
	if err != nil {
		if inv, ok := check.AsInvalid(err); ok {
			return m.queueView(c, fiber.StatusUnprocessableEntity, fiber.Map{"Summary": inv.Fields["election"]})
		}
		return err
	}
	// Redirect after POST, the result in the address: reloading the page
	// shows it again without running again.
	q := url.Values{"fait": {"appariement"}, "bilan": {fmt.Sprintf("%d-%d-%d", res.Proposed, res.Moved, res.Unmatched)}}
	if e := strings.TrimSpace(c.FormValue("election")); e != "" {
		q.Set("election", e)
	}
	return c.Redirect("/staff/procurations?"+q.Encode(), fiber.StatusSeeOther)
}

// matchNotice is the result of a batch the queue was sent back to after it
// (matchForm): "proposed-moved-unmatched"; "" if malformed. Unmatched
// counts request rounds, as the queue's rows do.
func matchNotice(done, figures string) string {
	n, ok := web.Figures(figures, 3)
	if done != "appariement" || !ok {
		return ""
	}
	return fmt.Sprintf("Appariement terminé : %s, %s, %s.", fr.Count(n[0], "nouvelle proposition", "nouvelles propositions"),
		fr.Count(n[1], "déplacée", "déplacées"), fr.Count(n[2], "tour de demande sans volontaire possible", "tours de demande sans volontaire possible"))
}

var staffNotices = map[string]string{
	"propose":    "La proposition est envoyée au ou à la volontaire.",
	"desapparie": "L'appariement est annulé ; la demande est de nouveau en recherche.",
}

func (m *module) staffRequestPage(c *fiber.Ctx) error {
	return m.staffRequestView(c, fiber.StatusOK, fiber.Map{"Notice": staffNotices[c.Query("fait")]})
}

func (m *module) staffRequestView(c *fiber.Ctx, status int, data fiber.Map) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	d, err := m.desk.LoadRequestDetail(c.UserContext(), web.StaffUser(c), id)
	if err != nil {
		return err
	}
	data["Title"] = fmt.Sprintf("Demande n° %d", id)
	data["R"] = d
	return m.s.RenderStatus(c, status, "proxies/staff_request", data)
}

func (m *module) manualMatchForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	round, _ := strconv.Atoi(c.FormValue("round"))
	vol, _ := strconv.ParseInt(c.FormValue("volunteer_id"), 10, 64)
	if err := m.desk.ManualMatch(c.UserContext(), web.StaffUser(c), id, round, vol); err != nil {
		return m.staffFormError(c, err)
	}
	return c.Redirect(fmt.Sprintf("/staff/procurations/demandes/%d?fait=propose", id), fiber.StatusSeeOther)
}

func (m *module) unmatchForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	round, _ := strconv.Atoi(c.FormValue("round"))
	if err := m.desk.Unmatch(c.UserContext(), web.StaffUser(c), id, round); err != nil {
		return m.staffFormError(c, err)
	}
	return c.Redirect(fmt.Sprintf("/staff/procurations/demandes/%d?fait=desapparie", id), fiber.StatusSeeOther)
}

// staffFormError shows the request page again with why an action failed.
func (m *module) staffFormError(c *fiber.Ctx, err error) error {
	var conflict *check.Conflict
	if inv, ok := check.AsInvalid(err); ok {
		return m.staffRequestView(c, fiber.StatusUnprocessableEntity, fiber.Map{"Summary": inv.Message() + " " + joinFields(inv.Fields)})
	}
	if errors.As(err, &conflict) {
		return m.staffRequestView(c, fiber.StatusConflict, fiber.Map{"Summary": conflict.Msg})
	}
	return err
}

func joinFields(f check.Errors) string {
	s := ""
	for _, v := range f {
		s += v + " "
	}
	return s
}

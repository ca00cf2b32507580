package proxyweb

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/proxies"
	"scrutin/web"
)

// The staff pages of proxy volunteers (mandataires): the list of a scope
// with counts per situation, and each volunteer's page with the offers
// they received and the organizers' withdrawal. Pairing a volunteer stays
// on the request page (manual match), where the candidates are ranked.

// volunteerPageSize is the number of rows of a list page: the national
// list can hold 100,000 volunteers, the page walks it with the keyset
// cursor of proxies.ListVolunteers.
const volunteerPageSize = 50

const volunteersPath = "/staff/procurations/volontaires"

func (m *module) volunteerRoutes(pages fiber.Router) {
	pages.Get(volunteersPath, m.s.RequireStaff(false), m.volunteersPage)
	pages.Get(volunteersPath+"/:id", m.s.RequireStaff(false), m.staffVolunteerPage)
	pages.Post(volunteersPath+"/:id/retirer", m.s.RequireStaff(true), m.withdrawVolunteerForm)
}

// situationTab is one count above the list, a link to the list filtered
// on it.
type situationTab struct {
	Value, Label, URL string
	Count             int64
	Current           bool
}

var situationChoices = []struct{ Value, Label string }{
	{"", "Tous"},
	{proxies.VolunteerAvailable, "Disponibles"},
	{proxies.VolunteerOffered, "Proposition en attente"},
	{proxies.VolunteerCarrying, "Portent une procuration"},
	{proxies.VolunteerWithdrawn, "Retiré·es"},
}

// volunteersURL is the list with filter f, situation status, from the
// cursor after (0: first page).
func volunteersURL(f proxies.Filter, status string, after int64) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("election", f.Election)
	set("status", status)
	set("departement", f.Departement)
	set("commune", f.Commune)
	if f.Round != 0 {
		q.Set("round", strconv.Itoa(f.Round))
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	if len(q) == 0 {
		return volunteersPath
	}
	return volunteersPath + "?" + q.Encode()
}

func (m *module) volunteersPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	es, err := elections.List(ctx, m.s.Pool)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Volontaires procurations", "Statuses": situationChoices, "Elections": es}
	f, err := m.filterFrom(c, true)
	if err != nil {
		return m.refusedFilter(c, err, data, "proxies/staff_volunteers")
	}
	data["Form"] = formOf(f)
	// The page walks with the cursor only: an offset would make deep pages
	// scan everything before them.
	f.Limit, f.Offset = volunteerPageSize, 0
	list, err := proxies.ListVolunteers(ctx, m.s.Pool, web.StaffUser(c), f)
	if err != nil {
		return err
	}
	tabs := make([]situationTab, len(situationChoices))
	for i, s := range situationChoices {
		tabs[i] = situationTab{Value: s.Value, Label: s.Label, URL: volunteersURL(f, s.Value, 0), Count: list.Counts.Of(s.Value), Current: s.Value == f.Status}
	}
	data["List"], data["Filter"], data["Tabs"] = list, f, tabs
	data["Now"], data["Matching"] = m.s.Now(), matchingText(f, list.Counts)
	if list.NextAfter != 0 {
		data["NextURL"] = volunteersURL(f, f.Status, list.NextAfter)
	}
	if f.After != 0 {
		data["FirstURL"] = volunteersURL(f, f.Status, 0)
	}
	return m.s.RenderStatus(c, fiber.StatusOK, "proxies/staff_volunteers", data)
}

// matchingText is the sentence above the list: how many volunteers the
// filter matches, the very figure of the current tab (Counts.Of), said as
// what it counts; when the filter takes every situation, how many of them
// are available (the "Disponibles" tab), and how many withdrew (the
// "Retiré·es" tab), never counted among the others: without a round,
// those still on the list are active (Counts.Active); with a round, the
// filter keeps the volunteers who signed up for it, in their situation
// of that round, and those still on the list are registered for it.
// "" when nothing matches (the table says so).
func matchingText(f proxies.Filter, c proxies.VolunteerCounts) string {
	n := int(c.Of(f.Status))
	if n == 0 {
		return ""
	}
	atRound, forRound := "", ""
	if f.Round != 0 {
		atRound = " " + fr.TheRound("à", f.Round)
		forRound = " " + fr.Noun(n, "inscrit·e", "inscrit·es") + " " + fr.TheRound("pour", f.Round)
	}
	var s string
	switch f.Status {
	case proxies.VolunteerAvailable:
		s = fr.Count(n, "volontaire disponible", "volontaires disponibles") + atRound
	case proxies.VolunteerOffered:
		s = fr.Count(n, "volontaire", "volontaires") + " avec une proposition en attente" + atRound
	case proxies.VolunteerCarrying:
		s = fr.Count(n, "volontaire", "volontaires") + " portant une procuration" + atRound
	case proxies.VolunteerWithdrawn:
		s = fr.Count(n, "volontaire retiré·e", "volontaires retiré·es")
		if f.Round != 0 {
			s += " (" + strings.TrimSpace(forRound) + ")"
		}
	default: // every situation, or every active one
		available := int(c.Available)
		if available == n {
			s = fr.Count(n, "volontaire disponible", "volontaires disponibles") + atRound
			break
		}
		// The withdrawn are not active, nor registered for a round: the
		// sentence splits the tab's figure into the two.
		withdrawn := 0
		if f.Status == "" {
			withdrawn = int(c.Withdrawn)
		}
		registered := n - withdrawn
		if registered == 0 {
			s = fr.Count(n, "volontaire retiré·e", "volontaires retiré·es")
			if f.Round != 0 {
				s += " (" + strings.TrimSpace(forRound) + ")"
			}
			break
		}
		s = fr.Count(n, "volontaire", "volontaires")
		if f.Status == proxies.VolunteerActive {
			s = fr.Count(n, "volontaire actif·ve", "volontaires actif·ves")
		}
		switch {
		case withdrawn > 0 && f.Round != 0:
			s += " : " + fr.Count(registered, "inscrit·e", "inscrit·es") + " " + fr.TheRound("pour", f.Round)
		case withdrawn > 0:
			s += " : " + fr.Count(registered, "actif·ve", "actif·ves")
		default:
			s += forRound
		}
		s += ", "
		if available == 0 {
			s += "aucun·e disponible"
		} else {
			s += "dont " + fr.Count(available, "disponible", "disponibles")
		}
		if f.Round != 0 {
			s += " à ce tour"
		}
		if withdrawn > 0 {
			s += ", et " + fr.Count(withdrawn, "retiré·e", "retiré·es")
		}
	}
	if f.After != 0 {
		s += " (suite de la liste)"
	}
	return s + "."
}

var volunteerNotices = map[string]string{
	"retire": "Le ou la volontaire est retiré·e de la liste : ses propositions sont retirées et les personnes concernées prévenues.",
}

func (m *module) staffVolunteerPage(c *fiber.Ctx) error {
	return m.staffVolunteerView(c, fiber.StatusOK, fiber.Map{"Notice": volunteerNotices[c.Query("fait")]})
}

func (m *module) staffVolunteerView(c *fiber.Ctx, status int, data fiber.Map) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	v, err := proxies.LoadVolunteerDetail(c.UserContext(), m.s.Pool, web.StaffUser(c), id)
	if err != nil {
		return err
	}
	data["Title"] = fmt.Sprintf("Volontaire n° %d", id)
	data["V"], data["Now"] = v, m.s.Now()
	// The page names the election, not its slug.
	e, err := elections.BySlug(c.UserContext(), m.s.Pool, v.Election)
	if err != nil {
		return err
	}
	data["ElectionName"] = e.Name
	return m.s.RenderStatus(c, status, "proxies/staff_volunteer", data)
}

func (m *module) withdrawVolunteerForm(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := m.desk.StaffWithdrawVolunteer(c.UserContext(), web.StaffUser(c), id); err != nil {
		var conflict *check.Conflict
		if errors.As(err, &conflict) {
			return m.staffVolunteerView(c, fiber.StatusConflict, fiber.Map{"Summary": conflict.Msg})
		}
		return err
	}
	return c.Redirect(fmt.Sprintf("%s/%d?fait=retire", volunteersPath, id), fiber.StatusSeeOther)
}

// Package notifyweb is the admins' view of the outbox: the "Messages" page
// lists what scrutin sent, is about to send or could not send, shows each
// message's full text (what an admin forwards by hand when no provider is
// configured) and puts failed ones back in the queue; /api/v1/messages is
// its JSON twin.
package notifyweb

import (
	"context"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"scrutin/logistics/fr"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
	"scrutin/logistics/token"
	"scrutin/web"
)

// Routes is the web.Module of the Messages page. Everything here is for
// national admins: message bodies hold personal data of every scope.
func Routes(s *web.Server, api, pages fiber.Router) {
	h := &handlers{s: s}
	pages.Get("/staff/messages", s.RequireAdmin, h.listPage)
	pages.Post("/staff/messages/renvoyer-echecs", s.RequireAdmin, h.retryFailedForm)
	pages.Get("/staff/messages/:id<int>", s.RequireAdmin, h.messagePage)
	pages.Post("/staff/messages/:id<int>/renvoyer", s.RequireAdmin, h.retryForm)
	api.Get("/messages", s.RequireAdmin, h.listAPI)
	api.Get("/messages/:id<int>", s.RequireAdmin, h.messageAPI)
	api.Post("/messages/:id<int>/retry", s.RequireAdmin, h.retryAPI)
	s.AddDashboard("Messages", "/staff/messages", h.dashboard)
}

type handlers struct{ s *web.Server }

func filterFrom(c *fiber.Ctx) notify.Filter {
	return notify.Filter{
		Status:    c.Query("status"),
		Channel:   c.Query("channel"),
		Kind:      c.Query("kind"),
		Recipient: c.Query("recipient"),
		Page:      c.QueryInt("page", 1),
		PerPage:   c.QueryInt("per_page", 0),
	}
}

// row is a message as the list shows it.
type row struct {
	notify.Entry
	StatusLabel, StatusClass, ChannelLabel, KindLabel string
	Retryable                                         bool
}

// kindOption is an entry of the Type filter: the code is the value, the
// French label is what admins read.
type kindOption struct{ Value, Label string }

func kindOptions(kinds []string) []kindOption {
	opts := make([]kindOption, len(kinds))
	for i, k := range kinds {
		opts[i] = kindOption{Value: k, Label: notify.KindLabel(k)}
	}
	return opts
}

func statusLabel(st notify.Status) (label, class string) {
	switch st {
	case notify.Sent:
		return "Envoyé", "ok"
	case notify.Failed:
		return "En échec", "err"
	default:
		return "En attente", "warn"
	}
}

func channelLabel(ch notify.Channel) string {
	if ch == notify.SMS {
		return "SMS"
	}
	return "E-mail"
}

// retryable: a failed message, or a pending one waiting after a failure
// (not one being sent right now).
func retryable(e notify.Entry) bool {
	return e.Status == notify.Failed || e.Status == notify.Pending && e.Attempts > 0 && !e.Leased
}

func toRow(e notify.Entry) row {
	l, cl := statusLabel(e.Status)
	return row{Entry: e, StatusLabel: l, StatusClass: cl, ChannelLabel: channelLabel(e.Channel),
		KindLabel: notify.KindLabel(e.Kind), Retryable: retryable(e)}
}

// pageURL is the list URL with the same filters on another page.
func pageURL(f notify.Filter, page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"status": f.Status, "channel": f.Channel, "kind": f.Kind, "recipient": f.Recipient} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if f.PerPage != 50 {
		v.Set("per_page", strconv.Itoa(f.PerPage))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/staff/messages"
	}
	return "/staff/messages?" + v.Encode()
}

func (h *handlers) listPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := filterFrom(c)
	kinds, err := notify.Kinds(ctx, h.s.Pool)
	if err != nil {
		return err
	}
	counts, err := notify.CountByStatus(ctx, h.s.Pool)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Messages", "Filter": f, "Kinds": kindOptions(kinds), "Counts": counts,
		"RetryFailedLabel": retryFailedLabel(counts.Failed)}
	p, err := notify.List(ctx, h.s.Pool, f)
	if err != nil {
		return h.s.FormError(c, err, "notify/list", data)
	}
	f.Page, f.PerPage = p.Page, p.PerPage
	rows := make([]row, len(p.Messages))
	for i, e := range p.Messages {
		rows[i] = toRow(e)
	}
	data["Rows"], data["Result"], data["Total"] = rows, p, fr.Count(int(p.Total), "message", "messages")
	if p.Page > 1 {
		data["PrevURL"] = pageURL(f, p.Page-1)
	}
	if p.Page < p.Pages {
		data["NextURL"] = pageURL(f, p.Page+1)
	}
	if n := c.QueryInt("renvoyes", -1); n >= 0 {
		data["Notice"] = retriedNotice(n)
	}
	return h.s.Render(c, "notify/list", data)
}

// retryFailedLabel is the button that puts the n failed messages back in
// the queue: "Renvoyer le message en échec", "Renvoyer les 3 messages en
// échec".
func retryFailedLabel(n int64) string {
	if n < 2 {
		return "Renvoyer le message en échec"
	}
	return "Renvoyer les " + fr.Count(int(n), "message", "messages") + " en échec"
}

// retriedNotice says how many failed messages went back in the queue.
func retriedNotice(n int) string {
	switch n {
	case 0:
		return "Aucun message en échec : rien n'a été remis dans la file d'envoi."
	case 1:
		return "1 message en échec remis dans la file d'envoi."
	}
	return fr.Count(n, "message", "messages") + " en échec remis dans la file d'envoi."
}

// read returns one message with its body and audits the reading: bodies
// can carry a volunteer's NNE and birth date. The private links of a
// message already sent are masked: its recipient has it, and whoever
// opened the link here could act as them (accept an offer, spend a
// mandant's views of the NNE). A message still waiting, as all do without
// a provider, shows them, for an admin to pass it on.
func (h *handlers) read(c *fiber.Ctx) (*notify.Entry, error) {
	id, err := c.ParamsInt("id")
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	var e *notify.Entry
	err = pgdb.Tx(c.UserContext(), h.s.Pool, func(tx pgx.Tx) error {
		var err error
		if e, err = notify.Get(c.UserContext(), tx, int64(id)); err != nil {
			return err
		}
		if e.Status == notify.Sent {
			e.Body = token.MaskLinks(e.Body)
		}
		return staff.Audit(c.UserContext(), tx, web.StaffUser(c).Actor(), "message.view", "outbox", strconv.Itoa(id), nil)
	})
	return e, err
}

func (h *handlers) messagePage(c *fiber.Ctx) error {
	e, err := h.read(c)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Message n° " + strconv.FormatInt(e.ID, 10), "Message": toRow(*e)}
	if c.Query("renvoye") != "" {
		data["Notice"] = "Message remis dans la file d'envoi : il part dès qu'un fournisseur d'envoi l'accepte."
	}
	return h.s.Render(c, "notify/message", data)
}

// retry puts one message back in the queue, with its audit row.
func (h *handlers) retry(c *fiber.Ctx) (int64, error) {
	id, err := c.ParamsInt("id")
	if err != nil {
		return 0, fiber.ErrNotFound
	}
	ctx := c.UserContext()
	return int64(id), pgdb.Tx(ctx, h.s.Pool, func(tx pgx.Tx) error {
		if err := notify.Retry(ctx, tx, int64(id)); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, web.StaffUser(c).Actor(), "message.retry", "outbox", strconv.Itoa(id), nil)
	})
}

func (h *handlers) retryForm(c *fiber.Ctx) error {
	id, err := h.retry(c)
	if err != nil {
		return err
	}
	return c.Redirect("/staff/messages/"+strconv.FormatInt(id, 10)+"?renvoye=1", fiber.StatusSeeOther)
}

func (h *handlers) retryFailedForm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var n int64
	err := pgdb.Tx(ctx, h.s.Pool, func(tx pgx.Tx) error {
		var err error
		if n, err = notify.RetryFailed(ctx, tx); err != nil {
			return err
		}
		return staff.Audit(ctx, tx, web.StaffUser(c).Actor(), "message.retry_failed", "outbox", "", map[string]any{"count": n})
	})
	if err != nil {
		return err
	}
	return c.Redirect("/staff/messages?renvoyes="+strconv.FormatInt(n, 10), fiber.StatusSeeOther)
}

func (h *handlers) listAPI(c *fiber.Ctx) error {
	p, err := notify.List(c.UserContext(), h.s.Pool, filterFrom(c))
	if err != nil {
		return err
	}
	counts, err := notify.CountByStatus(c.UserContext(), h.s.Pool)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"messages": p.Messages, "total": p.Total, "page": p.Page, "per_page": p.PerPage,
		"pages": p.Pages, "counts": counts})
}

func (h *handlers) messageAPI(c *fiber.Ctx) error {
	e, err := h.read(c)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func (h *handlers) retryAPI(c *fiber.Ctx) error {
	id, err := h.retry(c)
	if err != nil {
		return err
	}
	e, err := notify.Get(c.UserContext(), h.s.Pool, id)
	if err != nil {
		return err
	}
	e.Body = "" // reading the body is audited: ask GET /messages/{id}
	return c.JSON(e)
}

func (h *handlers) dashboard(ctx context.Context, u *staff.User) ([]web.DashboardCount, error) {
	if !u.IsAdmin() {
		return nil, nil
	}
	n, err := notify.CountByStatus(ctx, h.s.Pool)
	if err != nil {
		return nil, err
	}
	return []web.DashboardCount{
		{Label: "En attente", Value: n.Pending},
		{Label: "Envoyés", Value: n.Sent},
		{Label: "En échec", Value: n.Failed, Alert: n.Failed > 0},
	}, nil
}

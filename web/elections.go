package web

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"

	"github.com/jackc/pgx/v5"
)

func (s *Server) electionRoutes(api, pages fiber.Router) {
	api.Get("/elections", s.listElections)
	api.Post("/elections", s.RequireAdmin, s.createElectionAPI)
	pages.Get("/staff/elections", s.RequireStaff(false), s.electionsPage)
	pages.Post("/staff/elections", s.RequireAdmin, s.createElectionForm)
}

func (s *Server) listElections(c *fiber.Ctx) error {
	es, err := elections.List(c.UserContext(), s.Pool)
	if err != nil {
		return err
	}
	if es == nil {
		es = []elections.Election{}
	}
	return c.JSON(fiber.Map{"elections": es})
}

// createElection is the one path behind the API and the form.
func (s *Server) createElection(c *fiber.Ctx, in elections.Input) (*elections.Election, error) {
	var e *elections.Election
	err := pgdb.Tx(c.UserContext(), s.Pool, func(tx pgx.Tx) error {
		var err error
		if e, err = elections.Create(c.UserContext(), tx, in); err != nil {
			return err
		}
		return staff.Audit(c.UserContext(), tx, StaffUser(c).Actor(), "election.create", "election", e.Slug, nil)
	})
	return e, err
}

func (s *Server) createElectionAPI(c *fiber.Ctx) error {
	var in elections.Input
	if err := DecodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.createElection(c, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (s *Server) electionsPage(c *fiber.Ctx) error {
	return s.electionsView(c, fiber.StatusOK, fiber.Map{})
}

func (s *Server) electionsView(c *fiber.Ctx, status int, data fiber.Map) error {
	es, err := elections.List(c.UserContext(), s.Pool)
	if err != nil {
		return err
	}
	data["Title"] = "Élections"
	data["Elections"] = es
	return s.RenderStatus(c, status, "staff/elections", data)
}

func (s *Server) createElectionForm(c *fiber.Ctx) error {
	in := elections.Input{Name: c.FormValue("name"), Slug: c.FormValue("slug"),
		Candidate: c.FormValue("candidate"), Representative: c.FormValue("representative")}
	for i, key := range []string{"round1", "round2"} {
		if d := c.FormValue(key); d != "" {
			in.Rounds = append(in.Rounds, elections.RoundInput{Number: i + 1, Date: d})
		}
	}
	if _, err := s.createElection(c, in); err != nil {
		data := fiber.Map{"Form": FormValues(c)}
		if inv, ok := check.AsInvalid(err); ok {
			data["Errors"], data["Summary"] = inv.Fields, inv.Message()
			return s.electionsView(c, fiber.StatusUnprocessableEntity, data)
		}
		return err
	}
	return c.Redirect("/staff/elections", fiber.StatusSeeOther)
}

// PublicElection is the election a public form is for (see
// Server.PublicElection).
type PublicElection struct {
	Election *elections.Election // nil: none to show
	Open     []elections.Election
	Unknown  bool // a slug that names no open election
}

// Status is the page's HTTP status: 404 for a slug that names no open
// election.
func (p PublicElection) Status() int {
	if p.Unknown {
		return fiber.StatusNotFound
	}
	return fiber.StatusOK
}

// PublicElection reads which election a public form is for: the one named
// by ?election=SLUG (or the form's hidden field) if it is open, else the
// only open one; Open lists the open elections, for people to choose from
// (templates/partials/election_choice.html). Open here means taking
// sign-ups (elections.Election.TakesSignUps), as for the API.
func (s *Server) PublicElection(c *fiber.Ctx) (PublicElection, error) {
	open, err := elections.SignUpsAt(c.UserContext(), s.Pool, s.Now())
	if err != nil {
		return PublicElection{}, err
	}
	out := PublicElection{Open: open}
	slug := elections.NormalizeSlug(c.Query("election", c.FormValue("election")))
	switch {
	case slug != "":
		if i := slices.IndexFunc(open, func(e elections.Election) bool { return e.Slug == slug }); i >= 0 {
			out.Election = &open[i]
		} else {
			out.Unknown = true
		}
	case len(open) == 1:
		out.Election = &open[0]
	}
	return out, nil
}

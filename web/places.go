package web

import (
	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/places"
)

func (s *Server) placeRoutes(api, pages fiber.Router) {
	api.Get("/communes", s.searchCommunes)
	api.Get("/communes/:code/bureaux", s.communeBureaux)
	s.importRoutes(api, pages)
}

func (s *Server) searchCommunes(c *fiber.Ctx) error {
	found, err := places.Search(c.UserContext(), s.Pool, c.Query("q"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(found)
}

func (s *Server) communeBureaux(c *fiber.Ctx) error {
	code, ok := places.NormalizeCommune(c.Params("code"))
	if !ok {
		return fiber.ErrNotFound
	}
	if _, err := places.GetCommune(c.UserContext(), s.Pool, code); err != nil {
		return err
	}
	bs, err := places.BureauxOf(c.UserContext(), s.Pool, code)
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []places.Bureau{}
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(bs)
}

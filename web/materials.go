package web

import "github.com/gofiber/fiber/v2"

func (s *Server) materialRoutes(api, pages fiber.Router) {}

package web

import "github.com/gofiber/fiber/v2"

func (s *Server) delegateRoutes(api, pages fiber.Router) {}

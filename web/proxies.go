package web

import "github.com/gofiber/fiber/v2"

func (s *Server) proxyRoutes(api, pages fiber.Router) {}

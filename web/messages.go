package web

import "github.com/gofiber/fiber/v2"

func (s *Server) messageRoutes(api, pages fiber.Router) {}

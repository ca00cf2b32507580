package web

import "github.com/gofiber/fiber/v2"

// importRoutes: the admin upload page for reference files (communes, bureaux).
func (s *Server) importRoutes(api, pages fiber.Router) {}

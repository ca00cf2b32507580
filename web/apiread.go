package web

import (
	"github.com/gofiber/fiber/v2"

	"scrutin/logistics/staff"
)

// AuditListRead records a page of people read through a JSON list of the
// API (proxy requests and volunteers, delegate volunteers, material
// orders): a script paging through one gets what an export gives, so the
// journal says who read which list, with which filters and scope, and how
// many rows, as it does for exports. A page of nobody is not recorded.
func (s *Server) AuditListRead(c *fiber.Ctx, list string, rows int) error {
	if rows == 0 {
		return nil
	}
	u := StaffUser(c)
	details := map[string]any{"rows": rows, "scope": u.Scope}
	for k, v := range c.Queries() {
		if _, taken := details[k]; !taken {
			details[k] = v
		}
	}
	return staff.Audit(c.UserContext(), s.Pool, u.Actor(), "api_read."+list, "api", list, details)
}

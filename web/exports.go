package web

import (
	"fmt"
	"net/url"
	"os"

	"github.com/gofiber/fiber/v2"

	"scrutin/exports"
)

// SendExport runs a registered export for the logged-in staff member and
// sends it as a download. The document is built in a temporary file (memory
// stays bounded whatever its size) so that an error still gets a proper
// status instead of a truncated file.
func (s *Server) SendExport(c *fiber.Ctx, name string, p exports.Params) error {
	e, ok := exports.Lookup(name)
	if !ok {
		return fiber.ErrNotFound
	}
	u := StaffUser(c)
	f, err := os.CreateTemp("", "scrutin-export-*")
	if err != nil {
		return err
	}
	os.Remove(f.Name()) // the open descriptor keeps it until sent
	if _, err := exports.Run(c.UserContext(), s.Pool, u, u.Actor(), name, p, f); err != nil {
		f.Close()
		return err
	}
	size, err := f.Seek(0, 1)
	if err != nil {
		f.Close()
		return err
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return err
	}
	filename := e.Filename(p)
	c.Set(fiber.HeaderContentType, e.ContentType)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiName(filename), url.PathEscape(filename)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendStream(f, int(size))
}

// QueryParams copies the query string into export parameters.
func QueryParams(c *fiber.Ctx) exports.Params {
	p := exports.Params{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { p[string(k)] = string(v) })
	return p
}

func asciiName(s string) string {
	b := []byte{}
	for _, r := range s {
		if r < 128 && r > 31 && r != '"' && r != '\\' {
			b = append(b, byte(r))
		} else {
			b = append(b, '_')
		}
	}
	return string(b)
}

package web

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/gofiber/fiber/v2"

	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/places"
)

// SendExport runs a registered export for the logged-in staff member and
// sends it as a download. The document is built in a temporary file (memory
// stays bounded whatever its size) so that an error still gets a proper
// status instead of a truncated file. The download is named as its audit
// row is, after what was exported (exports.Result.Filename: the election
// when none was given, the place as read). A place outside the caller's
// scope answers 403 with the reason (RefuseOutOfScope).
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
	res, err := exports.Run(c.UserContext(), s.Pool, u, u.Actor(), name, p, f)
	if err != nil {
		f.Close()
		return RefuseOutOfScope(c, err, p["commune"])
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
	filename := res.Filename
	c.Set(fiber.HeaderContentType, e.ContentType)
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiName(filename), url.PathEscape(filename)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendStream(f, int(size))
}

// RefuseOutOfScope answers a place outside the caller's scope (a
// *places.OutOfScope from places.CheckArea) the one way every staff list
// and export does: 403 with the reason (« Le département 75 est hors de
// votre périmètre. ») as the summary and, in the API, under the parameter
// that named the place: commune, the commune the request gave, when there
// is one (CheckArea checks it first), else the département. A page gets
// the reason on the error page. Any other error is returned as is.
func RefuseOutOfScope(c *fiber.Ctx, err error, commune string) error {
	var outside *places.OutOfScope
	if !errors.As(err, &outside) {
		return err
	}
	if !isAPI(c) {
		return &Refusal{Status: fiber.StatusForbidden, Message: outside.Message}
	}
	return c.Status(fiber.StatusForbidden).JSON(fiber.Map{"error": outside.Message, "fields": check.Errors{placeField(commune): outside.Message}})
}

// placeField is the parameter that named a place outside scope: commune
// when one was given (CheckArea checks it first), else departement.
func placeField(commune string) string {
	if strings.TrimSpace(commune) != "" {
		return "commune"
	}
	return "departement"
}

// FilterRefused is how a staff page answers a filter it refused, the
// page's twin of RefuseOutOfScope: each reason under its field in
// data["Errors"] (outside scope, under the field that named the place, as
// the API says it), and the status: 422 for a value that is not one (a
// *check.Invalid, its summary in data["Summary"]), 403 for a place outside
// the reader's scope. ok is false for any other error (the database),
// which the page returns as is.
func FilterRefused(err error, commune string, data fiber.Map) (status int, ok bool) {
	if inv, isInv := check.AsInvalid(err); isInv {
		data["Errors"], data["Summary"] = inv.Fields, inv.Message()
		return fiber.StatusUnprocessableEntity, true
	}
	var outside *places.OutOfScope
	if !errors.As(err, &outside) {
		return 0, false
	}
	data["Errors"] = check.Errors{placeField(commune): outside.Message}
	return fiber.StatusForbidden, true
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

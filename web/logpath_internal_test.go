package web

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// The request log never holds a secret of the path: a private link's
// token or a staff invitation's.
func TestLogPathHidesSecrets(t *testing.T) {
	app := fiber.New()
	app.Get("/*", func(c *fiber.Ctx) error { return c.SendString(logPath(c)) })
	for path, want := range map[string]string{
		"/procuration/t/abcdef0123456789":    "/procuration/t/…",
		"/staff/invitation/abcdef0123456789": "/staff/invitation/…",
		"/staff/comptes":                     "/staff/comptes",
	} {
		resp, err := app.Test(httptest.NewRequest("GET", path, nil))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if string(got) != want {
			t.Errorf("%s logged as %q, want %q", path, got, want)
		}
	}
}

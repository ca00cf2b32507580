package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// A repeated field (the rounds of a form) reads the same from a
// URL-encoded body and from a multipart one, and so does what refills the
// form after an error.
func TestFormListReadsBothEncodings(t *testing.T) {
	app := fiber.New()
	app.Post("/", func(c *fiber.Ctx) error {
		if got := FormValues(c)["other"]; got != "x" {
			return c.Status(500).SendString("refill lost other: " + got)
		}
		return c.JSON(FormList(c, "rounds"))
	})
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("rounds", "1")
	w.WriteField("other", "x")
	w.WriteField("rounds", "2")
	w.Close()
	for _, c := range []struct {
		name, contentType, body string
		want                    []string
	}{
		{"url-encoded", "application/x-www-form-urlencoded", url.Values{"rounds": {"1", "2"}, "other": {"x"}}.Encode(), []string{"1", "2"}},
		{"multipart", w.FormDataContentType(), mp.String(), []string{"1", "2"}},
		{"none", "application/x-www-form-urlencoded", "other=x", nil},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.contentType)
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d, %v", c.name, resp.StatusCode, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: rounds %q, want %q", c.name, got, c.want)
		}
	}
}

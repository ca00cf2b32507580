package web

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// The client's address is the TCP peer, or behind trusted proxies the
// nearest X-Forwarded-For entry that is not one of them: never what the
// client writes at the left of the header.
func TestClientAddr(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name      string
		trusted   []string
		peer      string
		forwarded []string // header lines
		want      string
	}{
		{"no proxy trusted, forged header", nil, "198.51.100.4", []string{"203.0.113.66"}, "198.51.100.4"},
		{"untrusted peer, forged header", []string{"10.0.0.1"}, "198.51.100.4", []string{"203.0.113.66"}, "198.51.100.4"},
		{"trusted peer, no header", []string{"10.0.0.1"}, "10.0.0.1", nil, "10.0.0.1"},
		{"trusted peer, the client's address", []string{"10.0.0.1"}, "10.0.0.1", []string{"198.51.100.4"}, "198.51.100.4"},
		{"trusted peer, forged then real", []string{"10.0.0.1"}, "10.0.0.1", []string{"203.0.113.66, 198.51.100.4"}, "198.51.100.4"},
		{"forged header line then the proxy's", []string{"10.0.0.1"}, "10.0.0.1", []string{"203.0.113.66", "198.51.100.4"}, "198.51.100.4"},
		{"chain of two trusted proxies", []string{"10.0.0.1", "10.0.0.2"}, "10.0.0.1", []string{"203.0.113.66, 198.51.100.4, 10.0.0.2"}, "198.51.100.4"},
		{"untrusted hop in the chain", []string{"10.0.0.1"}, "10.0.0.1", []string{"203.0.113.66, 198.51.100.4, 10.0.0.2"}, "10.0.0.2"},
		{"CIDR", []string{"10.0.0.0/8"}, "10.1.2.3", []string{"203.0.113.66, 198.51.100.4, 10.9.9.9"}, "198.51.100.4"},
		{"CIDR, untrusted peer", []string{"10.0.0.0/8"}, "11.0.0.1", []string{"198.51.100.4"}, "11.0.0.1"},
		{"invalid entries skipped", []string{"10.0.0.1"}, "10.0.0.1", []string{"203.0.113.66, 198.51.100.4, unknown, , 999.1.1.1"}, "198.51.100.4"},
		{"only invalid entries", []string{"10.0.0.1"}, "10.0.0.1", []string{"unknown, <script>"}, "10.0.0.1"},
		{"all trusted: the leftmost", []string{"10.0.0.0/8"}, "10.0.0.1", []string{"junk, 10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"entry with a port", []string{"10.0.0.1"}, "10.0.0.1", []string{"198.51.100.4:51234"}, "198.51.100.4"},
		{"IPv6 proxy and client", []string{"2001:db8::1"}, "2001:db8::1", []string{"2001:db8:bad::1, 2001:db8:cafe::7"}, "2001:db8:cafe::7"},
		{"IPv6 CIDR and bracketed port", []string{"fd00::/8"}, "fd00::5", []string{"[2001:db8:cafe::7]:443, fd00::6"}, "2001:db8:cafe::7"},
		{"IPv6 untrusted peer", []string{"fd00::/8"}, "2001:db8::9", []string{"198.51.100.4"}, "2001:db8::9"},
		{"IPv4-mapped peer", []string{"10.0.0.1"}, "::ffff:10.0.0.1", []string{"198.51.100.4"}, "198.51.100.4"},
		{"blanks around configured entries", []string{" 10.0.0.1", "10.0.0.2 "}, "10.0.0.2", []string{"198.51.100.4, 10.0.0.1"}, "198.51.100.4"},
		{"invalid configured entries ignored", []string{"proxy.local", "10.0.0.0/99"}, "10.0.0.1", []string{"198.51.100.4"}, "10.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var forwarded [][]byte
			for _, h := range tc.forwarded {
				forwarded = append(forwarded, []byte(h))
			}
			got := parseTrustedProxies(tc.trusted, quiet).clientAddr(netip.MustParseAddr(tc.peer), forwarded)
			if got.String() != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// Through the server's middleware, ClientIP and Fiber's c.IP() agree on
// the client's address: a client can set neither through X-Forwarded-For
// nor through the header the middleware hands c.IP() the address in.
// (app.Test's peer is 0.0.0.0.)
func TestClientIPMiddleware(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name    string
		trusted []string
		headers map[string]string
		want    string
	}{
		{"no proxy configured", nil, map[string]string{"X-Forwarded-For": "203.0.113.66", clientIPHeader: "203.0.113.67"}, "0.0.0.0"},
		{"peer not trusted", []string{"10.0.0.1"}, map[string]string{"X-Forwarded-For": "203.0.113.66", clientIPHeader: "203.0.113.67"}, "0.0.0.0"},
		{"trusted peer", []string{"0.0.0.0"}, map[string]string{"X-Forwarded-For": "203.0.113.66, 198.51.100.4", clientIPHeader: "203.0.113.67"}, "198.51.100.4"},
		{"trusted range", []string{"0.0.0.0/8", "10.0.0.0/8"}, map[string]string{"X-Forwarded-For": "203.0.113.66, 198.51.100.4, 10.0.0.9"}, "198.51.100.4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip := func(s *Server, api, pages fiber.Router) {
				api.Get("/ip", func(c *fiber.Ctx) error { return c.SendString(ClientIP(c) + " " + c.IP()) })
			}
			s := New(nil, Config{TrustedProxies: tc.trusted, Logger: quiet}, ip)
			req := httptest.NewRequest("GET", "/api/v1/ip", nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := s.App.Test(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if got := strings.TrimSpace(string(b)); got != tc.want+" "+tc.want {
				t.Errorf("ClientIP and c.IP(): %q, want %s for both", got, tc.want)
			}
		})
	}
}

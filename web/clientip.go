package web

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Behind a reverse proxy, the client's address is in X-Forwarded-For. The
// client controls that header: nginx's $proxy_add_x_forwarded_for appends
// the address it saw to whatever the client sent, so only the entries the
// trusted proxies added, from the right, are believed. Fiber's c.IP() with
// a ProxyHeader of X-Forwarded-For returns the leftmost entry, the
// client's own choice: rate limits, audit rows and logs use ClientIP
// instead.

// clientIPHeader is the request header the clientIP middleware sets, for
// the server's sole use: Fiber's ProxyHeader when proxies are trusted, so
// that c.IP() answers ClientIP too. Whatever a client sends under that
// name is overwritten.
const clientIPHeader = "X-Scrutin-Client-Ip"

// clientIPKey is where the clientIP middleware leaves the address in
// c.Locals.
type clientIPKey struct{}

// trustedProxies are the reverse proxies whose X-Forwarded-For entries are
// believed: addresses and CIDR ranges, as Fiber's TrustedProxies reads
// them.
type trustedProxies struct {
	addrs    map[netip.Addr]bool
	prefixes []netip.Prefix
}

// parseTrustedProxies reads addresses ("10.0.0.1", "::1") and ranges
// ("10.0.0.0/8", "fd00::/8"); blanks around them are ignored, and so
// (logged as such) are entries that are neither.
func parseTrustedProxies(list []string, log *slog.Logger) trustedProxies {
	t := trustedProxies{addrs: map[netip.Addr]bool{}}
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				log.Warn("trusted proxies: not a CIDR range, ignored", "entry", s)
				continue
			}
			if p.Addr().Is4In6() { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
				if p.Bits() < 96 {
					log.Warn("trusted proxies: range wider than IPv4-mapped addresses, ignored", "entry", s)
					continue
				}
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			t.prefixes = append(t.prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			log.Warn("trusted proxies: not an IP address, ignored", "entry", s)
			continue
		}
		t.addrs[a.WithZone("").Unmap()] = true
	}
	return t
}

// strings lists the proxies in canonical form, for Fiber's TrustedProxies
// (which compares addresses as strings): its IsProxyTrusted, behind
// c.Protocol and c.Hostname, then agrees with trusts.
func (t trustedProxies) strings() []string {
	var out []string
	for a := range t.addrs {
		out = append(out, a.String())
	}
	for _, p := range t.prefixes {
		out = append(out, p.String())
	}
	return out
}

// empty reports no trusted proxy: X-Forwarded-For is never read.
func (t trustedProxies) empty() bool { return len(t.addrs) == 0 && len(t.prefixes) == 0 }

// trusts reports whether a is one of the proxies.
func (t trustedProxies) trusts(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	if t.addrs[a] {
		return true
	}
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the client's address for a request from peer (the TCP
// peer) carrying the X-Forwarded-For values forwarded (every header line,
// in order). From an untrusted peer, the peer itself. From a trusted
// proxy, X-Forwarded-For walked from the right, skipping the trusted
// proxies: the first address that is not one, the nearest hop no proxy
// of ours vouches beyond. Entries that are no IP address ("unknown",
// garbage) are skipped; when every valid entry is a trusted proxy, the
// leftmost valid one; with none, the peer.
func (t trustedProxies) clientAddr(peer netip.Addr, forwarded [][]byte) netip.Addr {
	peer = peer.WithZone("").Unmap()
	if !t.trusts(peer) {
		return peer
	}
	var entries [][]byte
	for _, h := range forwarded {
		entries = append(entries, bytes.Split(h, []byte(","))...)
	}
	leftmost, found := netip.Addr{}, false
	for i := len(entries) - 1; i >= 0; i-- {
		a, ok := parseForwarded(entries[i])
		if !ok {
			continue
		}
		if !t.trusts(a) {
			return a
		}
		leftmost, found = a, true
	}
	if found {
		return leftmost
	}
	return peer
}

// parseForwarded reads one X-Forwarded-For entry: an address, possibly
// with a port ("203.0.113.7:51234", "[2001:db8::1]:443"), as some
// proxies write it.
func parseForwarded(b []byte) (netip.Addr, bool) {
	s := strings.TrimSpace(string(b))
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

// peerAddr is the request's TCP peer.
func peerAddr(c *fiber.Ctx) netip.Addr {
	a, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	return a.Unmap()
}

// clientIPOf computes the client's address of c's request.
func (t trustedProxies) clientIPOf(c *fiber.Ctx) string {
	var forwarded [][]byte
	if !t.empty() {
		forwarded = c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	}
	return t.clientAddr(peerAddr(c), forwarded).String()
}

// clientIP is the first middleware: it works out the client's address
// once, for ClientIP, and hands it to Fiber's c.IP() through
// clientIPHeader (overwriting any such header the client sent).
func (s *Server) clientIP(c *fiber.Ctx) error {
	ip := s.proxies.clientIPOf(c)
	c.Locals(clientIPKey{}, ip)
	if !s.proxies.empty() {
		c.Request().Header.Del(clientIPHeader)
		c.Request().Header.Set(clientIPHeader, ip)
	}
	return c.Next()
}

// ClientIP is the address of the client that sent c's request, as rate
// limits, audit rows and logs must name it: the TCP peer, or behind the
// trusted reverse proxies the address they saw (see clientAddr). Never
// the address a client merely claims in X-Forwarded-For.
func ClientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientIPKey{}).(string); ok {
		return ip
	}
	// Outside the server's middleware chain (not expected): the peer,
	// which no header can forge.
	return peerAddr(c).String()
}

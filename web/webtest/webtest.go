// Package webtest starts the real scrutin server on a loopback port against
// a fresh throwaway database (with the demo data), for HTTP and browser
// tests. Use dbtest.Main in TestMain.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/demo"
	"scrutin/logistics/elections"
	"scrutin/logistics/staff"
	"scrutin/web"
)

// Env is a running server and its database.
type Env struct {
	Pool   *pgxpool.Pool
	Server *web.Server
	URL    string // http://127.0.0.1:PORT

	mu  sync.Mutex
	now time.Time // zero: real time
}

// Options tweak the server under test.
type Options struct {
	Modules             []web.Module  // capabilities to serve besides the core
	DemoLoaders         []demo.Loader // their demo data, if the test wants it
	NoDemo              bool
	PublicRatePerMinute int // default: high enough not to get in the way
}

// Start runs a server for the test, with the demo data loaded.
func Start(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.PublicRatePerMinute == 0 {
		o.PublicRatePerMinute = 100000
	}
	pool := dbtest.New(t)
	e := &Env{Pool: pool}
	if !o.NoDemo {
		if err := demo.Load(context.Background(), pool, time.Now(), "", o.DemoLoaders...); err != nil {
			t.Fatalf("demo: %v", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.URL = "http://" + ln.Addr().String()
	e.Server = web.New(pool, web.Config{BaseURL: e.URL, PublicRatePerMinute: o.PublicRatePerMinute, Now: e.Now}, o.Modules...)
	go e.Server.App.Listener(ln)
	t.Cleanup(func() { e.Server.App.ShutdownWithTimeout(5 * time.Second) })
	return e
}

// Now is the server's clock: real time unless SetNow was called.
func (e *Env) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.now.IsZero() {
		return time.Now()
	}
	return e.now
}

// SetNow freezes the server's clock (zero: back to real time).
func (e *Env) SetNow(t time.Time) {
	e.mu.Lock()
	e.now = t
	e.mu.Unlock()
}

// Election returns the demo election.
func (e *Env) Election(t testing.TB) *elections.Election {
	t.Helper()
	el, err := elections.BySlug(context.Background(), e.Pool, demo.ElectionSlug)
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// AddElection stores an election whose rounds are days after today (a
// negative number: before), each moved back to the Sunday on or before
// that day: rounds are on Sundays (0 is today on a Sunday, else last
// Sunday).
func (e *Env) AddElection(t testing.TB, slug, name string, days ...int) *elections.Election {
	t.Helper()
	in := elections.Input{Name: name, Slug: slug}
	for i, d := range days {
		day := time.Now().AddDate(0, 0, d)
		day = day.AddDate(0, 0, -int(day.Weekday()))
		in.Rounds = append(in.Rounds, elections.RoundInput{Number: i + 1, Date: day.Format(time.DateOnly)})
	}
	el, err := elections.Create(context.Background(), e.Pool, in)
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// StaffToken creates a staff account and returns a bearer token for it.
func (e *Env) StaffToken(t testing.TB, email string, role staff.Role, scope ...string) string {
	t.Helper()
	ctx := context.Background()
	u, err := staff.Add(ctx, e.Pool, staff.NewUser{Email: email, Role: role, Scope: scope, Password: "password-for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := staff.NewAPIToken(ctx, e.Pool, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// AdminToken is a bearer token of a national admin.
func (e *Env) AdminToken(t testing.TB) string {
	return e.StaffToken(t, "admin-test@example.org", staff.Admin)
}

// Response is a decoded API answer.
type Response struct {
	Status int
	Body   []byte
	JSON   map[string]any // nil unless the body is a JSON object
	Header http.Header
}

// Field returns the message for a field of a 422 answer.
func (r *Response) Field(name string) string {
	fields, _ := r.JSON["fields"].(map[string]any)
	s, _ := fields[name].(string)
	return s
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRF opens path with c, whose cookies then hold the session, and
// returns the CSRF token of the page's form.
func (e *Env) CSRF(t testing.TB, c *http.Client, path string) string {
	t.Helper()
	resp, err := c.Get(e.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on %s (status %d)", path, resp.StatusCode)
	}
	return string(m[1])
}

// PageShows reports, as test errors, each of want that page lacks and
// each of lack that it shows.
func PageShows(t testing.TB, page string, want, lack []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, l := range lack {
		if strings.Contains(page, l) {
			t.Errorf("page shows %q", l)
		}
	}
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte.
func (e *Env) Do(t testing.TB, method, path, token string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	out.Body, _ = io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(out.Body, &out.JSON)
	}
	return out
}

// Client is an HTTP client with a cookie jar, for form journeys without a
// browser.
func Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Browser returns a chromedp context on Debian's Chromium, headless. A
// missing browser fails the test: `make test` installs it.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("no Chromium found: run `make test`, which installs it (apt-get install chromium)")
	}
	dir := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser; a timeout on it would bound the
	// browser's life, so the per-test bound goes on a derived context.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// LoginActions logs a staff member in through the real login page.
func (e *Env) Login(email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(e.URL+"/connexion"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
	)
}

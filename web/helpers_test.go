package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"scrutin/web/webtest"
)

// page is an HTML answer as a browser without JavaScript gets it.
type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func fetch(t *testing.T, client *http.Client, req *http.Request) page {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Body: string(b), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func get(t *testing.T, client *http.Client, u string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fetch(t, client, req)
}

func postForm(t *testing.T, client *http.Client, u string, form url.Values) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return fetch(t, client, req)
}

// postMultipart sends a form with a file, as a browser does for an upload.
func postMultipart(t *testing.T, client *http.Client, u string, fields map[string]string, fileName string, file []byte) page {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if fileName != "" {
		fw, err := w.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	req, err := http.NewRequest(http.MethodPost, u, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return fetch(t, client, req)
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the first form on a page.
func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF field on the page (status %d)", p.Status)
	}
	return m[1]
}

// login signs a staff member in through the login form and returns the
// client holding the session.
func login(t *testing.T, env *webtest.Env, email, password string) *http.Client {
	t.Helper()
	client := webtest.Client()
	p := loginWith(t, env, client, email, password)
	if p.Status != http.StatusSeeOther || p.Location != "/staff" {
		t.Fatalf("login as %s: %d to %q\n%s", email, p.Status, p.Location, p.Body)
	}
	return client
}

func loginWith(t *testing.T, env *webtest.Env, client *http.Client, email, password string) page {
	t.Helper()
	p := get(t, client, env.URL+"/connexion")
	if p.Status != http.StatusOK { // already logged in: the logout form has the token
		p = get(t, client, env.URL+"/")
	}
	token := csrfOf(t, p)
	return postForm(t, client, env.URL+"/connexion", url.Values{"_csrf": {token}, "email": {email}, "password": {password}})
}

// sessionCookie is the staff session cookie the client holds.
func sessionCookie(t *testing.T, env *webtest.Env, client *http.Client) string {
	t.Helper()
	u, _ := url.Parse(env.URL)
	for _, c := range client.Jar.Cookies(u) {
		if c.Name == "scrutin_session" {
			return c.Value
		}
	}
	return ""
}

package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgconn"

	"scrutin/logistics/check"
	"scrutin/logistics/elections"
	"scrutin/logistics/fr"
	"scrutin/logistics/staff"
)

// Render shows a French page inside the main layout. Every page gets the
// logged-in staff member (Staff), the CSRF token for its forms (CSRF), and
// Errors/Form maps so that templates can always index them.
func (s *Server) Render(c *fiber.Ctx, name string, data fiber.Map) error {
	return s.RenderStatus(c, fiber.StatusOK, name, data)
}

func (s *Server) RenderStatus(c *fiber.Ctx, status int, name string, data fiber.Map) error {
	if data == nil {
		data = fiber.Map{}
	}
	data["Staff"] = StaffUser(c)
	data["CSRF"] = c.Locals(localCSRF)
	data["Path"] = c.Path()
	if _, ok := data["Errors"]; !ok {
		data["Errors"] = check.Errors{}
	}
	if _, ok := data["Form"]; !ok {
		data["Form"] = map[string]string{}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Render(name, data, "layouts/main")
}

// FormError re-renders a form page after a failed submission: 422 with the
// French messages next to their fields and the values kept. Errors that are
// not about input go to the error handler.
func (s *Server) FormError(c *fiber.Ctx, err error, page string, data fiber.Map) error {
	inv, ok := check.AsInvalid(err)
	if !ok {
		var conflict *check.Conflict
		if errors.As(err, &conflict) {
			data["Summary"] = conflict.Msg
			return s.RenderStatus(c, fiber.StatusConflict, page, data)
		}
		return err
	}
	data["Errors"] = inv.Fields
	data["Summary"] = inv.Message()
	return s.RenderStatus(c, fiber.StatusUnprocessableEntity, page, data)
}

// handleError turns any error into the right status: 422 with fields for
// invalid input, 404, 403, 409, 429; anything else is logged and answered
// with a generic message, never a stack trace.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, msg := fiber.StatusInternalServerError, "Une erreur interne est survenue. Réessayez plus tard."
	var fields check.Errors
	var fe *fiber.Error
	var refusal *Refusal
	var conflict *check.Conflict
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	var pgErr *pgconn.PgError
	inv, isInvalid := check.AsInvalid(err)
	switch {
	case isInvalid:
		status, msg, fields = fiber.StatusUnprocessableEntity, inv.Message(), inv.Fields
	case errors.Is(err, check.ErrNotFound):
		status, msg = fiber.StatusNotFound, "Page ou élément introuvable."
	case errors.Is(err, check.ErrForbidden):
		status, msg = fiber.StatusForbidden, "Accès refusé : cet élément est hors de votre périmètre ou de votre rôle."
	case errors.As(err, &conflict):
		status, msg = fiber.StatusConflict, conflict.Msg
	case errors.As(err, &syntax), errors.As(err, &typeErr), errors.Is(err, errBadJSON):
		status, msg = fiber.StatusBadRequest, "Corps de requête JSON invalide."
	case errors.As(err, &pgErr) && (pgErr.Code == "22021" || pgErr.Code == "22P05"):
		// A NUL byte or invalid UTF-8 that no validation caught (a query
		// parameter, a free-text field): PostgreSQL refuses it, the request
		// is bad, not the server.
		status, msg = fiber.StatusBadRequest, "La requête contient des caractères invalides."
	case errors.As(err, &refusal):
		status, msg = refusal.Status, refusal.Message
	case errors.As(err, &fe):
		// Fiber's and fasthttp's own: their messages are in English.
		status = fe.Code
		if fr, ok := fiberMessages[fe.Code]; ok {
			msg = fr
		} else if fe.Code < 500 {
			msg = "Requête refusée."
		}
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Method(), "path", logPath(c), "err", err, "request_id", c.Locals("requestid"))
	}
	if isAPI(c) || strings.Contains(c.Get(fiber.HeaderAccept), "application/json") && !strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
		body := fiber.Map{"error": msg}
		if fields != nil {
			body["fields"] = fields
		}
		return c.Status(status).JSON(body)
	}
	title := "Erreur"
	if status == fiber.StatusNotFound {
		title = "Introuvable"
	}
	data := fiber.Map{"Title": title, "Message": msg, "Fields": fields}
	if rerr := s.RenderStatus(c, status, "error", data); rerr != nil {
		return c.Status(status).SendString(msg)
	}
	return nil
}

// Refusal is a request refused with a message of ours, in French, for the
// user (rate limits, content type). Errors raised as fiber.Error are taken
// for Fiber's own, whose messages are in English (see fiberMessages).
type Refusal struct {
	Status  int
	Message string
}

func (r *Refusal) Error() string { return r.Message }

// fiberMessages are the French messages of the errors Fiber and fasthttp
// raise themselves: their own are in English, and the one of a request
// they could not parse is fasthttp's raw error.
var fiberMessages = map[int]string{
	fiber.StatusBadRequest:                  "Requête invalide.",
	fiber.StatusNotFound:                    "Page ou élément introuvable.",
	fiber.StatusMethodNotAllowed:            "Méthode non autorisée.",
	fiber.StatusRequestTimeout:              "La requête a pris trop de temps. Réessayez.",
	fiber.StatusRequestEntityTooLarge:       "Fichier ou requête trop volumineux.",
	fiber.StatusRequestHeaderFieldsTooLarge: "Requête trop longue : son adresse ou ses en-têtes dépassent la taille permise.",
}

var errBadJSON = errors.New("bad json")

// DecodeJSON reads a JSON body strictly into v (unknown fields refused, so
// that typos are not silently ignored).
func DecodeJSON(c *fiber.Ctx, v any) error {
	// A cross-site form can post text/plain that looks like JSON; it cannot
	// set this content type without a CORS preflight.
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return &Refusal{fiber.StatusUnsupportedMediaType, "Le corps de la requête doit être du JSON (Content-Type: application/json)."}
	}
	dec := json.NewDecoder(strings.NewReader(string(c.Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			fields := typeErrors(c.Body(), v)
			if top, _, nested := strings.Cut(typeErr.Field, "."); nested {
				delete(fields, top) // said more precisely below
			}
			fields[typeErr.Field] = badType
			return &check.Invalid{Fields: fields}
		}
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return &check.Invalid{Summary: "Champ inconnu.", Fields: check.Errors{strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`): "Champ inconnu."}}
		}
		return fmt.Errorf("%w: %v", errBadJSON, err)
	}
	// One value and nothing after it: a body cut or glued to another is
	// not half read.
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON value", errBadJSON)
	}
	return nil
}

const badType = "Type de valeur incorrect."

// typeErrors names each top-level field of *v whose value in body has the
// wrong JSON type: encoding/json stops at the first, and a person fixing
// their request wants them all at once.
func typeErrors(body []byte, v any) check.Errors {
	errs := check.Errors{}
	var raw map[string]json.RawMessage
	t := reflect.TypeOf(v)
	if json.Unmarshal(body, &raw) != nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return errs
	}
	for _, f := range reflect.VisibleFields(t.Elem()) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if value, ok := raw[name]; ok && name != "" && name != "-" && f.IsExported() {
			if json.Unmarshal(value, reflect.New(f.Type).Interface()) != nil {
				errs[name] = badType
			}
		}
	}
	return errs
}

// Figures reads the n counts of a result carried in an address after a
// redirect ("12-3-0"); ok is false unless there are n of them, each a
// whole number >= 0.
func Figures(s string, n int) (counts []int, ok bool) {
	parts := strings.Split(s, "-")
	if len(parts) != n {
		return nil, false
	}
	counts = make([]int, n)
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil, false
		}
		counts[i] = v
	}
	return counts, true
}

// PageLink is the current page's link with the filters q (empty ones
// left out) on page page of its list.
func PageLink(c *fiber.Ctx, q map[string]string, page int) string {
	v := url.Values{}
	for k, s := range q {
		if k != "page" && s != "" {
			v.Set(k, s)
		}
	}
	v.Set("page", strconv.Itoa(page))
	return c.Path() + "?" + v.Encode()
}

// FormValues keeps what a person typed, to refill a form after an error
// (repeated fields joined by commas), from a URL-encoded or multipart form.
func FormValues(c *fiber.Ctx) map[string]string {
	out := map[string]string{}
	if form, err := c.MultipartForm(); err == nil {
		for key, vs := range form.Value {
			if key != "_csrf" {
				out[key] = strings.Join(vs, ",")
			}
		}
		return out
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if key == "_csrf" {
			return
		}
		if prev, ok := out[key]; ok {
			out[key] = prev + "," + string(v)
		} else {
			out[key] = string(v)
		}
	})
	return out
}

// FormList returns every value of a repeated form field (checkboxes), of
// a URL-encoded form or a multipart one.
func FormList(c *fiber.Ctx, key string) []string {
	if form, err := c.MultipartForm(); err == nil {
		return append([]string(nil), form.Value[key]...)
	}
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(key) {
		out = append(out, string(v))
	}
	return out
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		// has reports whether a comma-separated form value contains v (checkboxes).
		"has": func(list, v string) bool {
			for _, x := range strings.Split(list, ",") {
				if x == v {
					return true
				}
			}
			return false
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format("02/01/2006")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(elections.Paris).Format("02/01/2006 15:04")
		},
		// de is "de" before a name or place, elided before a vowel.
		"de": fr.De,
		// "de" and "à" before a commune: "du Havre", "aux Abymes".
		"ofPlace": fr.OfPlace,
		"atPlace": fr.AtPlace,
		// num is a number with its thousands apart (20 000); count a
		// number and its noun, singular below 2 ("1 commande").
		"num":   fr.Number,
		"count": fr.Count,
		// phone is a stored E.164 number as read in France: "06 12 34 56
		// 78"; a foreign one keeps its international form.
		"phone": fr.Phone,
		// moment is a time in running French text: "06/12/2026 à 06h24".
		"moment": elections.Moment,
		"add":    func(a, b int) int { return a + b },
		// tour names a round in plain text (fr.Round: "1er tour", for a
		// select's options); tourSup with its ordinal raised, for running
		// text ("1<sup>er</sup> tour").
		"tour": func(n any) string { return fr.Round(roundNumber(n)) },
		"tourSup": func(n any) template.HTML {
			name := fr.Round(roundNumber(n))
			num, rest, _ := strings.Cut(name, " ")
			i := strings.IndexFunc(num, func(r rune) bool { return r < '0' || r > '9' })
			if i <= 0 { // no ordinal ("tour 0"): as it is
				return template.HTML(template.HTMLEscapeString(name))
			}
			return template.HTML(num[:i] + "<sup>" + num[i:] + "</sup> " + rest)
		},
		// actor is who acted (audit actors, created_by), for people.
		"actor": staff.ActorLabel,
		// dict builds the argument map of a partial template.
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				if k, ok := kv[i].(string); ok {
					m[k] = kv[i+1]
				}
			}
			return m
		},
	}
}

// roundNumber reads a round's number whatever integer type holds it.
func roundNumber(n any) int {
	v, _ := strconv.Atoi(fmt.Sprint(n))
	return v
}

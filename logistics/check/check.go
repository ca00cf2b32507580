// Package check collects per-field validation messages. The same Errors value
// feeds the JSON API (422 with "fields") and the HTML forms (message next to
// each field), so that there is one validation path for both.
package check

import (
	"errors"
	"sort"
	"strings"
)

// Errors maps a field name (as in the JSON body and the form) to a French
// message for the person who filled it.
type Errors map[string]string

// Add records msg for field unless the field already has a message: the
// first problem found is the one to fix first.
func (e Errors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Merge adds to e the field messages of err when it is a *Invalid (a
// check made by another function, whose refusals join this one's) and
// reports whether it was; any other error (the database) is returned as
// is, for the caller to return.
func (e Errors) Merge(err error) (merged bool, other error) {
	inv, ok := AsInvalid(err)
	if !ok {
		return false, err
	}
	for field, msg := range inv.Fields {
		e.Add(field, msg)
	}
	return true, nil
}

// Err returns e as an error, or nil when there is nothing to report.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return &Invalid{Fields: e}
}

// Invalid is the error returned by domain functions when input is refused.
type Invalid struct {
	Summary string // optional; a generic French summary is used otherwise
	Fields  Errors
}

func (v *Invalid) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Read on a terminal (the command line prints it): one sentence per
	// field, each message ending as it was written.
	parts := make([]string, len(keys))
	for i, k := range keys {
		msg := v.Fields[k]
		if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
			msg += "."
		}
		parts[i] = k + " : " + msg
	}
	return v.Message() + " " + strings.Join(parts, " ")
}

// Message is the French summary shown above a form or in "error".
func (v *Invalid) Message() string {
	if v.Summary != "" {
		return v.Summary
	}
	return "Certaines informations sont à corriger."
}

// Field builds an Invalid error for a single field.
func Field(field, msg string) error {
	return &Invalid{Fields: Errors{field: msg}}
}

// AsInvalid unwraps an *Invalid from err.
func AsInvalid(err error) (*Invalid, bool) {
	var v *Invalid
	ok := errors.As(err, &v)
	return v, ok
}

// ErrNotFound is returned when a record does not exist or is outside the
// caller's scope (the two are not told apart, so scope leaks nothing).
var ErrNotFound = errors.New("not found")

// ErrForbidden is returned when the caller may see a record but not act on it.
var ErrForbidden = errors.New("forbidden")

// Conflict is an error whose French message can be shown to the user as is
// (409), e.g. "Cette offre a déjà été acceptée."
type Conflict struct{ Msg string }

func (c *Conflict) Error() string { return c.Msg }

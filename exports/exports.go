// Package exports produces the documents staff hand to prefectures, mairies,
// printers and shippers: Excel workbooks (excelize) and PDFs (gofpdf), fed
// by the logistics packages.
//
// Every export is registered once (Register) and run through Run, whether
// it is asked for from a staff page, the JSON API or `scrutin export`: one
// path, so that scope checks and the audit row can't be forgotten.
package exports

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/staff"
)

// Params are an export's parameters (election, round, commune, ...), as
// given in the query string or on the command line.
type Params map[string]string

// Export describes one document.
type Export struct {
	Name        string // e.g. "proxies"; the CLI name and the audit action suffix
	Description string // one line, for `scrutin export --help`
	ContentType string
	// Personal: the document holds personal data, so every run is audited.
	Personal bool
	// Params are the parameters it reads; any other is refused, so that a
	// misspelt or unsupported filter never goes unnoticed (the document
	// would hold more than asked, and its audit row say otherwise).
	Params []string
	// Filename is the download name for these parameters.
	Filename func(p Params) string
	// Write produces the document for u (whose scope it must respect) and
	// returns how many rows or pages of people it holds. It returns a
	// *check.Invalid for bad parameters and check.ErrForbidden when the
	// parameters ask for more than u's scope.
	Write func(ctx context.Context, pool *pgxpool.Pool, u *staff.User, p Params, w io.Writer) (rows int, err error)
}

var registry = map[string]Export{}

// Register adds an export; call it from an init function.
func Register(e Export) {
	if _, dup := registry[e.Name]; dup {
		panic("exports: duplicate " + e.Name)
	}
	registry[e.Name] = e
}

// Lookup finds a registered export.
func Lookup(name string) (Export, bool) {
	e, ok := registry[name]
	return e, ok
}

// All lists the registered exports by name.
func All() []Export {
	out := make([]Export, 0, len(registry))
	for _, e := range registry {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Run writes export name for u to w and records it in the audit log
// (who, what, parameters, row count). actor is u.Actor() or "cli".
func Run(ctx context.Context, pool *pgxpool.Pool, u *staff.User, actor, name string, p Params, w io.Writer) (int, error) {
	e, ok := registry[name]
	if !ok {
		return 0, check.ErrNotFound
	}
	if u == nil {
		return 0, check.ErrForbidden
	}
	errs := check.Errors{}
	for k := range p {
		if !slices.Contains(e.Params, k) {
			errs.Add(k, "Paramètre inconnu pour ce document (possibles : "+strings.Join(e.Params, ", ")+").")
		}
	}
	if err := errs.Err(); err != nil {
		return 0, err
	}
	rows, err := e.Write(ctx, pool, u, p, w)
	if err != nil {
		return rows, err
	}
	if e.Personal {
		details := map[string]any{"rows": rows, "scope": u.Scope}
		for k, v := range p {
			details[k] = v
		}
		if err := staff.Audit(ctx, pool, actor, "export."+name, "export", e.Filename(p), details); err != nil {
			return rows, fmt.Errorf("audit export: %w", err)
		}
	}
	return rows, nil
}

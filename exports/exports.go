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
	"maps"
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
	Name string // e.g. "proxies"; the CLI name and the audit action suffix
	// Title names the document to people, in French, wherever it is
	// named (the journal's « Export : classeur des assesseurs et
	// délégués »): a noun phrase in lower case, as it reads after « : ».
	Title       string
	Description string // one line, for `scrutin export --help`
	ContentType string
	// Personal: the document holds personal data, so every run is audited.
	Personal bool
	// Params are the parameters it reads; any other is refused, so that a
	// misspelt or unsupported filter never goes unnoticed (the document
	// would hold more than asked, and its audit row say otherwise).
	Params []string
	// File is how its files are named (see Export.Filename).
	File Naming
	// Write produces the document for u (whose scope it must respect) and
	// reports how many rows or pages of people it holds and the parameters
	// it resolved (see Written). It must not modify p. It returns a
	// *check.Invalid for bad parameters and check.ErrForbidden when the
	// parameters ask for more than u's scope: a *places.OutOfScope, with
	// its reason, for a place outside it.
	Write func(ctx context.Context, pool *pgxpool.Pool, u *staff.User, p Params, w io.Writer) (Written, error)
}

// Written is what an export's Write reports.
type Written struct {
	// Rows is how many rows or pages of people the document holds.
	Rows int
	// Params are the parameters the document was written for, as Write
	// resolved them: the election exported (the only open one when none
	// was given, the slug as stored when typed otherwise) and the place as
	// read (the 04 of a "4"). Only the keys given are rewritten, so that
	// the file name and the audit row gain no parameter that was not asked
	// for, but the election, named whenever one was resolved (a material
	// document asked for by batch is named after the batch instead); a
	// place not asked for is named from the reader's scope (Naming). nil:
	// the parameters as given (an export that resolves none).
	Params Params
}

// Result is what Run wrote: Write's report and the file name for the
// parameters it resolved, which the audit row, the download and the
// command line's default output all use.
type Result struct {
	Written
	Filename string
}

var registry = map[string]Export{}

// Register adds an export; call it from an init function.
func Register(e Export) {
	if _, dup := registry[e.Name]; dup {
		panic("exports: duplicate " + e.Name)
	}
	if e.Title == "" || e.File.Kind == "" || e.File.Ext == "" {
		panic("exports: " + e.Name + " needs a title and a file name")
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

// ActionLabel is an audit action in French: an export's (« export.NAME »,
// as Run records it) is « Export : » and its title, also for the rows
// written before it had one; any other action is staff.ActionLabel's.
func ActionLabel(action string) string {
	if name, ok := strings.CutPrefix(action, "export."); ok {
		if e, ok := registry[name]; ok {
			return "Export : " + e.Title
		}
	}
	return staff.ActionLabel(action)
}

// Run writes export name for u to w and records it in the audit log
// (who, what, parameters, row count). actor is u.Actor() or "cli". The
// audit row, and the Filename returned, name what was exported: the
// parameters Write resolved, not p as typed (which Run leaves as it is).
//
// The document goes to w before its audit row is written, which fails
// Run when it cannot be: w must keep it (a temporary file, as the
// download and `scrutin export`, standard output included, use) and hand
// it on only once Run returned no error, never stream it to anyone, so
// that no personal data leaves without its audit row.
func Run(ctx context.Context, pool *pgxpool.Pool, u *staff.User, actor, name string, p Params, w io.Writer) (Result, error) {
	e, ok := registry[name]
	if !ok {
		return Result{}, check.ErrNotFound
	}
	if u == nil {
		return Result{}, check.ErrForbidden
	}
	errs := check.Errors{}
	for k := range p {
		if !slices.Contains(e.Params, k) {
			errs.Add(k, "Paramètre inconnu pour ce document (possibles : "+strings.Join(e.Params, ", ")+").")
		}
	}
	if err := errs.Err(); err != nil {
		return Result{}, err
	}
	// Write gets a copy: the caller's parameters stay as typed, whatever
	// an export does with its own.
	written, err := e.Write(ctx, pool, u, maps.Clone(p), w)
	if err != nil {
		return Result{Written: Written{Rows: written.Rows}}, err
	}
	if written.Params == nil {
		written.Params = maps.Clone(p)
	}
	res := Result{Written: written, Filename: e.Filename(written.Params, u.ScopeArg()...)}
	if e.Personal {
		details := map[string]any{"rows": res.Rows, "scope": u.Scope}
		for k, v := range res.Params {
			details[k] = v
		}
		if err := staff.Audit(ctx, pool, actor, "export."+name, "export", res.Filename, details); err != nil {
			return res, fmt.Errorf("audit export: %w", err)
		}
	}
	return res, nil
}

// resolvedParams is p as an export read it (see Written.Params): a copy,
// election set to the slug exported ("" leaves it as given) and each key
// of read that p gives set to its value as read.
func resolvedParams(p Params, election string, read map[string]string) Params {
	q := maps.Clone(p)
	if q == nil {
		q = Params{}
	}
	if election != "" {
		q["election"] = election
	}
	for k, v := range read {
		if strings.TrimSpace(p[k]) != "" {
			q[k] = v
		}
	}
	return q
}

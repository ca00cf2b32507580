package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"scrutin/exports"
	"scrutin/logistics/check"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

func init() {
	register(&command{name: "export", usage: "NAME [key=value ...]",
		summary: "Write a document (workbook or PDF) to a file or standard output; audited like a download. `scrutin export list` shows them.",
		run:     exportCommand})
}

func exportCommand(ctx context.Context, e *env, args []string) error {
	c := commands["export"]
	fs := e.flags(c)
	out := fs.String("o", "", "output file (default: the export's file name; - for standard output)")
	as := fs.String("as", "", "staff e-mail whose scope applies (default: national, as an admin)")
	words, err := parseWords(fs, args, 1, -1)
	if err != nil {
		return err
	}
	name := words[0]
	if name == "list" {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		for _, x := range exports.All() {
			fmt.Fprintf(tw, "%s\t%s\n", x.Name, x.Description)
		}
		return tw.Flush()
	}
	x, ok := exports.Lookup(name)
	if !ok {
		return fmt.Errorf("unknown export %q (try: scrutin export list)", name)
	}
	p := exports.Params{}
	for _, kv := range words[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("parameter %q: expected key=value", kv)
		}
		p[k] = v
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	u := &staff.User{Email: "cli", Role: staff.Admin}
	actor := staff.ActorCLI
	if *as != "" {
		var err error
		if u, err = staff.ByEmail(ctx, e.db.Pool, *as); err != nil {
			return fmt.Errorf("no staff account %q", *as)
		}
		actor = staff.ActorCLI + ":" + u.Email
	}
	// Without -o, the file is named after what was exported, as its audit
	// row is (exports.Result.Filename: the election when none was given,
	// the place as read), which is known once written: until then it is a
	// temporary file in the current directory.
	path := *out
	tmpName := path
	if path == "" {
		tmpName = x.Filename(p)
	}
	var tmp *os.File
	if path == "-" {
		// Standard output too gets the document only once its audit row
		// is written (as a download and a file do): exports.Run writes it
		// to an unnamed temporary file first, private to its owner, which
		// is copied out after.
		if tmp, err = os.CreateTemp("", "scrutin-export-*"); err != nil {
			return err
		}
		os.Remove(tmp.Name()) // the open descriptor keeps it until copied
		defer tmp.Close()
	} else {
		// Written beside the target and renamed once whole: a refused or
		// failed export leaves a file of the same name as it was. Private
		// to its owner (0600), as the data may be personal.
		if tmp, err = os.CreateTemp(filepath.Dir(tmpName), "."+filepath.Base(tmpName)+".*"); err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the temporary file's name would mislead
			}
			return fmt.Errorf("cannot write %s: %w", tmpName, err)
		}
		defer os.Remove(tmp.Name()) // nothing left to remove once renamed
		defer tmp.Close()
	}
	res, err := exports.Run(ctx, e.db.Pool, u, actor, name, p, tmp)
	var outside *places.OutOfScope
	switch {
	case errors.As(err, &outside) && *as != "":
		return outOfScopeAs{u, outside}
	case errors.Is(err, check.ErrForbidden) && *as != "":
		return forbiddenAs{u}
	case err != nil:
		return err
	}
	if path == "-" {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, err := io.Copy(e.stdout, tmp)
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if path == "" {
		path = res.Filename
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s: %d rows written to %s\n", name, res.Rows, path)
	return nil
}

// forbiddenAs is check.ErrForbidden for the account of --as, named with
// what it may see: the one refusal an admin running the command line can
// fix (another account, or another scope for this one).
type forbiddenAs struct{ u *staff.User }

func (f forbiddenAs) Error() string {
	scope := strings.Join(f.u.Scope, ", ")
	if scope == "" {
		scope = "national"
	}
	return fmt.Sprintf("Accès refusé : ce document sort du périmètre de %s (%s) ou de son rôle (%s).", f.u.Email, scope, f.u.Role)
}

func (f forbiddenAs) Unwrap() error { return check.ErrForbidden }

// outOfScopeAs is a place outside the scope of the account of --as
// (places.OutOfScope): its reason, as the pages and the API give it
// (« Le département 04 est hors de votre périmètre »), followed by the
// account and its scope.
type outOfScopeAs struct {
	u       *staff.User
	outside *places.OutOfScope
}

func (f outOfScopeAs) Error() string {
	scope := strings.Join(f.u.Scope, ", ")
	if scope == "" {
		scope = "aucun"
	}
	return fmt.Sprintf("%s (compte %s, périmètre : %s).", strings.TrimSuffix(f.outside.Message, "."), f.u.Email, scope)
}

func (f outOfScopeAs) Unwrap() error { return f.outside }

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"scrutin/exports"
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
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Parse(args)
		fs.Usage()
		return errUsage
	}
	name := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if name == "list" {
		for _, x := range exports.All() {
			fmt.Fprintf(e.stdout, "%-14s %s\n", x.Name, x.Description)
		}
		return nil
	}
	x, ok := exports.Lookup(name)
	if !ok {
		return fmt.Errorf("unknown export %q (try: scrutin export list)", name)
	}
	p := exports.Params{}
	for _, kv := range fs.Args() {
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
	path := *out
	if path == "" {
		path = x.Filename(p)
	}
	var w io.Writer = e.stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	rows, err := exports.Run(ctx, e.db.Pool, u, actor, name, p, w)
	if err != nil {
		if path != "-" {
			os.Remove(path)
		}
		return err
	}
	if path != "-" {
		fmt.Fprintf(e.stderr, "%s: %d rows written to %s\n", name, rows, path)
	}
	return nil
}

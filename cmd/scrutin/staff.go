package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/check"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/staff"
)

func init() {
	register(&command{name: "staff", usage: "add|token|revoke|remove|list",
		summary: "Manage staff accounts: add --email E --role admin|organizer|viewer [--scope 04,75101] [--password-stdin]; token --email E; revoke --email E (ends its API tokens and logins); remove --email E (deletes the account); list.",
		run:     staffCommand})
}

func staffCommand(ctx context.Context, e *env, args []string) error {
	fs := e.flags(commands["staff"])
	email := fs.String("email", "", "account e-mail (add, token, revoke, remove)")
	role := fs.String("role", "organizer", "add: admin, organizer or viewer")
	scope := fs.String("scope", "", "add: comma-separated département and/or commune codes (organizer, viewer)")
	name := fs.String("name", "", "add: display name")
	pwStdin := fs.Bool("password-stdin", false, "add: read the password from the first line of standard input")
	words, err := parseWords(fs, args, 1, 1)
	if err != nil {
		return err
	}
	action := words[0]
	if !slices.Contains([]string{"add", "token", "revoke", "remove", "list"}, action) {
		// Refused before the database is opened (or started).
		fs.Usage()
		return errUsage
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	switch action {
	case "add":
		in := staff.NewUser{Email: *email, Name: *name, Role: staff.Role(*role)}
		if *scope != "" {
			in.Scope = staff.SplitScope(*scope) // as the « Comptes » page reads it
		}
		if *pwStdin {
			line, err := bufio.NewReader(e.stdin).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("read password: %w", err)
			}
			in.Password = strings.TrimRight(line, "\r\n")
			if in.Password == "" {
				return errors.New("--password-stdin: the first line of standard input is empty (no password given)")
			}
		}
		// The account and its audit row together, or neither.
		var u *staff.User
		err := pgdb.Tx(ctx, e.db.Pool, func(tx pgx.Tx) error {
			var err error
			if u, err = staff.Add(ctx, tx, in); err != nil {
				return err
			}
			return staff.Audit(ctx, tx, staff.ActorCLI, "staff.add", "staff_user", u.Email, map[string]any{"role": u.Role, "scope": u.Scope})
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "staff %s (%s) saved\n", u.Email, u.Role)
		if has, err := staff.HasPassword(ctx, e.db.Pool, u.ID); err == nil && !has {
			fmt.Fprintln(e.stderr, "note: this account has no password: it cannot log in on the staff pages, only use API tokens (give one with --password-stdin)")
		}
	case "token":
		u, err := staff.ByEmail(ctx, e.db.Pool, *email)
		if err != nil {
			return fmt.Errorf("no staff account %q", *email)
		}
		// The token and its audit row together, or neither.
		var tok string
		err = pgdb.Tx(ctx, e.db.Pool, func(tx pgx.Tx) error {
			var err error
			if tok, err = staff.NewAPIToken(ctx, tx, u.ID); err != nil {
				return err
			}
			return staff.Audit(ctx, tx, staff.ActorCLI, "staff.token", "staff_user", u.Email, nil)
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, tok) // alone on stdout, so that scripts can capture it
	case "revoke":
		tokens, sessions, err := staff.Revoke(ctx, e.db.Pool, staff.ActorCLI, *email)
		if errors.Is(err, check.ErrNotFound) {
			return fmt.Errorf("no staff account %q", *email)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "staff %s: %s and %s ended\n", strings.ToLower(strings.TrimSpace(*email)),
			plural(int(tokens), "API token", "API tokens"), plural(int(sessions), "login", "logins"))
	case "remove":
		err := staff.Remove(ctx, e.db.Pool, staff.ActorCLI, *email)
		if errors.Is(err, check.ErrNotFound) {
			return fmt.Errorf("no staff account %q", *email)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "staff %s removed\n", strings.ToLower(strings.TrimSpace(*email)))
	case "list":
		users, err := staff.List(ctx, e.db.Pool)
		if err != nil {
			return err
		}
		for _, u := range users {
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", u.Email, u.Role, strings.Join(u.Scope, ","))
		}
	}
	return nil
}

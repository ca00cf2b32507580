package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/logistics/delegates"
	"scrutin/logistics/elections"
	"scrutin/logistics/materials"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
)

// purgers delete one capability's personal data for an election.
var purgers = []struct {
	what  string
	purge func(ctx context.Context, q pgdb.Q, electionID int64) (int64, error)
}{
	{"proxy requests and volunteers", proxies.Purge},
	{"delegate volunteers", delegates.Purge},
	{"material orders", materials.Purge},
}

func init() {
	register(&command{name: "purge", usage: "--election S",
		summary: "Delete an election's personal data (people, orders, messages) once it is over (RGPD).",
		run:     purgeCommand})
}

func purgeCommand(ctx context.Context, e *env, args []string) error {
	fs := e.flags(commands["purge"])
	slug := fs.String("election", "", "election slug (required)")
	after := fs.Int("after-days", 30, "refuse until this many days after the last round")
	force := fs.Bool("force", false, "purge even if the election is not over")
	dryRun := fs.Bool("dry-run", false, "count what would be deleted, delete nothing (at any time)")
	if _, err := parseWords(fs, args, 0, 0); err != nil {
		return err
	}
	if *slug == "" {
		fs.Usage()
		return errUsage
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	el, err := elections.BySlug(ctx, e.db.Pool, *slug)
	if err != nil {
		return fmt.Errorf("election %q: %w", *slug, err)
	}
	now := time.Now()
	last := el.LastRound().Date
	if ready := last.AddDate(0, 0, *after); now.Before(ready) && !*force {
		early := fmt.Errorf("election %q ends on %s: purge from %s on (or --force)", el.Slug, last.Format(time.DateOnly), ready.Format(time.DateOnly))
		if !*dryRun {
			return early
		}
		// Counting is harmless: staff may preview the purge at any time.
		fmt.Fprintf(e.stderr, "note: %v\n", early)
	}
	counts := map[string]int64{}
	err = pgdb.Tx(ctx, e.db.Pool, func(tx pgx.Tx) error {
		for _, p := range purgers {
			n, err := p.purge(ctx, tx, el.ID)
			if err != nil {
				return fmt.Errorf("%s: %w", p.what, err)
			}
			counts[p.what] = n
		}
		// Message bodies hold private links and NNE; they are not tied to
		// an election, so everything written up to now goes.
		n, err := notify.Purge(ctx, tx, now)
		if err != nil {
			return err
		}
		counts["messages"] = n
		if *dryRun {
			return errDryRun
		}
		details := map[string]any{}
		for k, v := range counts {
			details[k] = v
		}
		return staff.Audit(ctx, tx, staff.ActorCLI, "election.purge", "election", el.Slug, details)
	})
	if err != nil && err != errDryRun {
		return err
	}
	verb := "deleted"
	if *dryRun {
		verb = "would delete"
	}
	for _, p := range purgers {
		fmt.Fprintf(e.stdout, "%s %d %s\n", verb, counts[p.what], p.what)
	}
	fmt.Fprintf(e.stdout, "%s %d messages\n", verb, counts["messages"])
	return nil
}

// errDryRun rolls the purge transaction back after counting.
var errDryRun = fmt.Errorf("dry run")

package main

import (
	"context"
	"fmt"
	"time"

	"scrutin/logistics/delegates"
	"scrutin/logistics/staff"
)

func init() {
	register(&command{name: "assign", usage: "delegates [--election S] [--round N] [--departement D | --commune C] [--dry-run]",
		summary: "Assign poll-delegate volunteers to the seats of the bureaux (exact optimum; manual and confirmed seats kept) and tell them.",
		run:     assignCommand})
}

func assignCommand(ctx context.Context, e *env, args []string) error {
	c := commands["assign"]
	fs := e.flags(c)
	election := fs.String("election", "", "election slug (default: the only open election)")
	round := fs.Int("round", 0, "round number (default: every round)")
	departement := fs.String("departement", "", "only this département's seats (default: every one)")
	commune := fs.String("commune", "", "only this commune's seats, from its département's volunteers")
	dryRun := fs.Bool("dry-run", false, "compute and print the counts, write nothing")
	fs.StringVar(&e.cfg.BaseURL, "base-url", e.cfg.BaseURL, "public URL used in the links sent (env SCRUTIN_BASE_URL)")
	words, err := parseWords(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if words[0] != "delegates" {
		fs.Usage()
		return errUsage
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	in := delegates.RunInput{Election: *election, DryRun: *dryRun, Departement: *departement, Commune: *commune}
	if *round != 0 {
		in.Round = round
	}
	desk := &delegates.Desk{Pool: e.db.Pool, BaseURL: e.baseURL(), Now: time.Now}
	res, err := desk.Run(ctx, nil, staff.ActorCLI, in)
	if err != nil {
		return err
	}
	where := ""
	switch {
	case res.Commune != "":
		where = ", commune " + res.Commune
	case res.Departement != "":
		where = ", département " + res.Departement
	}
	for _, r := range res.Rounds {
		fmt.Fprintf(e.stdout, "%s%s, round %d: %d seats, %d held (%d kept as entered or confirmed, %d unchanged, %d new), %d empty; %d taken back; %d volunteers could serve\n",
			res.Election, where, r.Round, r.Seats, r.Assigned, r.Kept, r.Unchanged, r.Added, r.Uncovered, r.Removed, r.Candidates)
	}
	verb := "told"
	if res.DryRun {
		verb = "dry run: nothing written, would tell"
	}
	who := "volunteers"
	if res.Notified == 1 {
		who = "volunteer"
	}
	fmt.Fprintf(e.stdout, "%s %d %s (load %d ms, solve %d ms, write %d ms, notify %d ms)\n",
		verb, res.Notified, who, res.TimingMs["load"], res.TimingMs["solve"], res.TimingMs["write"], res.TimingMs["notify"])
	return nil
}

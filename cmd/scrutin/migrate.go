package main

import (
	"context"
	"fmt"

	"scrutin/database"
)

func init() {
	register(&command{name: "migrate", summary: "Bring the database schema up to date (serve does it on start).",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := e.flags(commands["migrate"])
			if _, err := parseWords(fs, args, 0, 0); err != nil {
				return err
			}
			db, err := database.Open(ctx, e.cfg.DatabaseURL, e.cfg.DataDir)
			if err != nil {
				return err
			}
			e.db = db
			from, to, err := database.Migrate(ctx, db.Pool)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "schema version %d -> %d\n", from, to)
			return nil
		}})
}

package main

import (
	"context"
	"fmt"
	"time"

	"scrutin/demo"
)

func init() {
	register(&command{name: "demo", summary: "Load the demo data set (communes, bureaux, an election, staff, samples).",
		run: func(ctx context.Context, e *env, args []string) error {
			if _, err := parseWords(e.flags(commands["demo"]), args, 0, 0); err != nil {
				return err
			}
			if err := e.open(ctx); err != nil {
				return err
			}
			if err := demo.Load(ctx, e.db.Pool, time.Now(), e.baseURL(), demoLoaders...); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "demo data loaded; staff login: %s / %s\n", demo.AdminEmail, demo.Password)
			return nil
		}})
}

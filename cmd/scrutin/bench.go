package main

import (
	"context"
	"fmt"
	"sort"
)

// benchmark is one `scrutin bench NAME` measurement on a running database.
// Capabilities register theirs with registerBench from their own file.
type benchmark struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var benchmarks = map[string]benchmark{}

func registerBench(b benchmark) { benchmarks[b.name] = b }

func init() {
	register(&command{name: "bench", usage: "NAME [options]",
		summary: "Measure a figure quoted in the README on this machine (`scrutin bench list`).",
		run: func(ctx context.Context, e *env, args []string) error {
			// The common options may come before NAME, as the usage
			// says; the benchmark parses the rest with its own.
			fs := e.flags(commands["bench"])
			if err := parseFlags(fs, args); err != nil {
				listBenchmarks(e)
				return err // flag.ErrHelp (exit 0) or a usage error, usage printed
			}
			args = fs.Args()
			if len(args) == 0 || args[0] == "list" {
				if len(args) == 0 {
					fs.Usage()
				}
				listBenchmarks(e)
				if len(args) == 0 {
					return errUsage
				}
				return nil
			}
			b, ok := benchmarks[args[0]]
			if !ok {
				return fmt.Errorf("unknown benchmark %q (try: scrutin bench list)", args[0])
			}
			return b.run(ctx, e, args[1:])
		}})
}

func listBenchmarks(e *env) {
	names := make([]string, 0, len(benchmarks))
	for n := range benchmarks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(e.stdout, "%-12s %s\n", n, benchmarks[n].summary)
	}
}

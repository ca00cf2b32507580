// Command scrutin is the whole product in one binary: the web server and
// workers (serve), and the commands staff run on the server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"scrutin/database"
	"scrutin/logistics/check"
	"scrutin/logistics/proxies"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // arguments after the name, for --help
	run     func(ctx context.Context, env *env, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// config comes from the environment; each subcommand's flags override it.
type config struct {
	DatabaseURL string
	DataDir     string
	Addr        string
	BaseURL     string
	SMTPURL     string
	SMSURL      string
	// ProxyBatchEvery: how often serve runs the proxy batch on its own
	// (0: never).
	ProxyBatchEvery time.Duration
}

func configFromEnv() config {
	return config{
		DatabaseURL: os.Getenv("DATABASE_URL"),
		DataDir:     envOr("SCRUTIN_DATA", ".scrutin"),
		Addr:        envOr("SCRUTIN_ADDR", "127.0.0.1:8080"),
		BaseURL:     os.Getenv("SCRUTIN_BASE_URL"),
		SMTPURL:     os.Getenv("SMTP_URL"),
		SMSURL:      os.Getenv("SMS_URL"),
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// env is what a running subcommand has: its configuration, output streams
// and, once opened, the database.
type env struct {
	cfg    config
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
	log    *slog.Logger
	db     *database.DB
}

// flags returns a FlagSet with the options every subcommand shares.
func (e *env) flags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("scrutin "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&e.cfg.DatabaseURL, "database-url", e.cfg.DatabaseURL, "PostgreSQL URL (env DATABASE_URL); empty = embedded cluster")
	fs.StringVar(&e.cfg.DataDir, "data", e.cfg.DataDir, "directory of the embedded cluster and files (env SCRUTIN_DATA)")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: scrutin %s [options] %s\n\n%s\n\nOptions:\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

// open resolves the database (the same way for every subcommand) and
// brings its schema up to date.
func (e *env) open(ctx context.Context) error {
	db, err := database.Open(ctx, e.cfg.DatabaseURL, e.cfg.DataDir)
	if err != nil {
		return err
	}
	if _, _, err := database.Migrate(ctx, db.Pool); err != nil {
		db.Close()
		return err
	}
	e.db = db
	return nil
}

// baseURL is the public URL put in the links people receive: the
// configured one, else this server's own address.
func (e *env) baseURL() string {
	if e.cfg.BaseURL != "" {
		return e.cfg.BaseURL
	}
	return "http://" + e.cfg.Addr
}

func (e *env) close() {
	if e.db != nil {
		if err := e.db.Close(); err != nil {
			e.log.Error("stop embedded PostgreSQL", "err", err)
		}
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		printHelp(stdout)
		return 0
	}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "scrutin: unknown command %q\n\n", name)
		printHelp(stderr)
		return 2
	}
	if _, err := proxies.ExpiryFromEnv(); err != nil && !slices.ContainsFunc(args, isHelp) {
		fmt.Fprintf(stderr, "scrutin: %v\n", err)
		return 2
	}
	e := &env{cfg: configFromEnv(), stdout: stdout, stderr: stderr, stdin: stdin,
		log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	defer e.close()
	err := c.run(ctx, e, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		// "scrutin COMMAND --help" printed the usage it asked for, however
		// the command reads its arguments: a success.
		if len(args) > 0 && isHelp(args[0]) {
			return 0
		}
		return 2
	default:
		fmt.Fprintf(stderr, "scrutin %s: %s\n", name, errorText(err))
		return 1
	}
}

// Refusals of the domain read on the command line as on the pages, in
// French: validation errors (*check.Invalid) and conflicts carry their
// own message, written for a terminal too; check.ErrForbidden and
// check.ErrNotFound carry none ("forbidden", "not found"), which the web
// words by status. The command line's own messages (usage, files,
// summaries) stay in English.
var refusalTexts = []struct {
	err  error
	text string
}{
	{check.ErrForbidden, "Accès refusé : cet élément est hors du périmètre ou du rôle du compte utilisé."},
	{check.ErrNotFound, "Élément introuvable, ou hors du périmètre du compte utilisé."},
}

// errorText is err as the command line prints it: a bare refusal, or one
// a command wrapped ("slug: forbidden", one line per error joined), in
// words.
func errorText(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for _, r := range refusalTexts {
		if !errors.Is(err, r.err) {
			continue
		}
		for i, l := range lines {
			if strings.HasSuffix(l, r.err.Error()) {
				lines[i] = strings.TrimSuffix(l, r.err.Error()) + r.text
			}
		}
	}
	return strings.Join(lines, "\n")
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// errUsage: the arguments were wrong and usage has been printed.
var errUsage = errors.New("usage")

// parseWords parses the flags wherever they stand among the arguments (Go's
// flag package stops at the first other word, and would leave a flag after
// it unread, such as --dry-run after a typo) and returns the other words in
// order. It fails with errUsage, after the usage, unless there are between
// min and max of them (max < 0: no limit); asked for help, with
// flag.ErrHelp, the usage printed once.
func parseWords(fs *flag.FlagSet, args []string, min, max int) ([]string, error) {
	var words []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if args = fs.Args(); len(args) == 0 {
			break
		}
		words, args = append(words, args[0]), args[1:]
	}
	if max >= 0 && len(words) > max {
		// Said before the usage: "scrutin --data X migrate" runs serve,
		// for which "migrate" is one word too many.
		extra := words[max]
		if _, ok := commands[extra]; ok && fs.Name() != "scrutin "+extra {
			fmt.Fprintf(fs.Output(), "scrutin: %q is a command: write it first (scrutin %s [options]).\n", extra, extra)
		} else {
			fmt.Fprintf(fs.Output(), "scrutin: unexpected argument %q.\n", extra)
		}
	}
	if len(words) < min || (max >= 0 && len(words) > max) {
		fs.Usage()
		return nil, errUsage
	}
	return words, nil
}

// parseFlags is fs.Parse for the commands: a flag not defined or a bad
// value, which the flag package has already reported with the usage, is
// errUsage (exit 2, said once); asked for help, flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return errUsage
	}
	return err
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `scrutin: election-day logistics for French campaigns (proxies, poll delegates, material).

Usage: scrutin [command] [options]    (default command: serve)

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Run "scrutin COMMAND --help" for a command's options.

Environment: DATABASE_URL (unset: embedded PostgreSQL under SCRUTIN_DATA), SCRUTIN_DATA (default .scrutin),
SCRUTIN_ADDR (default 127.0.0.1:8080), SCRUTIN_BASE_URL (links in messages), SMTP_URL, SMS_URL,
SCRUTIN_OFFER_EXPIRY (default 24h) and SCRUTIN_OFFER_EXPIRY_LATE (default 6h, in the last 3 days before a round).
`)
}

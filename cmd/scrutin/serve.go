package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"scrutin/demo"
	"scrutin/logistics/pgdb"
	"scrutin/web"
)

// worker is a background job run by serve, in one instance at a time.
type worker struct {
	name     string
	lockKey  int64
	interval time.Duration
	// every, when set, reads the interval from serve's options instead
	// (0 or less: the worker does not run); such a worker first runs one
	// interval after serve starts.
	every func(e *env) time.Duration
	run   func(ctx context.Context, e *env) error
}

var workers []worker

func registerWorker(w worker) { workers = append(workers, w) }

func init() {
	register(&command{name: "serve", summary: "Serve the web pages, the JSON API and the background workers (default).",
		run: serve})
}

func serve(ctx context.Context, e *env, args []string) error {
	fs := e.flags(commands["serve"])
	fs.StringVar(&e.cfg.Addr, "addr", e.cfg.Addr, "listen address (env SCRUTIN_ADDR)")
	fs.StringVar(&e.cfg.BaseURL, "base-url", e.cfg.BaseURL, "public URL used in links sent by e-mail/SMS (env SCRUTIN_BASE_URL)")
	noDemo := fs.Bool("no-demo", false, "do not load the demo data into the empty embedded cluster")
	withDemo := fs.Bool("demo", false, "load the demo data into an empty database named by DATABASE_URL too (a server of your own gets none by default: the demo's admin password is published)")
	rate := fs.Int("public-rate", 30, "public submissions allowed per client IP per minute")
	proxies := fs.String("trusted-proxies", "", "comma-separated reverse proxy addresses or CIDR ranges whose X-Forwarded-For is trusted (read from the right: the first address not among them is the client)")
	fs.DurationVar(&e.cfg.ProxyBatchEvery, "proxy-batch-every", time.Hour,
		"run the proxy batch matching of every open election this often, the first time one interval after start (0: never; staff and scrutin match proxies run it at will)")
	if _, err := parseWords(fs, args, 0, 0); err != nil {
		return err
	}
	e.cfg.BaseURL = e.baseURL()
	if err := e.open(ctx); err != nil {
		return err
	}
	if e.db.Cluster != nil {
		e.log.Info("embedded PostgreSQL", "dir", e.db.Cluster.Dir, "started_here", e.db.Cluster.Started())
	}
	// The demo's admin password is in the README: only the embedded
	// cluster, a trial on this machine, gets it without being asked.
	if !*noDemo && (e.db.Cluster != nil || *withDemo) {
		loaded, err := demo.LoadIfEmpty(ctx, e.db.Pool, time.Now(), e.cfg.BaseURL, demoLoaders...)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if loaded {
			e.log.Info("demo data loaded into the empty database")
		}
	}

	var trusted []string
	if *proxies != "" {
		trusted = strings.Split(*proxies, ",")
	}
	srv := web.New(e.db.Pool, web.Config{
		BaseURL:             e.cfg.BaseURL,
		PublicRatePerMinute: *rate,
		SecureCookies:       strings.HasPrefix(e.cfg.BaseURL, "https://"),
		TrustedProxies:      trusted,
		Logger:              e.log,
	}, modules...)

	demoUser, demoPassword, demoLogin := demo.StaffLogin(ctx, e.db.Pool)
	if demoLogin && !loopback(e.cfg.Addr) {
		return fmt.Errorf("refusing to listen on %s: the demo admin %s still logs in with the published password %q; "+
			"change it (scrutin staff add --email %[2]s --role admin --password-stdin) or delete it (scrutin staff remove --email %[2]s), "+
			"or listen on 127.0.0.1", e.cfg.Addr, demoUser, demoPassword)
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "scrutin is serving http://%s\n", ln.Addr())
	if demoLogin {
		fmt.Fprintf(e.stdout, "staff login (demo): %s / %s\n", demoUser, demoPassword)
	}

	jobCtx, stopJobs := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range workers {
		interval := w.interval
		if w.every != nil {
			if interval = w.every(e); interval <= 0 {
				continue
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w.every != nil {
				select {
				case <-jobCtx.Done():
					return
				case <-time.After(interval):
				}
			}
			pgdb.Every(jobCtx, e.db.Pool, e.log, w.name, w.lockKey, interval, nil, func(ctx context.Context) error {
				return w.run(ctx, e)
			})
		}()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.App.Listener(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		e.log.Info("shutting down")
		err = srv.App.ShutdownWithTimeout(20 * time.Second)
	}
	stopJobs()
	wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// loopback reports whether addr (host:port) listens on this machine only:
// a loopback address or "localhost"; an empty host is every interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

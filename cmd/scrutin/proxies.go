package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database"
	"scrutin/demo"
	"scrutin/internal/benchmeter"
	"scrutin/logistics/elections"
	"scrutin/logistics/proxies"
	"scrutin/logistics/staff"
	"scrutin/web"
	"scrutin/web/proxyweb"
)

// Advisory lock keys of the proxy workers (one instance runs each).
const (
	proxiesExpireLock = 7_303_001
	proxiesRemindLock = 7_303_002
	proxiesBatchLock  = 7_303_003
)

func init() {
	register(&command{name: "match", usage: "proxies [--election S] [--dry-run]",
		summary: "Run the proxy matching (optimal assignment of open requests to free volunteers) and send the offers.",
		run:     matchCommand})
	// Unanswered offers go to the next candidate after their deadline.
	registerWorker(worker{name: "proxies.expire", lockKey: proxiesExpireLock, interval: time.Minute,
		run: func(ctx context.Context, e *env) error {
			d := proxiesDesk(e)
			_, err := d.ExpireOffers(ctx)
			d.Settle() // the next candidates are proposed before the job ends
			return err
		}})
	// Reminders to mandants who have not confirmed, 3 days before a round.
	registerWorker(worker{name: "proxies.remind", lockKey: proxiesRemindLock, interval: 30 * time.Minute,
		run: func(ctx context.Context, e *env) error {
			_, err := proxiesDesk(e).SendReminders(ctx)
			return err
		}})
	// The batch, on its own: what the instant path cannot plan (a chain
	// of swaps longer than its neighbourhood, a run lost to a restart)
	// does not wait for staff to press the button.
	registerWorker(worker{name: "proxies.batch", lockKey: proxiesBatchLock,
		every: func(e *env) time.Duration { return e.cfg.ProxyBatchEvery },
		run:   runProxyBatch})
	registerBench(benchmark{name: "proxies",
		summary: "Proxies: `match` (batch, 100,000 × 100,000 over the real communes) and `submit` (public requests/s and p99 over loopback).",
		run:     benchProxies})
}

func proxiesDesk(e *env) *proxies.Desk {
	d := proxies.NewDesk(e.db.Pool, e.baseURL(), nil)
	d.OnError = func(err error) { e.log.Error("proxy instant matching", "err", err) }
	return d
}

// runProxyBatch runs the batch matching of every election open now, as
// the system (audited like a staff run).
func runProxyBatch(ctx context.Context, e *env) error {
	open, err := elections.OpenAt(ctx, e.db.Pool, time.Now())
	if err != nil {
		return err
	}
	d := proxiesDesk(e)
	// One election's failure does not hold back the others' offers.
	var errs []error
	for _, el := range open {
		if ctx.Err() != nil {
			break
		}
		res, err := d.Match(ctx, el.ID, proxies.MatchOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", el.Slug, err))
			continue
		}
		e.log.Info("proxy batch", "election", el.Slug, "proposed", res.Proposed, "moved", res.Moved,
			"withdrawn", res.Withdrawn, "kept", res.Kept, "unmatched", res.Unmatched)
	}
	return errors.Join(errs...)
}

func matchCommand(ctx context.Context, e *env, args []string) error {
	c := commands["match"]
	fs := e.flags(c)
	election := fs.String("election", "", "election slug (default: the only open election)")
	dryRun := fs.Bool("dry-run", false, "compute and print the counts, write nothing")
	fs.StringVar(&e.cfg.BaseURL, "base-url", e.cfg.BaseURL, "public URL used in the links sent (env SCRUTIN_BASE_URL)")
	words, err := parseWords(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if words[0] != "proxies" {
		fs.Usage()
		return errUsage
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	id, slug, err := proxies.ElectionID(ctx, e.db.Pool, *election, time.Now())
	if err != nil {
		return err
	}
	d := proxiesDesk(e)
	res, err := d.Match(ctx, id, proxies.MatchOptions{DryRun: *dryRun, Actor: staff.ActorCLI})
	if err != nil {
		return err
	}
	// What the run did, or with --dry-run would do, every verb in the
	// same mood.
	verbs := []any{"proposed", "moved", "withdrew", "kept"}
	if *dryRun {
		verbs = []any{"would propose", "move", "withdraw", "keep"}
	}
	fmt.Fprintf(e.stdout, "%s: %s, %s; %s %s, %s %d, %s %d, %s %d; %d unmatched (load %d ms, solve %d ms, write %d ms)\n",
		slug, plural(res.Demands, "request round", "request rounds"), plural(res.Volunteers, "volunteer round", "volunteer rounds"),
		verbs[0], plural(res.Proposed, "new offer", "new offers"), verbs[1], res.Moved, verbs[2], res.Withdrawn, verbs[3], res.Kept,
		res.Unmatched, res.LoadMs, res.SolveMs, res.WriteMs)
	return nil
}

// plural is n and its English noun: "1 new offer", "0 new offers".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ---- scrutin bench proxies ----

func benchProxies(ctx context.Context, e *env, args []string) error {
	c := &command{name: "bench proxies", usage: "match|submit", summary: "Measure the proxy matching batch or the public submission rate."}
	fs := e.flags(c)
	n := fs.Int("n", 100_000, "match: requests and volunteers to generate")
	communes := fs.String("communes", filepath.Join("..", "shared", "data", "communes-laposte-hexasmal.csv"), "match: La Poste communes file")
	total := fs.Int("requests", 20_000, "submit: requests to post")
	conc := fs.Int("concurrency", 32, "submit: concurrent clients")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the measurement to this file")
	words, err := parseWords(fs, args, 1, 1)
	if err != nil {
		return err
	}
	mode := words[0]
	if mode != "match" && mode != "submit" {
		fs.Usage()
		return errUsage
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	pool, drop, err := scratchDatabase(ctx, e, *conc+8)
	if err != nil {
		return err
	}
	defer drop()
	var fsync, syncCommit string
	pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit)
	fmt.Fprintf(e.stdout, "scratch database: fsync=%s synchronous_commit=%s\n", fsync, syncCommit)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if mode == "match" {
		return benchMatch(ctx, e, pool, *communes, *n)
	}
	return benchSubmit(ctx, e, pool, *total, *conc)
}

// scratchDatabase creates a migrated database next to the configured one
// (same server, same settings) and drops it afterwards: measurements never
// touch real data.
func scratchDatabase(ctx context.Context, e *env, conns int) (*pgxpool.Pool, func(), error) {
	name := fmt.Sprintf("scrutin_bench_%d", os.Getpid())
	if _, err := e.db.Pool.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, fmt.Errorf("create scratch database: %w", err)
	}
	dropDB := func() { e.db.Pool.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") }
	cfg := e.db.Pool.Config().Copy()
	cfg.ConnConfig.Database = name
	cfg.MaxConns = int32(max(conns, 16))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err == nil {
		_, _, err = database.Migrate(ctx, pool)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		dropDB()
		return nil, nil, err
	}
	return pool, func() { pool.Close(); dropDB() }, nil
}

func benchMatch(ctx context.Context, e *env, pool *pgxpool.Pool, communes string, n int) error {
	t0 := time.Now()
	el, imported, err := proxies.BenchElection(ctx, pool, communes, n, 1)
	if err != nil {
		return fmt.Errorf("%w (--communes %s)", err, communes)
	}
	fmt.Fprintf(e.stdout, "%d communes imported, %d requests and %d volunteers generated in %s\n", imported, n, n, time.Since(t0).Round(time.Millisecond))
	d := proxies.NewDesk(pool, "http://bench", nil)
	d.InstantOff = true
	var walBefore, walAfter string
	pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&walBefore)
	meter := benchmeter.Start(10 * time.Millisecond)
	t0 = time.Now()
	res, err := d.Match(ctx, el.ID, proxies.MatchOptions{Actor: staff.ActorCLI})
	wall := time.Since(t0)
	heap, cpu := meter.Stop()
	if err != nil {
		return err
	}
	var walMB float64
	pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&walAfter)
	pool.QueryRow(ctx, `SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn) / 1048576`, walAfter, walBefore).Scan(&walMB)
	fmt.Fprintf(e.stdout, "batch wrote %.0f MB of WAL\n", walMB)
	fmt.Fprintf(e.stdout, "batch: %s end to end (load %d ms, solve %d ms, write %d ms): %d offers, %d of them written during the solve, %d unmatched of %d request rounds\n",
		wall.Round(time.Millisecond), res.LoadMs, res.SolveMs, res.WriteMs, res.Proposed, res.Early, res.Unmatched, res.Demands)
	fmt.Fprintf(e.stdout, "batch memory: peak Go heap %d MB; peak RSS of this process %.0f MB (the data's generation included); %s of its CPU\n",
		heap>>20, benchmeter.PeakRSSMB(), cpu.Round(10*time.Millisecond))

	// The instant path at this scale: a new request in a dense place
	// (Paris 4e) and in a rural one, planned with the offers around them.
	d.InstantOff = false
	for i, commune := range []string{"75104", "04070"} {
		t0 := time.Now()
		out, err := d.SubmitRequest(ctx, proxies.RequestInput{Election: el.Slug, FirstName: "Instant", LastName: commune,
			Email: fmt.Sprintf("instant%d@bench.example", i), Phone: "0699999999", CommuneCode: commune, Rounds: []int{1}, Consent: true})
		if err != nil {
			return err
		}
		d.Settle()
		var status string
		pool.QueryRow(ctx, `SELECT status FROM proxy_request_rounds WHERE request_id = $1`, out.ID).Scan(&status)
		fmt.Fprintf(e.stdout, "instant: a request in %s is %s %s after it is submitted\n", commune, status, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

func benchSubmit(ctx context.Context, e *env, pool *pgxpool.Pool, total, conc int) error {
	if err := demo.Load(ctx, pool, time.Now(), ""); err != nil {
		return err
	}
	// The public rate limit is per IP and per minute: lifted here, and
	// each client gets its own loopback address (127.0.0.x), as real
	// visitors have theirs.
	srv := web.New(pool, web.Config{PublicRatePerMinute: 1 << 30, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, proxyweb.Routes)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.App.Listener(ln)
	defer srv.App.ShutdownWithTimeout(5 * time.Second)
	url := "http://" + ln.Addr().String()
	spots := []struct{ commune, bureau string }{{"04070", "1"}, {"04070", "2"}, {"04112", "3"}, {"04209", "1"}, {"75104", "8"}, {"75104", "13"}}
	body := func(kind string, i int) []byte {
		p := spots[i%len(spots)]
		m := map[string]any{"election": demo.ElectionSlug, "first_name": "Bench", "last_name": fmt.Sprint(i),
			"email": fmt.Sprintf("%s%d@bench.example", kind, i), "phone": fmt.Sprintf("06%08d", i%100_000_000),
			"commune_code": p.commune, "bureau_code": p.bureau, "rounds": []int{1}, "consent": true}
		if kind == "v" {
			m["birth_date"], m["voter_number"], m["max_distance_km"] = "1980-01-01", fmt.Sprintf("%09d", i), 10
		}
		b, _ := json.Marshal(m)
		return b
	}
	clients := make([]*http.Client, conc)
	for i := range clients {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(2+i%250))}}
		clients[i] = &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 1}}
	}
	post := func(c *http.Client, path string, b []byte) (int, error) {
		resp, err := c.Post(url+path, "application/json", bytes.NewReader(b))
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	run := func(from, count int) ([]time.Duration, int64, time.Duration) {
		lat := make([]time.Duration, count)
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		t0 := time.Now()
		for w := 0; w < conc; w++ {
			wg.Add(1)
			go func(c *http.Client) {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= count {
						return
					}
					s := time.Now()
					status, err := post(c, "/api/v1/proxy-requests", body("r", from+i))
					lat[i] = time.Since(s)
					if err != nil || status != http.StatusCreated {
						failed.Add(1)
					}
				}
			}(clients[w])
		}
		wg.Wait()
		return lat, failed.Load(), time.Since(t0)
	}
	run(0, min(1000, total/10)) // warm-up: connections, caches
	lat, failed, wall := run(1_000_000, total)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	fmt.Fprintf(e.stdout, "submit: %d requests, %d clients, %s: %.0f requests/s; latency p50 %s, p99 %s, max %s; %d failed\n",
		total, conc, wall.Round(time.Millisecond), float64(total)/wall.Seconds(),
		pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond), failed)

	// The instant path: a volunteer signs up where requests wait; how long
	// until their offer exists?
	var worst time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		status, err := post(clients[0], "/api/v1/proxy-volunteers", body("v", i))
		if err != nil || status != http.StatusCreated {
			return fmt.Errorf("volunteer sign-up: %d %v", status, err)
		}
		email := fmt.Sprintf("v%d@bench.example", i)
		for {
			var ok bool
			if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM proxy_offers o JOIN proxy_volunteers v ON v.id = o.volunteer_id WHERE v.email = $1 AND o.status = 'pending')`, email).Scan(&ok); err != nil {
				return err
			}
			if ok {
				break
			}
			if time.Since(t0) > 30*time.Second {
				return errors.New("no offer 30 s after a volunteer signed up")
			}
			time.Sleep(2 * time.Millisecond)
		}
		worst = max(worst, time.Since(t0))
	}
	var open int
	pool.QueryRow(ctx, `SELECT count(*) FROM proxy_request_rounds WHERE status = 'open'`).Scan(&open)
	fmt.Fprintf(e.stdout, "instant: an offer exists at most %s after a volunteer's sign-up is answered (5 sign-ups, %d open requests around)\n",
		worst.Round(time.Millisecond), open)
	return nil
}

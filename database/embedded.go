// Package database resolves, starts and migrates the PostgreSQL database that
// holds all of scrutin's state.
//
// With no DATABASE_URL, scrutin runs its own cluster: initdb on first use,
// postgres on a private unix socket, stopped on exit. A second scrutin process
// pointed at the same data directory reuses the running cluster instead of
// starting another one.
package database

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoServer explains how to get PostgreSQL when no server binaries exist.
var ErrNoServer = errors.New("PostgreSQL server binaries not found: install them " +
	"(apt-get install postgresql) or set DATABASE_URL to an existing database")

// superuser is the role initdb creates; the embedded cluster trusts local
// socket connections only, so it has no password.
const superuser = "scrutin"

// Cluster is an embedded PostgreSQL cluster living in one directory.
type Cluster struct {
	Dir     string // holds pgdata/ and the socket directory
	BinDir  string
	Options []string // extra "-c name=value" server settings
	started bool     // true when this process started the server
	runAs   string   // "postgres" when we are root, else ""
}

// NewCluster prepares (but does not start) a cluster under dir.
func NewCluster(dir string) (*Cluster, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: abs, BinDir: bin}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		c.runAs = "postgres"
	}
	return c, nil
}

// FindBinDir locates initdb/postgres: pg_config --bindir, the Debian layout,
// then PATH.
func FindBinDir() (string, error) {
	var candidates []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(debian, func(i, j int) bool { return pgMajor(debian[i]) > pgMajor(debian[j]) })
	candidates = append(candidates, debian...)
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", ErrNoServer
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

func (c *Cluster) dataDir() string   { return filepath.Join(c.Dir, "pgdata") }
func (c *Cluster) socketDir() string { return filepath.Join(c.Dir, "run") }

// URL is the connection string for database name on this cluster.
func (c *Cluster) URL(name string) string {
	q := url.Values{"host": {c.socketDir()}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User(superuser), Path: "/" + name, RawQuery: q.Encode()}).String()
}

// Start initialises the cluster if needed and starts it unless a server is
// already running on it.
func (c *Cluster) Start(ctx context.Context) error {
	if err := c.prepareDirs(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return err
		}
	}
	if c.ping(ctx) == nil {
		return nil // another scrutin process runs it
	}
	args := []string{"-D", c.dataDir(), "-w", "-t", "60", "-l", filepath.Join(c.Dir, "postgres.log"), "start",
		"-o", c.serverOptions()}
	if err := c.run(ctx, filepath.Join(c.BinDir, "pg_ctl"), args...); err != nil {
		logTail, _ := os.ReadFile(filepath.Join(c.Dir, "postgres.log"))
		return fmt.Errorf("start postgres: %w\n%s", err, tail(logTail, 2000))
	}
	c.started = true
	return c.ping(ctx)
}

func (c *Cluster) serverOptions() string {
	opts := []string{
		"-k " + c.socketDir(),
		"-c listen_addresses=''",
		"-c unix_socket_permissions=0777",
	}
	for _, o := range c.Options {
		opts = append(opts, "-c "+o)
	}
	return strings.Join(opts, " ")
}

// Stop shuts the server down if this process started it.
func (c *Cluster) Stop() error {
	if !c.started {
		return nil
	}
	c.started = false
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.run(ctx, filepath.Join(c.BinDir, "pg_ctl"), "-D", c.dataDir(), "-m", "fast", "-w", "stop")
}

// Started reports whether this process owns the running server.
func (c *Cluster) Started() bool { return c.started }

func (c *Cluster) prepareDirs() error {
	for _, d := range []string{c.Dir, c.socketDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if c.runAs == "" {
		return nil
	}
	u, err := user.Lookup(c.runAs)
	if err != nil {
		return fmt.Errorf("running as root needs the %q system user to run PostgreSQL: %w", c.runAs, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// The server user must reach the directory through every parent.
	for d := c.Dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, st.Mode().Perm()|0o011); err != nil {
				return err
			}
		}
	}
	for _, d := range []string{c.Dir, c.socketDir()} {
		if err := os.Chown(d, uid, gid); err != nil {
			return err
		}
	}
	if _, err := os.Stat(c.dataDir()); err == nil {
		return os.Chown(c.dataDir(), uid, gid)
	}
	return nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	return c.run(ctx, filepath.Join(c.BinDir, "initdb"),
		"-D", c.dataDir(), "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
}

// run executes a server binary, as the postgres user when we are root.
func (c *Cluster) run(ctx context.Context, bin string, args ...string) error {
	var cmd *exec.Cmd
	if c.runAs != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.runAs, "--", bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the postmaster running; make it outlive a
	// Ctrl-C sent to our process group so that we can stop it cleanly.
	cmd.SysProcAttr = detached()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(bin), err, tail(out.Bytes(), 2000))
	}
	return nil
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// EnsureDatabase creates database name on the cluster if missing.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// StopWhenGone starts a detached watchdog that stops the server (immediate
// mode) and removes removeDir once process pid has exited. Test binaries
// use it so that one killed by a timeout leaves no server running.
func (c *Cluster) StopWhenGone(pid int, removeDir string) error {
	stop := quote(filepath.Join(c.BinDir, "pg_ctl")) + " -D " + quote(c.dataDir()) + " -m immediate -w stop"
	if c.runAs != "" {
		stop = "runuser -u " + c.runAs + " -- " + stop
	}
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 1; done; %s >/dev/null 2>&1; rm -rf %s", pid, stop, quote(removeDir))
	cmd := exec.Command("sh", "-c", script)
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

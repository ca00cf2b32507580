package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"scrutin/database"
	"scrutin/database/dbtest"
	"scrutin/logistics/notify"
	"scrutin/logistics/pgdb"
)

// startServe runs scrutin (args: serve and its options) in-process, as
// deployed, until the test ends, and returns its base URL. It fails the
// test when serve does not start or exits with an error.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, args, strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited with %d", code)
		}
	})
	var base string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "scrutin is serving "); ok {
			base = u
			break
		}
	}
	if base == "" {
		t.Fatal("serve did not start")
	}
	go io.Copy(io.Discard, out)
	return base
}

// smtpSink accepts every message and reports each recipient.
func smtpSink(t *testing.T) (addr string, rcpts <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 100)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				tp := textproto.NewConn(conn)
				tp.PrintfLine("220 sink")
				var to string
				for {
					line, err := tp.ReadLine()
					if err != nil {
						return
					}
					switch verb, arg, _ := strings.Cut(line, " "); strings.ToUpper(verb) {
					case "DATA":
						tp.PrintfLine("354 go on")
						io.Copy(io.Discard, tp.DotReader())
						tp.PrintfLine("250 queued")
						ch <- to
					case "RCPT":
						to = strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
						tp.PrintfLine("250 ok")
					case "QUIT":
						tp.PrintfLine("221 bye")
						return
					default:
						tp.PrintfLine("250 ok")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), ch
}

// TestServeSendsTheOutboxThroughSMTPURL runs serve as deployed: the worker
// registered by notify.go takes its advisory lock, listens, and sends a
// message committed while serve runs; the Messages page is served.
func TestServeSendsTheOutboxThroughSMTPURL(t *testing.T) {
	dbURL := dbtest.NewURL(t)
	smtpAddr, rcpts := smtpSink(t)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("SMTP_URL", "smtp://"+smtpAddr+"?from=envoi@example.org")
	t.Setenv("SMS_URL", "")
	t.Setenv("SCRUTIN_ADDR", "127.0.0.1:0")

	base := startServe(t, "serve", "--no-demo")

	pool, err := database.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := pgdb.Tx(context.Background(), pool, func(tx pgx.Tx) error {
		return notify.Enqueue(context.Background(), tx, notify.Message{Channel: notify.Email, Recipient: "camille@example.org", Subject: "Test", Body: "Bonjour"})
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case to := <-rcpts:
		if to != "camille@example.org" {
			t.Errorf("delivered to %q", to)
		}
	case <-time.After(time.Minute): // only keeps a broken worker from hanging the run
		t.Fatal("the message was not sent")
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/staff/messages")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/connexion") {
		t.Errorf("GET /staff/messages anonymously: %d to %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/logistics/pgdb"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func enqueue(t *testing.T, pool *pgxpool.Pool, msgs ...Message) {
	t.Helper()
	if err := pgdb.Tx(context.Background(), pool, func(tx pgx.Tx) error { return Enqueue(context.Background(), tx, msgs...) }); err != nil {
		t.Fatal(err)
	}
}

func newWorker(t *testing.T, pool *pgxpool.Pool, senders map[Channel]Sender) *Worker {
	return &Worker{Pool: pool, Senders: senders, Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

func sendDue(t *testing.T, w *Worker) int {
	t.Helper()
	n, err := w.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// entries returns every outbox row, oldest first, with bodies.
func entries(t *testing.T, pool *pgxpool.Pool) []Entry {
	t.Helper()
	var ids []int64
	rows, _ := pool.Query(context.Background(), `SELECT id FROM outbox ORDER BY id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Entry, len(ids))
	for i, id := range ids {
		e, err := Get(context.Background(), pool, id)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = *e
	}
	return out
}

// letTimePass makes every retry and lease due, as if the clock had moved
// past them.
func letTimePass(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `UPDATE outbox SET next_attempt_at = now() - interval '1 second',
		locked_until = CASE WHEN locked_until IS NULL THEN NULL ELSE now() - interval '1 second' END`); err != nil {
		t.Fatal(err)
	}
}

func TestEmailIsDeliveredAsUTF8PlainTextWithStableMessageID(t *testing.T) {
	srv := startSMTP(t)
	pool := dbtest.New(t)
	subject := "Votre procuration : Élodie a accepté ✓ — dernières étapes avant le scrutin du dimanche"
	body := "Bonjour Camille,\n\nÉlodie Martin a accepté de porter votre procuration.\n.\nUne ligne qui commence par un point, ci-dessus.\n" +
		strings.Repeat("Très longue ligne « sans retour » ", 40) + "\n\nLien : https://scrutin.example.org/p/t/AbC=123\n"
	enqueue(t, pool, Message{Channel: Email, Recipient: " camille.durand@example.org ", Subject: subject, Body: body, Kind: "proxy.accepted"})
	w := newWorker(t, pool, map[Channel]Sender{
		Email: srv.sender(t, "smtp://jean:s%C3%A9same@HOST?from=Campagne%20%C3%89t%C3%A9%20%3Ccontact@campagne.example.org%3E"),
	})

	if n := sendDue(t, w); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	m := got[0]
	if m.From != "contact@campagne.example.org" || len(m.To) != 1 || m.To[0] != "camille.durand@example.org" {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	if m.Auth != "jean:sésame" {
		t.Errorf("AUTH PLAIN with %q", m.Auth)
	}
	// The DotReader turned CRLF into LF. Headers must stay under SMTP's
	// limit; quoted-printable keeps body lines under 76 characters.
	head, rawBody, _ := strings.Cut(string(m.Data), "\n\n")
	for _, line := range strings.Split(head, "\n") {
		if len(line) > 998 {
			t.Errorf("header line longer than SMTP allows: %d characters", len(line))
		}
	}
	for _, line := range strings.Split(rawBody, "\n") {
		if len(line) > 76 {
			t.Errorf("body line of %d characters: %q", len(line), line)
		}
	}
	p := parseMail(t, m.Data)
	if p.Subject != subject {
		t.Errorf("subject %q, want %q", p.Subject, subject)
	}
	if p.Body != body {
		t.Errorf("body:\n%q\nwant:\n%q", p.Body, body)
	}
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Campagne Été" || from[0].Address != "contact@campagne.example.org" {
		t.Errorf("From header %q (%v)", p.Header.Get("From"), err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if _, err := p.Header.Date(); err != nil {
		t.Errorf("Date header %q: %v", p.Header.Get("Date"), err)
	}
	row := entries(t, pool)[0]
	if want := MessageID(row.ID, row.CreatedAt, "campagne.example.org"); p.Header.Get("Message-ID") != want {
		t.Errorf("Message-ID %q, want %q", p.Header.Get("Message-ID"), want)
	}
	if row.Status != Sent || row.Attempts != 1 || row.SentAt.IsZero() || row.LastError != "" || row.Leased {
		t.Errorf("row after sending: %+v", row)
	}
}

func TestTemporaryRefusalIsRetriedWithBackoffThenSent(t *testing.T) {
	srv := startSMTP(t, func(s *smtpServer) {
		s.reply = func(stage, rcpt string, attempt int) string {
			if stage == "RCPT" && attempt <= 2 {
				return "451 4.3.0 Mailbox busy, try again later"
			}
			return ""
		}
	})
	pool := dbtest.New(t)
	enqueue(t, pool, Message{Channel: Email, Recipient: "lea@example.org", Subject: "Proposition", Body: "Bonjour Léa", Kind: "proxy.offer"})
	w := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")})

	for attempt := 1; attempt <= 2; attempt++ {
		if n := sendDue(t, w); n != 0 {
			t.Fatalf("attempt %d: sent %d while the server refuses", attempt, n)
		}
		row := entries(t, pool)[0]
		if row.Status != Pending || row.Attempts != attempt || !strings.Contains(row.LastError, "451") {
			t.Fatalf("after failure %d: %+v", attempt, row)
		}
		if delay := row.NextAttemptAt.Sub(row.LastAttemptAt); delay != DefaultBackoff(attempt) {
			t.Fatalf("after failure %d: next attempt %v later, want %v", attempt, delay, DefaultBackoff(attempt))
		}
		// Not due yet: nothing is tried before the delay has passed.
		sendDue(t, w)
		if seen := srv.attempts("lea@example.org"); seen != attempt {
			t.Fatalf("server saw %d attempts before the retry was due, want %d", seen, attempt)
		}
		letTimePass(t, pool)
	}
	if n := sendDue(t, w); n != 1 {
		t.Fatalf("third attempt sent %d, want 1", n)
	}
	row := entries(t, pool)[0]
	if row.Status != Sent || row.Attempts != 3 || row.LastError != "" || len(srv.messages()) != 1 {
		t.Fatalf("after success: %+v, %d delivered", row, len(srv.messages()))
	}
	if DefaultBackoff(2) != 2*DefaultBackoff(1) || DefaultBackoff(20) != time.Hour {
		t.Errorf("backoff 1, 2, 20: %v %v %v", DefaultBackoff(1), DefaultBackoff(2), DefaultBackoff(20))
	}
}

func TestMessageFailsAfterMaxAttempts(t *testing.T) {
	srv := startSMTP(t, func(s *smtpServer) {
		s.reply = func(stage, rcpt string, attempt int) string {
			if stage == "DATA" {
				return "452 4.3.1 Insufficient system storage"
			}
			return ""
		}
	})
	pool := dbtest.New(t)
	enqueue(t, pool, Message{Channel: Email, Recipient: "paul@example.org", Subject: "Rappel", Body: "Bonjour"})
	w := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")})
	w.MaxAttempts = 3
	for i := 0; i < 3; i++ {
		sendDue(t, w)
		letTimePass(t, pool)
	}
	row := entries(t, pool)[0]
	if row.Status != Failed || row.Attempts != 3 || !strings.Contains(row.LastError, "452") {
		t.Fatalf("after 3 refusals: %+v", row)
	}
	sendDue(t, w)
	if seen := srv.attempts("paul@example.org"); seen != 3 {
		t.Fatalf("a failed message was tried again: %d attempts", seen)
	}
}

func TestPermanentRefusalFailsAtOnceAndOthersStillGo(t *testing.T) {
	srv := startSMTP(t, func(s *smtpServer) {
		s.reply = func(stage, rcpt string, attempt int) string {
			if stage == "RCPT" && rcpt == "inconnu@example.org" {
				return "550 5.1.1 No such user"
			}
			return ""
		}
	})
	pool := dbtest.New(t)
	enqueue(t, pool,
		Message{Channel: Email, Recipient: "inconnu@example.org", Subject: "A", Body: "a"},
		Message{Channel: Email, Recipient: "pas-une-adresse", Subject: "B", Body: "b"},
		Message{Channel: Email, Recipient: "connu@example.org", Subject: "C", Body: "c"},
	)
	w := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")})
	if n := sendDue(t, w); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	rows := entries(t, pool)
	if rows[0].Status != Failed || rows[0].Attempts != 1 || !strings.Contains(rows[0].LastError, "550") {
		t.Errorf("unknown mailbox: %+v", rows[0])
	}
	if rows[1].Status != Failed || !strings.Contains(rows[1].LastError, "invalide") {
		t.Errorf("malformed address: %+v", rows[1])
	}
	if rows[2].Status != Sent {
		t.Errorf("good address after a refusal on the same connection: %+v", rows[2])
	}
	if got := srv.messages(); len(got) != 1 || got[0].To[0] != "connu@example.org" {
		t.Errorf("server received %+v", got)
	}
}

func TestTwoWorkersNeverSendAMessageTwice(t *testing.T) {
	srv := startSMTP(t)
	pool := dbtest.New(t)
	const total = 300
	msgs := make([]Message, total)
	for i := range msgs {
		msgs[i] = Message{Channel: Email, Recipient: "volontaire" + strconv.Itoa(i) + "@example.org", Subject: "Offre", Body: "Bonjour", Kind: "proxy.offer"}
	}
	enqueue(t, pool, msgs...)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// Each worker's first batch waits for the other's: both hold a claim
	// at the same moment, so the claims are proven disjoint, not just
	// taken one after the other.
	var bothClaimed sync.WaitGroup
	bothClaimed.Add(2)
	for i := 0; i < 2; i++ {
		w := newWorker(t, pool, map[Channel]Sender{Email: &rendezvous{Sender: srv.sender(t, "smtp://HOST"), wg: &bothClaimed}})
		w.Batch = 7
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	waitArrivals(t, srv, total)
	cancel()
	wg.Wait()

	got := srv.messages()
	ids := map[string]int{}
	for _, m := range got {
		ids[parseMail(t, m.Data).Header.Get("Message-ID")]++
	}
	if len(got) != total || len(ids) != total {
		t.Fatalf("server received %d messages with %d distinct Message-IDs, want %d of each", len(got), len(ids), total)
	}
	for _, row := range entries(t, pool) {
		if row.Status != Sent || row.Attempts != 1 {
			t.Fatalf("row %+v", row)
		}
	}
}

// rendezvous waits for its WaitGroup before its first batch.
type rendezvous struct {
	Sender
	wg   *sync.WaitGroup
	once sync.Once
}

func (r *rendezvous) Send(ctx context.Context, msgs []Outgoing, done func(Outgoing, error) bool) {
	r.once.Do(func() { r.wg.Done(); r.wg.Wait() })
	r.Sender.Send(ctx, msgs, done)
}

// waitArrivals waits for n messages at the server. The bound only keeps a
// broken worker from hanging the test run.
func waitArrivals(t *testing.T, srv *smtpServer, n int) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for i := 0; i < n; i++ {
		select {
		case <-srv.arrived:
		case <-timeout:
			t.Fatalf("only %d of %d messages arrived", i, n)
		}
	}
}

func TestStoppedWorkerLosesNothingAndTheNextSendsTheRest(t *testing.T) {
	ctx1, stop1 := context.WithCancel(context.Background())
	srv := startSMTP(t, func(s *smtpServer) {
		// Stop the first worker while the 10th message is in the server's
		// hands: the worker must record it as sent, not resend it.
		s.beforeAccept = func(n int) {
			if n == 10 {
				stop1()
			}
		}
	})
	pool := dbtest.New(t)
	msgs := make([]Message, 40)
	for i := range msgs {
		msgs[i] = Message{Channel: Email, Recipient: "m" + strconv.Itoa(i) + "@example.org", Subject: "S", Body: "B"}
	}
	enqueue(t, pool, msgs...)

	w1 := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")})
	if err := w1.Run(ctx1); err != nil {
		t.Fatal(err)
	}
	var sent, released int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE status = 'sent'),
		count(*) FILTER (WHERE status = 'pending' AND locked_until IS NULL) FROM outbox`).Scan(&sent, &released); err != nil {
		t.Fatal(err)
	}
	if sent != 10 || released != 30 || len(srv.messages()) != 10 {
		t.Fatalf("after stop: %d sent, %d released, %d delivered; want 10, 30, 10", sent, released, len(srv.messages()))
	}

	ctx2, stop2 := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")}).Run(ctx2) }()
	waitArrivals(t, srv, 40)
	stop2()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range srv.messages() {
		seen[m.To[0]]++
	}
	if len(seen) != 40 || len(srv.messages()) != 40 {
		t.Fatalf("%d messages for %d recipients, want 40 each", len(srv.messages()), len(seen))
	}
}

func TestCrashedWorkersClaimIsTakenOverWhenItsLeaseEnds(t *testing.T) {
	srv := startSMTP(t)
	pool := dbtest.New(t)
	enqueue(t, pool, Message{Channel: Email, Recipient: "a@example.org", Body: "a"}, Message{Channel: Email, Recipient: "b@example.org", Body: "b"})
	senders := map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")}
	crashed := newWorker(t, pool, senders)
	crashed.defaults()
	if claimed, err := crashed.claim(context.Background()); err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %d rows, %v", len(claimed), err)
	}
	// The crashed worker never sends nor releases.
	other := newWorker(t, pool, senders)
	if n := sendDue(t, other); n != 0 || len(srv.messages()) != 0 {
		t.Fatalf("sent %d rows still leased to another worker", n)
	}
	letTimePass(t, pool)
	if n := sendDue(t, other); n != 2 || len(srv.messages()) != 2 {
		t.Fatalf("after the lease: sent %d, delivered %d; want 2", n, len(srv.messages()))
	}
}

func TestChannelWithoutProviderStaysPending(t *testing.T) {
	srv := startSMTP(t)
	pool := dbtest.New(t)
	enqueue(t, pool,
		Message{Channel: SMS, Recipient: "+33612345678", Body: "Votre procuration est confirmée."},
		Message{Channel: Email, Recipient: "x@example.org", Subject: "S", Body: "B"},
		Message{Channel: Email, Recipient: "", Subject: "no recipient: skipped", Body: "B"},
	)
	w := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")})
	if n := sendDue(t, w); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	rows := entries(t, pool)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2 (empty recipient skipped)", len(rows))
	}
	if sms := rows[0]; sms.Status != Pending || sms.Attempts != 0 || sms.LastError != "" || sms.Leased {
		t.Fatalf("SMS without provider: %+v", sms)
	}
	idle := newWorker(t, pool, nil)
	if n := sendDue(t, idle); n != 0 || entries(t, pool)[0].Status != Pending {
		t.Fatal("a worker without any provider touched the outbox")
	}
}

func TestEnqueueInRolledBackTransactionLeavesNothing(t *testing.T) {
	pool := dbtest.New(t)
	errAbort := errors.New("abort")
	err := pgdb.Tx(context.Background(), pool, func(tx pgx.Tx) error {
		if err := Enqueue(context.Background(), tx, Message{Channel: Email, Recipient: "x@example.org", Body: "B"}); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) || len(entries(t, pool)) != 0 {
		t.Fatalf("err %v, %d rows", err, len(entries(t, pool)))
	}
}

// A batch's thousands of messages go by COPY: the same rows as one by one
// (blank recipients skipped, addresses trimmed), and nothing left if the
// transaction rolls back.
func TestEnqueueOfThousandsIsTheSameAsOneByOne(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	msgs := make([]Message, copyFrom+1)
	for i := range msgs {
		msgs[i] = Message{Channel: Email, Recipient: fmt.Sprintf(" v%d@example.org ", i), Subject: "Offre", Body: fmt.Sprintf("Bonjour %d", i), Kind: "proxy.offer"}
	}
	msgs[7].Recipient = " "
	errAbort := errors.New("abort")
	if err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error {
		if err := Enqueue(ctx, tx, msgs...); err != nil {
			return err
		}
		return errAbort
	}); !errors.Is(err, errAbort) || len(entries(t, pool)) != 0 {
		t.Fatalf("rolled back: %v, %d rows", err, len(entries(t, pool)))
	}
	enqueue(t, pool, msgs...)
	got := entries(t, pool)
	if len(got) != len(msgs)-1 {
		t.Fatalf("%d rows, want %d", len(got), len(msgs)-1)
	}
	for i, e := range got {
		j := i
		if i >= 7 {
			j++
		}
		if e.Recipient != fmt.Sprintf("v%d@example.org", j) || e.Body != fmt.Sprintf("Bonjour %d", j) || e.Subject != "Offre" ||
			e.Kind != "proxy.offer" || e.Channel != Email || e.Status != Pending {
			t.Fatalf("row %d: %+v", i, e)
		}
	}
}

// A running worker finds what is enqueued meanwhile at its next look (every
// Interval): nothing signals it.
func TestRunningWorkerSendsWhatIsEnqueuedMeanwhile(t *testing.T) {
	srv := startSMTP(t)
	pool := dbtest.New(t)
	w := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://HOST")})
	w.Interval = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()

	enqueue(t, pool, Message{Channel: Email, Recipient: "first@example.org", Body: "1"})
	waitArrivals(t, srv, 1)
	enqueue(t, pool, Message{Channel: Email, Recipient: "second@example.org", Body: "2"})
	waitArrivals(t, srv, 1)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := srv.messages(); len(got) != 2 || got[1].To[0] != "second@example.org" {
		t.Fatalf("received %+v", got)
	}
}

func TestSTARTTLSIsUsedWhenOfferedAndCertificatesAreChecked(t *testing.T) {
	serverTLS, roots := testCert(t)
	srv := startSMTP(t, func(s *smtpServer) { s.tls = serverTLS })
	pool := dbtest.New(t)
	enqueue(t, pool, Message{Channel: Email, Recipient: "a@example.org", Subject: "S", Body: "B"})

	untrusting := newWorker(t, pool, map[Channel]Sender{Email: srv.sender(t, "smtp://u:p@HOST")})
	if n := sendDue(t, untrusting); n != 0 || len(srv.messages()) != 0 {
		t.Fatal("sent over a TLS connection to an untrusted certificate")
	}
	if row := entries(t, pool)[0]; row.Status != Pending || !strings.Contains(row.LastError, "certificate") {
		t.Fatalf("row %+v", row)
	}
	letTimePass(t, pool)

	snd := srv.sender(t, "smtp://u:p@HOST")
	snd.TLS = &tls.Config{RootCAs: roots}
	if n := sendDue(t, newWorker(t, pool, map[Channel]Sender{Email: snd})); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if m := srv.messages()[0]; !m.TLS || m.Auth != "u:p" {
		t.Fatalf("message received with TLS=%v auth=%q", m.TLS, m.Auth)
	}
}

func TestImplicitTLSWithSMTPS(t *testing.T) {
	serverTLS, roots := testCert(t)
	srv := startSMTP(t, func(s *smtpServer) { s.tls, s.implicit = serverTLS, true })
	pool := dbtest.New(t)
	enqueue(t, pool, Message{Channel: Email, Recipient: "a@example.org", Subject: "S", Body: "B"})
	snd := srv.sender(t, "smtps://HOST?from=envoi@example.org")
	snd.TLS = &tls.Config{RootCAs: roots}
	if n := sendDue(t, newWorker(t, pool, map[Channel]Sender{Email: snd})); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if m := srv.messages()[0]; !m.TLS || m.From != "envoi@example.org" {
		t.Fatalf("received %+v", m)
	}
}

func TestSMSGatewayReceivesJSONAndRefusalsAreSorted(t *testing.T) {
	type call struct {
		Auth, Query, Key, ContentType string
		Body                          map[string]any
	}
	var mu sync.Mutex
	var calls []call
	down := true
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c := call{Auth: r.Header.Get("Authorization"), Query: r.URL.RawQuery, Key: r.Header.Get("Idempotency-Key"), ContentType: r.Header.Get("Content-Type")}
		json.Unmarshal(b, &c.Body)
		mu.Lock()
		calls = append(calls, c)
		isDown := down
		mu.Unlock()
		switch {
		case c.Body["to"] == "+33688888888":
			http.Error(w, `{"error":"unknown number"}`, http.StatusUnprocessableEntity)
		case c.Body["to"] == "+33699999999" && isDown:
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		default:
			w.Write([]byte(`{"id":"abc"}`))
		}
	}))
	defer gw.Close()
	pool := dbtest.New(t)
	text := "Scrutin : Élodie accepte votre procuration. Détails : https://s.example.org/p/t/x"
	enqueue(t, pool,
		Message{Channel: SMS, Recipient: "+33612345678", Body: text, Kind: "proxy.accepted"},
		Message{Channel: SMS, Recipient: "+33688888888", Body: "b"},
		Message{Channel: SMS, Recipient: "06 12 34 56 78", Body: "c"},
		Message{Channel: SMS, Recipient: "+33699999999", Body: "d"},
		Message{Channel: SMS, Recipient: "+33677777777", Body: "e"},
	)
	snd, err := ParseSMSURL(strings.Replace(gw.URL, "http://", "http://s%C3%A9cret@", 1) + "/send?account=campagne")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, pool, map[Channel]Sender{SMS: snd})
	if n := sendDue(t, w); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if len(calls) != 3 {
		t.Fatalf("gateway called %d times, want 3 (not for the malformed number, nor after it said 503)", len(calls))
	}
	c := calls[0]
	if len(c.Body) != 2 || c.Body["to"] != "+33612345678" || c.Body["text"] != text {
		t.Errorf("posted %v", c.Body)
	}
	if c.Auth != "Bearer sécret" || c.Query != "account=campagne" || c.ContentType != "application/json" || !strings.HasPrefix(c.Key, "outbox-") {
		t.Errorf("request auth %q query %q type %q key %q", c.Auth, c.Query, c.ContentType, c.Key)
	}
	want := []struct {
		status   Status
		attempts int
		errMatch string
	}{{Sent, 1, ""}, {Failed, 1, "422"}, {Failed, 1, "invalide"}, {Pending, 1, "503"}, {Pending, 0, ""}}
	rows := entries(t, pool)
	for i, w := range want {
		if rows[i].Status != w.status || rows[i].Attempts != w.attempts || !strings.Contains(rows[i].LastError, w.errMatch) || rows[i].Leased {
			t.Errorf("%s: %+v", rows[i].Recipient, rows[i])
		}
	}

	// The gateway is resting: nothing is posted until the pause is over.
	letTimePass(t, pool)
	sendDue(t, w)
	if len(calls) != 3 {
		t.Fatalf("gateway called during the pause")
	}
	mu.Lock()
	down = false
	mu.Unlock()
	w.clock = func() time.Time { return time.Now().Add(time.Minute) }
	if n := sendDue(t, w); n != 2 {
		t.Fatalf("after the pause: sent %d, want 2", n)
	}
	if rows := entries(t, pool); rows[3].Attempts != 2 || rows[4].Attempts != 1 || rows[4].Status != Sent {
		t.Errorf("after the pause: %+v / %+v", rows[3], rows[4])
	}
}

func TestSMTPOutagePausesTheChannelInsteadOfFailingTheQueue(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close() // nothing listens there any more: connection refused
	pool := dbtest.New(t)
	msgs := make([]Message, 5)
	for i := range msgs {
		msgs[i] = Message{Channel: Email, Recipient: "m" + strconv.Itoa(i) + "@example.org", Subject: "S", Body: "B"}
	}
	enqueue(t, pool, msgs...)
	snd, err := ParseSMTPURL("smtp://" + deadAddr)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, pool, map[Channel]Sender{Email: snd})
	for i := 0; i < 3; i++ { // three passes during the outage
		sendDue(t, w)
		letTimePass(t, pool)
	}
	rows := entries(t, pool)
	if rows[0].Attempts != 1 || rows[0].Status != Pending || !strings.Contains(rows[0].LastError, "connexion SMTP") {
		t.Errorf("first message: %+v", rows[0])
	}
	for _, r := range rows[1:] {
		if r.Attempts != 0 || r.Status != Pending || r.Leased {
			t.Errorf("a message behind the outage was touched: %+v", r)
		}
	}

	srv := startSMTP(t)
	snd.Addr = srv.addr // the server is back
	w.clock = func() time.Time { return time.Now().Add(time.Minute) }
	if n := sendDue(t, w); n != 5 || len(srv.messages()) != 5 {
		t.Fatalf("after the outage: sent %d, delivered %d; want 5", n, len(srv.messages()))
	}
}

func TestProviderURLs(t *testing.T) {
	smtpCases := []struct {
		url, addr, user, pass, from string
		implicit                    bool
	}{
		{"smtp://mail.example.org", "mail.example.org:587", "", "", "scrutin@localhost", false},
		{"smtp://relay:25", "relay:25", "", "", "scrutin@localhost", false},
		{"smtps://jean%40campagne.fr:p%2Fss@mail.example.org?from=envoi@campagne.fr", "mail.example.org:465", "jean@campagne.fr", "p/ss", "envoi@campagne.fr", true},
	}
	for _, c := range smtpCases {
		s, err := ParseSMTPURL(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if s.Addr != c.addr || s.Username != c.user || s.Password != c.pass || s.From.Address != c.from || s.Implicit != c.implicit {
			t.Errorf("%s: %+v", c.url, s)
		}
	}
	for _, bad := range []string{"http://mail.example.org", "smtp://", "smtp://h?from=pas%20une%20adresse", "smtp://u:secret@h:port"} {
		if _, err := ParseSMTPURL(bad); err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error %v", bad, err)
		}
	}
	smsCases := []struct{ url, endpoint, token string }{
		{"https://tok@sms.example.org/send?x=1", "https://sms.example.org/send?x=1", "tok"},
		{"https://:tok@sms.example.org/send", "https://sms.example.org/send", "tok"},
		{"http://127.0.0.1:9000/sms", "http://127.0.0.1:9000/sms", ""},
	}
	for _, c := range smsCases {
		s, err := ParseSMSURL(c.url)
		if err != nil || s.Endpoint != c.endpoint || s.Token != c.token {
			t.Errorf("%s: %+v %v", c.url, s, err)
		}
	}
	for _, bad := range []string{"ftp://h/x", "https://", "sms.example.org"} {
		if _, err := ParseSMSURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	senders, err := Providers("", "")
	if err != nil || len(senders) != 0 {
		t.Errorf("no URL: %v %v", senders, err)
	}
	senders, err = Providers("smtp://u:secret@h:bad", "https://tok@sms.example.org/")
	if err == nil || strings.Contains(err.Error(), "secret") || senders[SMS] == nil || senders[Email] != nil {
		t.Errorf("bad SMTP_URL, good SMS_URL: %v %v", senders, err)
	}
}

func TestLink(t *testing.T) {
	for _, c := range [][3]string{
		{"https://s.example.org", "/p/t/abc", "https://s.example.org/p/t/abc"},
		{"https://s.example.org/", "p/t/abc", "https://s.example.org/p/t/abc"},
	} {
		if got := Link(c[0], c[1]); got != c[2] {
			t.Errorf("Link(%q, %q) = %q", c[0], c[1], got)
		}
	}
}

func TestPurgeDeletesOldMessages(t *testing.T) {
	pool := dbtest.New(t)
	enqueue(t, pool, Message{Channel: Email, Recipient: "old@example.org", Body: "NNE 123456789"}, Message{Channel: Email, Recipient: "new@example.org", Body: "B"})
	if _, err := pool.Exec(context.Background(), `UPDATE outbox SET created_at = now() - interval '90 days' WHERE recipient = 'old@example.org'`); err != nil {
		t.Fatal(err)
	}
	n, err := Purge(context.Background(), pool, time.Now().AddDate(0, 0, -30))
	if rows := entries(t, pool); err != nil || n != 1 || len(rows) != 1 || rows[0].Recipient != "new@example.org" {
		t.Fatalf("purged %d (%v), left %+v", n, err, rows)
	}
}

package notify

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"scrutin/database/dbtest"
	"scrutin/logistics/pgdb"
)

// BenchmarkEnqueue is what a public submission pays for its e-mail: one
// transaction that enqueues a message, committed from several goroutines
// at once (before Enqueue stopped notifying the worker, NOTIFY serialised
// those commits on a cluster-wide lock).
func BenchmarkEnqueue(b *testing.B) {
	pool := dbtest.New(b)
	ctx := context.Background()
	m := Message{Channel: Email, Recipient: "camille@example.org", Subject: "Votre demande est enregistrée",
		Body: "Bonjour Camille,\n\nVotre demande de procuration est enregistrée.\n", Kind: "proxy.request"}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error { return Enqueue(ctx, tx, m) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkWorkerSendsEmails is the worker's throughput to a local SMTP
// server (the test one, on loopback): claim, send over one connection per
// batch, mark sent. One op is one e-mail.
func BenchmarkWorkerSendsEmails(b *testing.B) {
	srv := startSMTP(b)
	pool := dbtest.New(b)
	ctx := context.Background()
	msgs := make([]Message, b.N)
	for i := range msgs {
		msgs[i] = Message{Channel: Email, Recipient: "v@example.org", Subject: "Offre", Body: "Bonjour", Kind: "proxy.offer"}
	}
	if err := pgdb.Tx(ctx, pool, func(tx pgx.Tx) error { return Enqueue(ctx, tx, msgs...) }); err != nil {
		b.Fatal(err)
	}
	snd, err := ParseSMTPURL("smtp://" + srv.addr)
	if err != nil {
		b.Fatal(err)
	}
	w := &Worker{Pool: pool, Senders: map[Channel]Sender{Email: snd}}
	b.ResetTimer()
	n, err := w.SendDue(ctx)
	if err != nil || n != b.N {
		b.Fatalf("sent %d of %d: %v", n, b.N, err)
	}
}

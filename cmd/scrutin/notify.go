package main

import (
	"context"
	"sync"
	"time"

	"scrutin/logistics/notify"
	"scrutin/web/notifyweb"
)

// notifyLockKey is the advisory lock of the sending worker: one instance
// of a deployment sends at a time (see notify.Worker for why a second one
// would still be safe).
const notifyLockKey int64 = 0x5c2_0002

// notifyOrphansLock is the advisory lock of the worker that deletes the
// messages staged beside a transaction that never committed.
const notifyOrphansLock int64 = 0x5c2_0003

func init() {
	// Appended here rather than in modules.go so that this capability's
	// wiring lives in one file; package variables are set before init runs.
	modules = append(modules, notifyweb.Routes)
	// The worker's Run holds the lock for as long as serve lives; the
	// interval is how soon a standby instance takes over when the sending
	// one dies, or the worker restarts after losing its connection.
	registerWorker(worker{name: "notify", lockKey: notifyLockKey, interval: 10 * time.Second, run: runNotify})
	registerWorker(worker{name: "notify.orphans", lockKey: notifyOrphansLock, interval: time.Hour,
		run: func(ctx context.Context, e *env) error {
			_, err := notify.DeleteOrphans(ctx, e.db.Pool, time.Now())
			return err
		}})
}

var notifyConfigLogged sync.Once

// runNotify sends the outbox through SMTP_URL and SMS_URL. A channel
// without provider (the embedded default) is left alone: its messages
// stay pending and admins read them on the Messages page.
func runNotify(ctx context.Context, e *env) error {
	senders, err := notify.Providers(e.cfg.SMTPURL, e.cfg.SMSURL)
	notifyConfigLogged.Do(func() {
		if err != nil {
			e.log.Error("notify: provider configuration ignored", "err", err)
		}
		for _, ch := range []notify.Channel{notify.Email, notify.SMS} {
			if senders[ch] == nil {
				e.log.Info("notify: no provider, messages stay in the outbox (page /staff/messages)", "channel", ch)
			}
		}
	})
	if len(senders) == 0 {
		return nil
	}
	w := &notify.Worker{Pool: e.db.Pool, Senders: senders, Log: e.log}
	return w.Run(ctx)
}

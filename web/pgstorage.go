package web

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgStorage is a fiber.Storage on the web_kv table, so that CSRF tokens are
// shared by every instance behind a load balancer.
type pgStorage struct{ pool *pgxpool.Pool }

func (p *pgStorage) Get(key string) ([]byte, error) {
	var v []byte
	err := p.pool.QueryRow(context.Background(),
		`SELECT value FROM web_kv WHERE key = $1 AND (expires_at IS NULL OR expires_at > now())`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

func (p *pgStorage) Set(key string, val []byte, exp time.Duration) error {
	var expires *time.Time
	if exp > 0 {
		t := time.Now().Add(exp)
		expires = &t
	}
	_, err := p.pool.Exec(context.Background(), `
		INSERT INTO web_kv (key, value, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`, key, val, expires)
	return err
}

func (p *pgStorage) Delete(key string) error {
	_, err := p.pool.Exec(context.Background(), `DELETE FROM web_kv WHERE key = $1`, key)
	return err
}

func (p *pgStorage) Reset() error {
	_, err := p.pool.Exec(context.Background(), `DELETE FROM web_kv`)
	return err
}

func (p *pgStorage) Close() error { return nil }

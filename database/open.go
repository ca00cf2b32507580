package database

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is an open connection pool and whatever must be shut down with it.
type DB struct {
	Pool    *pgxpool.Pool
	Cluster *Cluster // nil when DATABASE_URL points elsewhere
}

// Close releases the pool and stops the embedded server if we started it.
func (db *DB) Close() error {
	db.Pool.Close()
	if db.Cluster != nil {
		return db.Cluster.Stop()
	}
	return nil
}

// Open resolves the database the same way for every subcommand: databaseURL
// when set, else the embedded cluster under dataDir (started if needed).
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	var cluster *Cluster
	if databaseURL == "" {
		var err error
		cluster, err = NewCluster(filepath.Join(dataDir, "pg"))
		if err != nil {
			return nil, err
		}
		if err := cluster.Start(ctx); err != nil {
			return nil, err
		}
		if err := cluster.EnsureDatabase(ctx, "scrutin"); err != nil {
			cluster.Stop()
			return nil, err
		}
		databaseURL = cluster.URL("scrutin")
	}
	pool, err := Connect(ctx, databaseURL)
	if err != nil {
		if cluster != nil {
			cluster.Stop()
		}
		return nil, err
	}
	return &DB{Pool: pool, Cluster: cluster}, nil
}

// Connect opens a pool on url and checks that it answers.
func Connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

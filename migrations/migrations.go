// Package migrations embeds the schema migrations, applied in order by tern.
// Files are NNN_name.sql; tern runs them through text/template, so they must
// not contain a literal double brace.
package migrations

import "embed"

//go:embed *.sql
var FS embed.FS

// Package templates embeds the html/template files of every page.
// Layout: layouts/main.html wraps each page; pages of one capability live in
// a folder named after it (staff/, proxies/, delegates/, materials/).
package templates

import "embed"

//go:embed *.html */*.html
var FS embed.FS

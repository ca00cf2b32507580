package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/logistics/check"
	"scrutin/logistics/places"
	"scrutin/logistics/staff"
)

func init() {
	register(&command{name: "import", usage: "communes|bureaux FILE",
		summary: "Import reference data from FILE (- for standard input): communes = La Poste's postal code file, " +
			"bureaux = INSEE's REU polling stations table. Prints a summary; skipped lines go to standard error.",
		run: importCommand})
}

var importers = map[string]func(context.Context, *pgxpool.Pool, io.Reader, func(int)) (places.Report, error){
	"communes": places.ImportCommunes,
	"bureaux":  places.ImportBureaux,
}

func importCommand(ctx context.Context, e *env, args []string) error {
	c := commands["import"]
	fs := e.flags(c)
	// Options may come before or after the kind and file.
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if args = fs.Args(); len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if len(pos) != 2 || importers[pos[0]] == nil {
		fs.Usage()
		return errUsage
	}
	kind, name := pos[0], pos[1]
	in := e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	// Reference files are a few megabytes: reading them first gives the
	// progress bar its total.
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	bar := newProgressBar(e.stderr, kind, bytes.Count(data, []byte{'\n'})-1) // minus the header
	rep, err := importers[kind](places.WithActor(ctx, staff.ActorCLI), e.db.Pool, bytes.NewReader(data), bar.update)
	bar.done()
	if inv, ok := check.AsInvalid(err); ok {
		return errors.New(inv.Fields["file"])
	}
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stderr, "line %d: %s\n", p.Line, p.Reason)
	}
	fmt.Fprintf(e.stdout, "%s: %d inserted, %d updated, %d skipped\n", kind, rep.Inserted, rep.Updated, rep.Skipped)
	return nil
}

// progressBar draws on a terminal only: piped or redirected, standard
// error gets the skipped lines and nothing else.
type progressBar struct {
	w     io.Writer // nil when not a terminal
	label string
	total int
}

func newProgressBar(w io.Writer, label string, total int) *progressBar {
	f, ok := w.(*os.File)
	if !ok {
		return &progressBar{}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return &progressBar{}
	}
	return &progressBar{w: w, label: label, total: max(total, 1)}
}

const barWidth = 30

func (p *progressBar) update(lines int) {
	if p.w == nil {
		return
	}
	frac := min(float64(lines)/float64(p.total), 1)
	n := int(frac * barWidth)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3.0f%% %d lines", p.label, strings.Repeat("#", n), strings.Repeat(".", barWidth-n), frac*100, lines)
}

func (p *progressBar) done() {
	if p.w != nil {
		fmt.Fprint(p.w, "\r\033[K") // erase the bar: the summary follows
	}
}

package places

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"scrutin/logistics/check"
)

// table reads one of the official CSV files whatever its encoding (UTF-8
// or Latin-1), byte order mark, separator (";" or ",") and line endings,
// and finds columns by their header name, so that column order and
// optional columns do not matter.
type table struct {
	r    *csv.Reader
	cols map[string]int // header name (see columnKey) -> index
	n    int            // header width
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openTable reads the header line. A file without a header line is refused
// with a message for the "file" field.
func openTable(r io.Reader) (*table, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		br.Discard(3)
	}
	lines := &utf8Lines{br: br}
	header, err := lines.line()
	if len(bytes.TrimSpace(header)) == 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, check.Field("file", "Le fichier est vide.")
	}
	sep := separator(header)
	cr := csv.NewReader(io.MultiReader(bytes.NewReader(header), lines))
	cr.Comma = sep
	cr.LazyQuotes = true    // stray quotes in labels are common in public files
	cr.FieldsPerRecord = -1 // short rows are reported per row, not as a failure
	cr.ReuseRecord = true
	names, err := cr.Read()
	if err != nil {
		return nil, check.Field("file", "En-tête du fichier illisible.")
	}
	t := &table{r: cr, cols: map[string]int{}, n: len(names)}
	for i, name := range names {
		if k := columnKey(name); k != "" {
			if _, dup := t.cols[k]; !dup {
				t.cols[k] = i
			}
		}
	}
	return t, nil
}

// separator picks the most frequent of ";", "," and tab in the header.
func separator(header []byte) rune {
	best, n := ';', bytes.Count(header, []byte{';'})
	for _, c := range []rune{',', '\t'} {
		if m := bytes.Count(header, []byte(string(c))); m > n {
			best, n = c, m
		}
	}
	return best
}

// columnKey makes "#Code_commune_INSEE", "Libellé_d_acheminement" and
// "code commune insee" comparable: lower case, no accents, "_" between words.
func columnKey(name string) string {
	return strings.ReplaceAll(FoldWords(strings.TrimLeft(strings.TrimSpace(name), "#\ufeff")), " ", "_")
}

// has reports whether the header has any of the named columns.
func (t *table) has(names ...string) bool {
	for _, n := range names {
		if _, ok := t.cols[n]; ok {
			return true
		}
	}
	return false
}

// next returns the next row and its line number (the header is line 1).
// A row the CSV reader cannot make sense of is returned with rowErr set;
// err is io.EOF at the end.
func (t *table) next() (rec []string, line int, rowErr, err error) {
	rec, err = t.r.Read()
	if err == nil {
		line, _ = t.r.FieldPos(0)
		return rec, line, nil, nil
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.StartLine, pe, nil
	}
	return nil, 0, nil, err
}

// get returns the trimmed value of the first present column among names.
func (t *table) get(rec []string, names ...string) string {
	for _, n := range names {
		if i, ok := t.cols[n]; ok {
			if i < len(rec) {
				v := rec[i]
				if strings.IndexByte(v, 0) >= 0 {
					v = strings.ReplaceAll(v, "\x00", "") // PostgreSQL refuses NUL in text
				}
				return strings.TrimSpace(v)
			}
			return ""
		}
	}
	return ""
}

// short describes a row with fewer fields than the header, for a reason.
func (t *table) short(rec []string) string {
	if len(rec) < t.n {
		return fmt.Sprintf(" (ligne incomplète : %d colonnes au lieu de %d)", len(rec), t.n)
	}
	return ""
}

// utf8Lines hands out the input line by line, converting each line that is
// not valid UTF-8 from Windows-1252 (the superset of Latin-1 that French
// public files are actually written in). Deciding per line reads a mixed
// file right too, and needs no look-ahead.
type utf8Lines struct {
	br  *bufio.Reader
	buf []byte
	err error
}

func (u *utf8Lines) line() ([]byte, error) {
	line, err := u.br.ReadBytes('\n')
	if !utf8.Valid(line) {
		if conv, cerr := charmap.Windows1252.NewDecoder().Bytes(line); cerr == nil {
			line = conv
		}
	}
	return line, err
}

func (u *utf8Lines) Read(p []byte) (int, error) {
	for len(u.buf) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		u.buf, u.err = u.line()
	}
	n := copy(p, u.buf)
	u.buf = u.buf[n:]
	return n, nil
}

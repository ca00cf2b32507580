package exports

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/xuri/excelize/v2"
)

// formulaLike reports whether a spreadsheet would run text s as a formula
// once its cell is edited, or once the sheet is re-saved as CSV: it starts
// with =, +, -, @, a tab or a carriage return.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// Cell makes text safe where there are no cell styles (CSV, plain text):
// formula-like text gets a leading apostrophe, so it stays text everywhere.
// Workbook cells do not need it, and must not have it (it would show):
// their text is kept as it is, and its cell gets the quote prefix (see
// Row and Sheet.Add).
func Cell(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// Row converts values for f's StreamWriter.SetRow: formula-like text, bare
// or as the Value of an excelize.Cell, becomes a cell of the same text
// whose style is its own (0 for none) with Excel's quote prefix. Day and
// Moment values need a Sheet (their styles are its workbook's).
func Row(f *excelize.File, values ...any) ([]any, error) {
	out := make([]any, len(values))
	for i, v := range values {
		q, ok, err := quoted(v, func(base int) (int, error) { return quoteStyle(f, base) })
		if err != nil {
			return nil, err
		}
		if !ok {
			q = v
		}
		out[i] = q
	}
	return out, nil
}

// quoted is v, formula-like text (a string or an excelize.Cell holding one),
// made a cell of the style style(base) gives for its style base; ok is false
// for any other value, left to the caller.
func quoted(v any, style func(base int) (int, error)) (q any, ok bool, err error) {
	switch c := v.(type) {
	case string:
		if formulaLike(c) {
			id, err := style(0)
			return excelize.Cell{StyleID: id, Value: c}, true, err
		}
	case []byte: // written as text too (appendCell)
		if formulaLike(string(c)) {
			id, err := style(0)
			return excelize.Cell{StyleID: id, Value: c}, true, err
		}
	case excelize.Cell:
		if quotedValue(c.Value) {
			c.StyleID, err = style(c.StyleID)
			return c, true, err
		}
	case *excelize.Cell:
		if c != nil && quotedValue(c.Value) {
			cell := *c
			cell.StyleID, err = style(c.StyleID)
			return cell, true, err
		}
	}
	return nil, false, nil
}

func quotedValue(v any) bool {
	switch v := v.(type) {
	case string:
		return formulaLike(v)
	case []byte:
		return formulaLike(string(v))
	}
	return false
}

// cellValue is a bare value as a sheet's row holds it before styles: the
// value itself. Formula-like text is kept as it is; the sheet gives its
// cell the quote prefix (Sheet.value), since that is a style of its
// workbook.
func cellValue(v any) any { return v }

// quoteMu serializes quoteStyle: excelize's styles have no API for the
// quote prefix, and quoteStyle adds to them behind its back.
var quoteMu sync.Mutex

// quoteStyle is f's style base (0: the default) with Excel's quote prefix:
// the cell's text is shown and kept as text, and editing the cell keeps it
// so (Excel shows the apostrophe in the formula bar only; it is not part of
// the value). It is how Excel itself stores text typed with a leading
// apostrophe. A text cell (inline string) is never evaluated as it is
// written; the prefix keeps it inert once someone edits it.
//
// excelize v2.11's Style cannot say it (its cell formats have the
// attribute, NewStyle does not set it), so the format is added to f's
// cellXfs directly: a copy of base's with quotePrefix set. It is made once
// per workbook: an identical format is found again. (excelize's NewStyle
// never returns it for a style without the prefix: it takes the first
// format that matches, and base, which matches as well, comes before.)
func quoteStyle(f *excelize.File, base int) (int, error) {
	quoteMu.Lock()
	defer quoteMu.Unlock()
	// reads the workbook's styles, if not done yet, and checks base
	if _, err := f.GetStyle(base); err != nil {
		return 0, err
	}
	xfs := f.Styles.CellXfs
	xf := xfs.Xf[base]
	if xf.QuotePrefix != nil && *xf.QuotePrefix {
		return base, nil
	}
	// a copy of base's format that shares nothing with it
	xf.NumFmtID, xf.FontID, xf.FillID, xf.BorderID, xf.XfID = clonePtr(xf.NumFmtID), clonePtr(xf.FontID), clonePtr(xf.FillID), clonePtr(xf.BorderID), clonePtr(xf.XfID)
	xf.PivotButton, xf.ApplyNumberFormat, xf.ApplyFont, xf.ApplyFill = clonePtr(xf.PivotButton), clonePtr(xf.ApplyNumberFormat), clonePtr(xf.ApplyFont), clonePtr(xf.ApplyFill)
	xf.ApplyBorder, xf.ApplyAlignment, xf.ApplyProtection = clonePtr(xf.ApplyBorder), clonePtr(xf.ApplyAlignment), clonePtr(xf.ApplyProtection)
	xf.Alignment, xf.Protection = clonePtr(xf.Alignment), clonePtr(xf.Protection)
	if xf.Protection != nil {
		xf.Protection.Hidden, xf.Protection.Locked = clonePtr(xf.Protection.Hidden), clonePtr(xf.Protection.Locked)
	}
	yes := true
	xf.QuotePrefix = &yes
	for id, other := range xfs.Xf {
		if reflect.DeepEqual(other, xf) {
			return id, nil
		}
	}
	if len(xfs.Xf) >= excelize.MaxCellStyles {
		return 0, excelize.ErrCellStyles
	}
	xfs.Xf = append(xfs.Xf, xf)
	xfs.Count = len(xfs.Xf)
	return len(xfs.Xf) - 1, nil
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// Sheet is a streamed worksheet with a bold, frozen header, filters and
// column widths: what people expect when they open it to phone volunteers.
// excelize's stream writer writes the sheet around its data rows (header,
// widths, panes, table); the data rows are encoded here (appendRow) and
// compressed as they come (sheetRows), for the workbook to splice them in.
type Sheet struct {
	File   *excelize.File
	Name   string
	Stream *excelize.StreamWriter
	wb     *Workbook
	path   string // of the sheet's XML in the zip
	cols   int
	rows   int
	xml    []byte // rows encoded, not yet compressed
	data   *sheetRows
	bg     *sheetQueue // set by Background
	quotes map[int]int // quote-prefix styles by the style they add to
	closed bool
	err    error // of Close
}

// sheetFlushSize is how much row XML is encoded before it is handed to the
// compressor.
const sheetFlushSize = 256 << 10

// NewSheet adds (or renames the first sheet to) name, sets widths and
// writes the header row. Widths are in characters, one per column.
func NewSheet(wb *Workbook, name string, header []string, widths []float64) (*Sheet, error) {
	f := wb.File
	if f.SheetCount == 1 && f.GetSheetName(0) == "Sheet1" {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE3F0"}}})
	if err != nil {
		return nil, err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return nil, err
	}
	path, err := sheetPath(f, name)
	if err != nil {
		return nil, err
	}
	return &Sheet{File: f, Name: name, Stream: sw, wb: wb, path: path, cols: len(header), rows: 1, data: newSheetRows()}, nil
}

// sheetPath is where excelize saves a sheet of a new workbook: its XML
// part is named after its sheet id. (The workbook fails to save if a
// sheet's rows find no such entry.)
func sheetPath(f *excelize.File, name string) (string, error) {
	for id, n := range f.GetSheetMap() {
		if n == name {
			return "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml", nil
		}
	}
	return "", fmt.Errorf("workbook: no sheet %q", name)
}

// Add appends a row of values (formula-like text gets the quote prefix,
// Day and Moment values are made real dates).
func (s *Sheet) Add(values ...any) error {
	if s.bg != nil {
		return s.bg.add(s, values)
	}
	row := make([]any, len(values))
	for i, v := range values {
		var err error
		if row[i], err = s.value(v); err != nil {
			return err
		}
	}
	return s.setRow(row)
}

// value is v as a row of s holds it: formula-like text (bare or in an
// excelize.Cell) a cell of its text with the quote prefix added to its
// style, a Day or Moment a dateCell (Workbook.cellValue). It runs where
// rows are added, not on the sheet's encoding goroutine: styles are the
// workbook's.
func (s *Sheet) value(v any) (any, error) {
	if q, ok, err := quoted(v, s.quoteStyle); ok {
		return q, err
	}
	return s.wb.cellValue(v)
}

// quoteStyle is style base with the quote prefix (see quoteStyle), made
// under the lock the workbook's date styles are made under: both add to its
// styles.
func (s *Sheet) quoteStyle(base int) (int, error) {
	if id, ok := s.quotes[base]; ok {
		return id, nil
	}
	s.wb.dates.mu.Lock()
	id, err := quoteStyle(s.File, base)
	s.wb.dates.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if s.quotes == nil {
		s.quotes = map[int]int{}
	}
	s.quotes[base] = id
	return id, nil
}

func (s *Sheet) setRow(row []any) error {
	s.rows++
	var err error
	if s.xml, err = appendRow(s.xml, s.rows, row); err != nil {
		return err
	}
	if len(s.xml) >= sheetFlushSize {
		return s.flushRows()
	}
	return nil
}

// flushRows hands the encoded rows to the compressor.
func (s *Sheet) flushRows() error {
	_, err := s.data.Write(s.xml)
	s.xml = s.xml[:0]
	return err
}

// AddStyled appends a row whose cells all carry style (e.g. a red fill for
// an empty seat). Its Day and Moment cells get style with their date
// format, its formula-like texts style with the quote prefix.
func (s *Sheet) AddStyled(style int, values ...any) error {
	row := make([]any, len(values))
	for i, v := range values {
		if c, ok := v.(excelize.Cell); ok {
			c.StyleID = style
			row[i] = c
		} else {
			row[i] = excelize.Cell{StyleID: style, Value: v}
		}
	}
	if s.bg != nil {
		return s.bg.add(s, row)
	}
	for i, v := range row {
		var err error
		if row[i], err = s.value(v); err != nil {
			return err
		}
	}
	return s.setRow(row)
}

// Rows is how many data rows were written.
func (s *Sheet) Rows() int { return s.rows - 1 }

// Close waits for the rows written in the background, adds the autofilter
// table over the data and flushes the sheet. Closing again does nothing.
func (s *Sheet) Close() error {
	if s.closed {
		return s.err
	}
	s.closed = true
	s.err = s.close()
	return s.err
}

func (s *Sheet) close() error {
	if s.bg != nil {
		if err := s.bg.wait(); err != nil {
			return err
		}
	}
	if err := s.flushRows(); err != nil {
		return err
	}
	if err := s.data.end(); err != nil {
		return err
	}
	s.wb.zip.rows[s.path] = s.data
	if s.cols > 0 {
		last, _ := excelize.CoordinatesToCellName(s.cols, max(s.rows, 2))
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, s.Name)
		if err := s.Stream.AddTable(&excelize.Table{Range: "A1:" + last, Name: "T_" + name, StyleName: "TableStyleLight1"}); err != nil {
			return err
		}
	}
	return s.Stream.Flush()
}

// Background makes s encode its rows on a goroutine of its own: Add only
// copies the row into a batch, and Close waits for the last batch.
// Encoding cells is most of a big workbook's work (excelize allocates for
// each one): the sheets of one workbook then encode at the same time, on
// every core, while the caller reads the next rows from the database.
// Close must be called, on error paths too, to end the goroutine.
func (s *Sheet) Background() {
	q := &sheetQueue{full: make(chan *rowBatch, queuedBatches), free: make(chan *rowBatch, queuedBatches), done: make(chan error, 1)}
	for range queuedBatches {
		q.free <- &rowBatch{}
	}
	q.cur = <-q.free
	s.bg = q
	go func() {
		var err error
		for b := range q.full {
			if err == nil {
				err = s.writeBatch(b)
				if err != nil {
					q.failed.Store(&err)
				}
			}
			clear(b.values) // lets go of the rows' texts
			b.values, b.ends = b.values[:0], b.ends[:0]
			q.free <- b
		}
		q.done <- err
	}()
}

// Rows are queued in batches, a few of them at a time: enough to even out
// the pace of the reader and of the encoder, little memory.
const (
	batchRows     = 256
	queuedBatches = 4
)

// rowBatch holds rows one after the other: values[ends[i-1]:ends[i]] is
// row i. Its slices are reused from one batch to the next.
type rowBatch struct {
	values []any
	ends   []int
}

type sheetQueue struct {
	cur    *rowBatch      // being filled by Add
	full   chan *rowBatch // to the encoding goroutine
	free   chan *rowBatch // back from it, emptied
	done   chan error     // the goroutine's error, when full is closed
	failed atomic.Pointer[error]
}

// add copies a row into the current batch (as s.value makes the values:
// formula-like text quote-prefixed, dates cells of the workbook's date
// styles) and hands the batch over when it is full. It reports the
// encoder's error, if any, so that the caller stops reading.
func (q *sheetQueue) add(s *Sheet, values []any) error {
	if err := q.failed.Load(); err != nil {
		return *err
	}
	b := q.cur
	start := len(b.values)
	for _, v := range values {
		c, err := s.value(v)
		if err != nil {
			clear(b.values[start:])
			b.values = b.values[:start]
			return err
		}
		b.values = append(b.values, c)
	}
	b.ends = append(b.ends, len(b.values))
	if len(b.ends) == batchRows {
		q.full <- b
		q.cur = <-q.free
	}
	return nil
}

// wait hands over the last batch and waits for the goroutine to end.
func (q *sheetQueue) wait() error {
	if len(q.cur.ends) > 0 {
		q.full <- q.cur
	}
	close(q.full)
	return <-q.done
}

func (s *Sheet) writeBatch(b *rowBatch) error {
	start := 0
	for _, end := range b.ends {
		if err := s.setRow(b.values[start:end]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

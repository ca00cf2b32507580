package exports

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/xuri/excelize/v2"
)

// Cell makes a value safe to put in a spreadsheet: text that a spreadsheet
// would run as a formula once edited or re-saved as CSV (starting with =, +,
// -, @, tab or CR) gets a leading apostrophe, so it stays text everywhere.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Row converts values for StreamWriter.SetRow, passing strings through Cell.
// Day and Moment values need a Sheet (their styles are its workbook's).
func Row(values ...any) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = cellValue(v)
	}
	return out
}

// cellValue passes a string through Cell. Strings that need no change are
// returned as they are (the stream writer writes a string and a Cell
// holding it the same way), which spares an allocation per cell in big
// sheets.
func cellValue(v any) any {
	if s, ok := v.(string); ok {
		if safe := Cell(s); safe != s {
			return safe
		}
	}
	return v
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

// Add appends a row of values (strings are made formula-safe, Day and
// Moment values real dates).
func (s *Sheet) Add(values ...any) error {
	if s.bg != nil {
		return s.bg.add(s.wb, values)
	}
	row := make([]any, len(values))
	for i, v := range values {
		var err error
		if row[i], err = s.wb.cellValue(v); err != nil {
			return err
		}
	}
	return s.setRow(row)
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
// format.
func (s *Sheet) AddStyled(style int, values ...any) error {
	row := make([]any, len(values))
	for i, v := range values {
		if c, ok := v.(excelize.Cell); ok {
			c.StyleID = style
			row[i] = c
		} else {
			row[i] = excelize.Cell{StyleID: style, Value: cellValue(v)}
		}
	}
	if s.bg != nil {
		return s.bg.add(s.wb, row)
	}
	for i, v := range row {
		var err error
		if row[i], err = s.wb.cellValue(v); err != nil {
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

// add copies a row into the current batch (strings made formula-safe,
// dates made cells of wb's date styles) and hands the batch over when it
// is full. It reports the encoder's error, if any, so that the caller
// stops reading.
func (q *sheetQueue) add(wb *Workbook, values []any) error {
	if err := q.failed.Load(); err != nil {
		return *err
	}
	b := q.cur
	start := len(b.values)
	for _, v := range values {
		c, err := wb.cellValue(v)
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

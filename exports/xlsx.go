package exports

import (
	"strings"

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
// Strings that need no change are passed as they are (the stream writer
// writes a string and a Cell holding it the same way), which spares an
// allocation per cell in big sheets.
func Row(values ...any) []any {
	out := make([]any, len(values))
	for i, v := range values {
		if s, ok := v.(string); ok {
			if safe := Cell(s); safe != s {
				out[i] = safe
				continue
			}
		}
		out[i] = v
	}
	return out
}

// Sheet is a streamed worksheet with a bold, frozen header, filters and
// column widths: what people expect when they open it to phone volunteers.
type Sheet struct {
	File   *excelize.File
	Name   string
	Stream *excelize.StreamWriter
	cols   int
	rows   int
	style  int
}

// NewSheet adds (or renames the first sheet to) name, sets widths and
// writes the header row. Widths are in characters, one per column.
func NewSheet(f *excelize.File, name string, header []string, widths []float64) (*Sheet, error) {
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
	return &Sheet{File: f, Name: name, Stream: sw, cols: len(header), rows: 1}, nil
}

// Add appends a row of values (strings are made formula-safe).
func (s *Sheet) Add(values ...any) error {
	s.rows++
	cell, _ := excelize.CoordinatesToCellName(1, s.rows)
	return s.Stream.SetRow(cell, Row(values...))
}

// AddStyled appends a row whose cells all carry style (e.g. a red fill for
// an empty seat).
func (s *Sheet) AddStyled(style int, values ...any) error {
	s.rows++
	row := Row(values...)
	for i, v := range row {
		if c, ok := v.(excelize.Cell); ok {
			c.StyleID = style
			row[i] = c
		} else {
			row[i] = excelize.Cell{StyleID: style, Value: v}
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.rows)
	return s.Stream.SetRow(cell, row)
}

// Rows is how many data rows were written.
func (s *Sheet) Rows() int { return s.rows - 1 }

// Close adds the autofilter table over the data and flushes the sheet.
func (s *Sheet) Close() error {
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

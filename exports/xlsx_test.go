package exports_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"scrutin/exports"
)

// formulaLikeTexts are texts a spreadsheet would run as formulas once their
// cell is edited.
var formulaLikeTexts = []string{"=1+1", "+33 rue", "-1+1 avenue", "@x", "\tTab", "\rCR"}

// Formula-like text is written as it is, as text, and its cell gets Excel's
// quote prefix, combined with the cell's own style: no apostrophe in the
// value (it would show on the labels), and editing the cell keeps it text.
// Both ways rows are encoded (directly, in the background) and both ways a
// cell gets a style (an excelize.Cell, AddStyled).
func TestWorkbookQuotePrefixesFormulaLikeText(t *testing.T) {
	var buf bytes.Buffer
	wb := exports.NewWorkbook(&buf)
	defer wb.Close()
	red, err := wb.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}, Font: &excelize.Font{Bold: true}})
	if err != nil {
		t.Fatal(err)
	}
	born := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	header := []string{"A", "B", "C", "D", "E", "F", "G", "H", "I"}
	sheets := []string{"Direct", "Fond"}
	for _, name := range sheets {
		s, err := exports.NewSheet(wb, name, header, nil)
		if err != nil {
			t.Fatal(err)
		}
		if name == "Fond" {
			s.Background()
			defer s.Close()
		}
		row := []any{}
		for _, text := range formulaLikeTexts {
			row = append(row, text)
		}
		row = append(row, "plain", "O'Connor", -5)
		for _, err := range []error{
			s.Add(row...),
			s.Add(excelize.Cell{StyleID: red, Value: "=2+2"}, &excelize.Cell{StyleID: red, Value: "-3 rue"}, excelize.Cell{StyleID: red, Value: "rouge"}),
			s.AddStyled(red, "-1+1 avenue", exports.Day(born), "plain"),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := exports.SaveWorkbook(wb); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	prefixes := quotePrefixes(t, data)
	for _, sheet := range sheets {
		for i, text := range formulaLikeTexts {
			cell, _ := excelize.CoordinatesToCellName(i+1, 2)
			wantInertText(t, x, prefixes, sheet, cell, text)
			if id, _ := x.GetCellStyle(sheet, cell); hasFill(x, id) {
				t.Errorf("%s!%s: a fill where the row has none", sheet, cell)
			}
		}
		for cell, want := range map[string]string{"G2": "plain", "H2": "O'Connor", "I2": "-5", "C3": "rouge", "C4": "plain", "A1": "A"} {
			got, _ := x.GetCellValue(sheet, cell)
			id, _ := x.GetCellStyle(sheet, cell)
			if got != want || prefixes[id] {
				t.Errorf("%s!%s = %q (quote prefix %v), want %q without", sheet, cell, got, prefixes[id], want)
			}
		}
		// the cell's own style is kept, the prefix added to it
		for cell, want := range map[string]string{"A3": "=2+2", "B3": "-3 rue", "A4": "-1+1 avenue"} {
			wantInertText(t, x, prefixes, sheet, cell, want)
			if id, _ := x.GetCellStyle(sheet, cell); !hasFill(x, id) {
				t.Errorf("%s!%s: the red fill is lost", sheet, cell)
			}
		}
		for _, cell := range []string{"C3", "C4"} {
			if id, _ := x.GetCellStyle(sheet, cell); id != red {
				t.Errorf("%s!%s: style %d, want %d", sheet, cell, id, red)
			}
		}
		// a date is no text: its cell keeps its date format, no prefix
		if got, _ := x.GetCellValue(sheet, "B4"); got != "17/05/1990" {
			t.Errorf("%s!B4 = %q, want the date", sheet, got)
		}
		if id, _ := x.GetCellStyle(sheet, "B4"); prefixes[id] || !hasFill(x, id) {
			t.Errorf("%s!B4: date cell with quote prefix %v / fill %v", sheet, prefixes[id], hasFill(x, id))
		}
	}
	// one quote-prefix format per style it is added to, for the workbook
	n := 0
	for _, p := range prefixes {
		if p {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d cell formats with the quote prefix, want 2 (plain and red)", n)
	}
}

// Row does the same for excelize's own stream writer.
func TestRowQuotePrefixesFormulaLikeText(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	values := []any{"plain", 12}
	for _, text := range formulaLikeTexts {
		values = append(values, text)
	}
	values = append(values, excelize.Cell{StyleID: bold, Value: "=SUM(1)"})
	row, err := exports.Row(f, values...)
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", row); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	prefixes := quotePrefixes(t, buf.Bytes())
	for i, text := range formulaLikeTexts {
		cell, _ := excelize.CoordinatesToCellName(i+3, 1)
		wantInertText(t, x, prefixes, "Sheet1", cell, text)
	}
	last, _ := excelize.CoordinatesToCellName(len(values), 1)
	wantInertText(t, x, prefixes, "Sheet1", last, "=SUM(1)")
	id, _ := x.GetCellStyle("Sheet1", last)
	if st, err := x.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("%s: bold lost (%+v, %v)", last, st, err)
	}
	for _, cell := range []string{"A1", "B1"} {
		if id, _ := x.GetCellStyle("Sheet1", cell); prefixes[id] {
			t.Errorf("%s: quote prefix on a plain cell", cell)
		}
	}
}

// Where there are no styles (CSV, plain text), Cell still writes the
// apostrophe.
func TestCellQuotesFormulaLikeText(t *testing.T) {
	for _, text := range formulaLikeTexts {
		if got := exports.Cell(text); got != "'"+text {
			t.Errorf("Cell(%q) = %q", text, got)
		}
	}
	for _, text := range []string{"", "plain", "O'Connor", "12 rue"} {
		if got := exports.Cell(text); got != text {
			t.Errorf("Cell(%q) = %q", text, got)
		}
	}
}

// wantInertText fails t unless cell of sheet holds text want exactly, as
// text (no formula), with the quote prefix in its style.
func wantInertText(t *testing.T, x *excelize.File, prefixes []bool, sheet, cell, want string) {
	t.Helper()
	got, _ := x.GetCellValue(sheet, cell)
	formula, _ := x.GetCellFormula(sheet, cell)
	typ, _ := x.GetCellType(sheet, cell)
	id, _ := x.GetCellStyle(sheet, cell)
	text := typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString
	if got != want || formula != "" || !text || id < 0 || id >= len(prefixes) || !prefixes[id] {
		t.Errorf("%s!%s = %q (formula %q, type %v, style %d quote prefix %v), want text %q with the quote prefix",
			sheet, cell, got, formula, typ, id, id >= 0 && id < len(prefixes) && prefixes[id], want)
	}
}

// quotePrefixes reads, from the styles of workbook data, which cell formats
// (by style id) have the quote prefix.
func quotePrefixes(t *testing.T, data []byte) []bool {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := z.Open("xl/styles.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	styles, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	var sheet struct {
		CellXfs struct {
			Xf []struct {
				QuotePrefix string `xml:"quotePrefix,attr"`
			} `xml:"xf"`
		} `xml:"cellXfs"`
	}
	if err := xml.Unmarshal(styles, &sheet); err != nil {
		t.Fatal(err)
	}
	out := make([]bool, len(sheet.CellXfs.Xf))
	for i, xf := range sheet.CellXfs.Xf {
		out[i] = xf.QuotePrefix == "1" || strings.EqualFold(xf.QuotePrefix, "true")
	}
	return out
}

func hasFill(x *excelize.File, style int) bool {
	st, err := x.GetStyle(style)
	return err == nil && st != nil && len(st.Fill.Color) > 0
}

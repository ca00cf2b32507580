package exports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// appendRow must write what excelize's stream writer writes, byte for byte:
// sheets are spliced from both.
func TestAppendRowWritesWhatExcelizeWrites(t *testing.T) {
	long := strings.Repeat("é", excelize.TotalCellChars) + "ab"
	texts := []string{"", "plain", " lead", "trail\t", "\nboth\r", "a<b>&\"'", "tab\tin", "line\nfeed", "cr\rin",
		"ctl\x01\x1f\x7f", "bad\xffutf8\xc3", "\uFFFE\uFFFF\uFFFD", "😀 emoji", "Brûlé-Nguyễn", "_x0041_", "_x005F_x0041_", "_x005F_",
		"a_x00zz_b_xD800_", "'=cmd|' /C calc'!A0", long, strings.Repeat("😀", excelize.TotalCellChars/2+3)}
	values := []any{nil, 0, 1, -42, int8(-8), int16(300), int32(-70000), int64(math.MaxInt64), uint(7), uint8(255), uint16(65535),
		uint32(1 << 31), uint64(math.MaxUint64), 1.5, -0.1, 1e21, float32(0.3), math.NaN(), math.Inf(-1), true, false, []byte("bytes"),
		excelize.Cell{StyleID: 3, Value: "styled"}, excelize.Cell{StyleID: 4, Value: ""}, excelize.Cell{StyleID: 5}, excelize.Cell{Value: 12},
		&excelize.Cell{StyleID: 6, Value: 2.5}, struct{ A int }{1}}
	for _, s := range texts {
		values = append(values, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var rows [][]any
	for range 200 {
		row := make([]any, r.IntN(40))
		for i := range row {
			row[i] = values[r.IntN(len(values))]
		}
		rows = append(rows, row)
	}
	rows = append(rows, values)
	var want []byte
	for i, row := range rows {
		var err error
		if want, err = appendRow(want, i+1, row); err != nil {
			t.Fatal(err)
		}
	}
	sameSheetData(t, excelizeSheetData(t, rows), want)
}

// excelizeSheetData is what excelize's stream writer writes inside
// <sheetData> for rows, numbered from 1.
func excelizeSheetData(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sheet := zipEntry(t, buf.Bytes(), "xl/worksheets/sheet1.xml")
	start, end := bytes.Index(sheet, []byte("<sheetData>")), bytes.Index(sheet, []byte("</sheetData>"))
	if start < 0 || end < 0 {
		t.Fatalf("no sheetData in %.200s", sheet)
	}
	return sheet[start+len("<sheetData>") : end]
}

// sameSheetData fails t where appendRow's rows (want) and excelize's
// (got) first differ.
func sameSheetData(t *testing.T, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("rows differ at byte %d:\nexcelize %.200q\nappendRow %.200q", i, got[max(0, i-80):], want[max(0, i-80):])
	}
}

func TestAppendRowRefusesFormatsAndFormulas(t *testing.T) {
	for _, v := range []any{excelize.Cell{Formula: "SUM(A1)"}, []excelize.RichTextRun{{Text: "x"}}} {
		if _, err := appendRow(nil, 2, []any{v}); err == nil {
			t.Errorf("%#v written", v)
		}
	}
}

// appendEscaped is encoding/xml's escaping, line feeds left as they are.
func TestAppendEscapedIsXMLEscapeText(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "é", "\n", "\t", "\r", "<", "&", "\"", "'", ">", "\x00", "\x1f", "\x7f", "\xff", "\xc3", "\uFFFE", "\uFFFF",
		"\uFFFD", "😀", "\xef\xbf", "\xed\xa0\x80", " "}
	for range 5000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		var want bytes.Buffer
		xml.EscapeText(&want, []byte(s))
		if got, w := string(appendEscaped(nil, s)), strings.ReplaceAll(want.String(), "&#xA;", "\n"); got != w {
			t.Fatalf("%q: got %q, want %q", s, got, w)
		}
	}
}

func TestCRC32Combine(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 3, 1000, 1 << 20} {
		a, b := make([]byte, r.IntN(100)), make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		whole := append(append([]byte{}, a...), b...)
		if got, want := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b))), crc32.ChecksumIEEE(whole); got != want {
			t.Errorf("len %d: %08x, want %08x", n, got, want)
		}
	}
}

func zipEntry(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

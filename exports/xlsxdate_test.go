package exports

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// Serial numbers Excel gives these days (1900 date system, with its 29
// February 1900).
func TestExcelSerial(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want float64
	}{
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 1},
		{time.Date(1900, 2, 28, 0, 0, 0, 0, time.UTC), 59},
		{time.Date(1900, 2, 28, 18, 0, 0, 0, time.UTC), 59.75},
		{time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), 61}, // 60 is 29/02/1900
		{time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 32874},
		{time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), 33010},
		{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 36526},
		{time.Date(2027, 3, 14, 12, 0, 0, 0, time.UTC), 46460.5},
		{time.Date(2027, 3, 14, 6, 0, 0, 0, time.UTC), 46460.25},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), 2958465},
		// the wall clock counts, not the instant
		{time.Date(1990, 5, 17, 23, 30, 0, 0, time.FixedZone("x", 5*3600)), 33010 + 23.5/24},
	} {
		got, ok := excelSerial(c.t)
		if !ok || got != c.want {
			t.Errorf("%v: %v %v, want %v", c.t, got, ok, c.want)
		}
	}
	for _, before := range []time.Time{time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1850, 6, 1, 0, 0, 0, 0, time.UTC), {}} {
		if got, ok := excelSerial(before); ok {
			t.Errorf("%v: %v, want no serial", before, got)
		}
	}
}

// A dateCell is written as excelize's stream writer writes the time (in UTC)
// in a cell of the same style: same serial number, byte for byte.
func TestDateCellWritesWhatExcelizeWrites(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	times := []time.Time{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1900, 2, 28, 23, 59, 59, 999999999, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 1, time.UTC), time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC), time.Date(2200, 7, 1, 13, 1, 0, 0, time.UTC)}
	for range 500 {
		times = append(times, time.Unix(r.Int64N(5e9)-2e9, r.Int64N(1e9)).UTC())
		times = append(times, time.Unix(r.Int64N(5e9)-2e9, 0).UTC().Truncate(time.Minute))
	}
	var rows [][]any
	var want []byte
	for i, tm := range times {
		serial, ok := excelSerial(tm)
		if !ok {
			continue
		}
		rows = append(rows, []any{excelize.Cell{StyleID: 3 + i%2, Value: tm}})
		var err error
		if want, err = appendRow(want, len(rows), []any{dateCell{serial: serial, style: 3 + i%2}}); err != nil {
			t.Fatal(err)
		}
	}
	sameSheetData(t, excelizeSheetData(t, rows), want)
}

func TestAppendRowRefusesUnresolvedDates(t *testing.T) {
	for _, v := range []any{Day(time.Now()), Moment(time.Now()), time.Now()} {
		if _, err := appendRow(nil, 2, []any{v}); err == nil {
			t.Errorf("%#v written", v)
		}
	}
}

// Dates in every kind of row: plain, in a styled cell, in a styled row,
// on a sheet of its own goroutine or not. Opened back, they are numbers
// with a date format that show as the text exports used to write, and
// keep their row's fill.
func TestSheetDates(t *testing.T) {
	born := time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)
	winter := time.Date(2027, 3, 14, 11, 30, 59, 999, time.UTC) // 12:30 in Paris
	summer := time.Date(2027, 6, 20, 22, 5, 0, 0, time.UTC)     // 00:05 the next day in Paris
	old := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	wb := NewWorkbook(&buf)
	defer wb.Close()
	red, err := wb.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}, Font: &excelize.Font{Bold: true}})
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"Né le", "Reçue le", "Rien", "Vieux", "Texte"}
	var sheets []*Sheet
	for _, name := range []string{"Direct", "Fond"} {
		s, err := NewSheet(wb, name, header, []float64{12, 17, 8, 12, 8})
		if err != nil {
			t.Fatal(err)
		}
		if name == "Fond" {
			s.Background()
			defer s.Close()
		}
		sheets = append(sheets, s)
	}
	for _, s := range sheets {
		for _, err := range []error{
			s.Add(Day(born), Moment(winter), Day{}, Day(old), "=1+1"),
			s.Add(excelize.Cell{StyleID: red, Value: Day(born)}, &excelize.Cell{StyleID: red, Value: Moment(summer)}, excelize.Cell{StyleID: red, Value: Moment{}}, nil, "x"),
			s.AddStyled(red, Day(born), Moment(winter), Moment{}, Day(old), "=1+1"),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := SaveWorkbook(wb); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, sheet := range []string{"Direct", "Fond"} {
		for _, c := range []struct {
			cell, shown, format string
			serial              float64
			fill                bool
		}{
			{"A2", "17/05/1990", "dd/mm/yyyy", 33010, false},
			{"B2", "14/03/2027 12:30", "dd/mm/yyyy hh:mm", 46460 + 12.5/24, false},
			{"A3", "17/05/1990", "dd/mm/yyyy", 33010, true},
			{"B3", "21/06/2027 00:05", "dd/mm/yyyy hh:mm", 46559 + 5.0/(24*60), true},
			{"A4", "17/05/1990", "dd/mm/yyyy", 33010, true},
			{"B4", "14/03/2027 12:30", "dd/mm/yyyy hh:mm", 46460 + 12.5/24, true},
		} {
			shown, format, serial, fill := readDateCell(t, x, sheet, c.cell)
			// excelize reads numbers back to 15 digits: well under a second
			if shown != c.shown || format != c.format || math.Abs(serial-c.serial) > 1e-9 || fill != c.fill {
				t.Errorf("%s!%s: %q, format %q, serial %v, fill %v; want %q, %q, %v, %v", sheet, c.cell, shown, format, serial, fill, c.shown, c.format, c.serial, c.fill)
			}
		}
		// formula-like text stays as it is (its cell gets the quote
		// prefix: xlsx_test.go)
		for cell, want := range map[string]string{"C2": "", "C3": "", "C4": "", "D2": "30/12/1899", "D4": "30/12/1899", "E2": "=1+1", "E4": "=1+1"} {
			if got, _ := x.GetCellValue(sheet, cell); got != want {
				t.Errorf("%s!%s = %q, want %q", sheet, cell, got, want)
			}
		}
		// the empty cells of a styled row keep its fill
		for _, cell := range []string{"C3", "C4", "D4"} {
			if id, _ := x.GetCellStyle(sheet, cell); id != red {
				t.Errorf("%s!%s: style %d, want %d", sheet, cell, id, red)
			}
		}
	}
}

// readDateCell is what a spreadsheet makes of a cell: the text it shows,
// its number format, its value as a number (or -1 if it is not one) and
// whether it has a fill.
func readDateCell(t *testing.T, x *excelize.File, sheet, cell string) (shown, format string, serial float64, fill bool) {
	t.Helper()
	shown, _ = x.GetCellValue(sheet, cell)
	raw, _ := x.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	typ, _ := x.GetCellType(sheet, cell)
	serial = -1
	if v, err := strconv.ParseFloat(raw, 64); err == nil && (typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber) {
		serial = v
	}
	id, _ := x.GetCellStyle(sheet, cell)
	if st, err := x.GetStyle(id); err == nil && st != nil {
		if st.CustomNumFmt != nil {
			format = *st.CustomNumFmt
		}
		fill = len(st.Fill.Color) > 0
	}
	return shown, format, serial, fill
}

package exports

import (
	"sync"
	"time"

	"github.com/xuri/excelize/v2"

	"scrutin/logistics/elections"
)

// Day and Moment put a date in a sheet (Sheet.Add, Sheet.AddStyled, or as
// the Value of an excelize.Cell given to them): a real Excel date, a serial
// number with a date format, which spreadsheets sort and filter as dates
// and show as the text exports used to write. The zero time is an empty
// cell. A bare time.Time is refused: it does not say which of the two it
// is.
//
// Day is a calendar day, shown "17/05/1990": the date of t in t's own
// location (a date column read from PostgreSQL is midnight UTC).
type Day time.Time

// Moment is an instant, shown in Paris time to the minute: "17/05/1990
// 14:05". Seconds are dropped, so that the cell sorts, filters and shows
// as the minute people read.
type Moment time.Time

// The number formats of Day and Moment.
const (
	dayFormat    = "dd/mm/yyyy"
	momentFormat = "dd/mm/yyyy hh:mm"
)

// dateCell is a Day or Moment made ready for appendCell: its serial
// number and the style that formats it.
type dateCell struct {
	serial float64
	style  int
}

// dateStyles are a workbook's styles for dates: for each style of the
// cells they are in (0 for none), the same style with the date's number
// format (a red fill stays red, and the date still shows as a date).
type dateStyles struct {
	mu  sync.Mutex
	ids map[dateStyleKey]int
}

type dateStyleKey struct {
	base   int
	moment bool
}

// dateStyle is the style showing a date (or a date and time) in a cell of
// style base. Styles are made once per workbook.
func (wb *Workbook) dateStyle(base int, moment bool) (int, error) {
	d := &wb.dates
	d.mu.Lock()
	defer d.mu.Unlock()
	key := dateStyleKey{base, moment}
	if id, ok := d.ids[key]; ok {
		return id, nil
	}
	style := &excelize.Style{}
	if base != 0 {
		s, err := wb.GetStyle(base)
		if err != nil {
			return 0, err
		}
		style = s
	}
	format := dayFormat
	if moment {
		format = momentFormat
	}
	style.NumFmt, style.DecimalPlaces, style.CustomNumFmt = 0, nil, &format
	id, err := wb.NewStyle(style)
	if err != nil {
		return 0, err
	}
	if d.ids == nil {
		d.ids = map[dateStyleKey]int{}
	}
	d.ids[key] = id
	return id, nil
}

// cellValue is the package's cellValue (strings made formula-safe), with
// dates made cells of the workbook's date styles. It runs where rows are
// added, not on a sheet's encoding goroutine: styles are the workbook's.
func (wb *Workbook) cellValue(v any) (any, error) {
	switch c := v.(type) {
	case string:
		return cellValue(v), nil
	case Day, Moment:
		return wb.dateValue(0, c)
	case excelize.Cell:
		if isDate(c.Value) {
			return wb.dateValue(c.StyleID, c.Value)
		}
	case *excelize.Cell:
		if c != nil && isDate(c.Value) {
			return wb.dateValue(c.StyleID, c.Value)
		}
	}
	return v, nil
}

func isDate(v any) bool {
	switch v.(type) {
	case Day, Moment:
		return true
	}
	return false
}

// dateValue makes a Day or Moment in a cell of style base (0 for none) a
// dateCell. A zero time is an empty cell (of style base); a date Excel
// cannot hold (before 1900) stays the text it shows.
func (wb *Workbook) dateValue(base int, v any) (any, error) {
	var t time.Time
	moment := false
	switch v := v.(type) {
	case Day:
		t = time.Time(v)
		if !t.IsZero() {
			y, m, d := t.Date()
			t = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
	case Moment:
		t, moment = time.Time(v), true
		if !t.IsZero() {
			t = t.In(elections.Paris).Truncate(time.Minute)
		}
	}
	if t.IsZero() {
		if base == 0 {
			return nil, nil
		}
		return excelize.Cell{StyleID: base}, nil
	}
	serial, ok := excelSerial(t)
	if !ok {
		text := t.Format("02/01/2006")
		if moment {
			text = t.Format("02/01/2006 15:04")
		}
		if base == 0 {
			return text, nil
		}
		return excelize.Cell{StyleID: base, Value: text}, nil
	}
	style, err := wb.dateStyle(base, moment)
	if err != nil {
		return nil, err
	}
	return dateCell{serial: serial, style: style}, nil
}

// excel1900 is day 0 of Excel's 1900 date system, as excelize counts:
// 1900-01-01 is 1.
var (
	excel1900     = time.Date(1899, time.December, 31, 0, 0, 0, 0, time.UTC)
	excelLeapDay  = time.Date(1900, time.March, 1, 0, 0, 0, 0, time.UTC)
	nanosecondDay = float64(24 * time.Hour)
)

// excelSerial is the Excel serial number (1900 date system) of t's wall
// clock, as excelize's timeToExcelTime computes it: days since 1899-12-31
// plus the fraction of the day, plus one from 1900-03-01 on, for the 29
// February 1900 that Excel counts (Lotus 1-2-3's bug). ok is false before
// 1900-01-01, which Excel cannot show as a date.
func excelSerial(t time.Time) (serial float64, ok bool) {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	wall := time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
	if !wall.After(excel1900) {
		return 0, false
	}
	secs := wall.Unix() - excel1900.Unix()
	days := secs / 86400
	frac := (secs%86400)*int64(time.Second) + int64(wall.Nanosecond())
	serial = float64(days) + float64(frac)/nanosecondDay
	if !wall.Before(excelLeapDay) {
		serial++
	}
	return serial, true
}

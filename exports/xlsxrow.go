package exports

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// appendRow appends the XML of data row n, byte for byte what excelize's
// StreamWriter.SetRow writes for the same values (inline strings, no row
// options). SetRow allocated several times per cell (the cell reference,
// the escaped text, the XML structures) and was half the CPU time of the
// national delegates workbook; this writes into one reused buffer.
func appendRow(b []byte, n int, values []any) ([]byte, error) {
	b = append(b, `<row r="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `">`...)
	for i, v := range values {
		if v == nil {
			continue
		}
		var err error
		if b, err = appendCell(b, i, n, v); err != nil {
			return b, err
		}
	}
	return append(b, `</row>`...), nil
}

// errCellType is returned for the values excelize would write with a number
// format or a formula, which sheets never hold (dates are written as
// dateCells, with their workbook's styles).
var errCellType = errors.New("exports: sheet cell of unsupported type")

// appendCell appends cell (col, row), 0-based column. A Cell gives its
// style; its value is written as a bare value would be. A dateCell is
// written as a Cell of its style holding its serial number would be.
func appendCell(b []byte, col, row int, v any) ([]byte, error) {
	style := 0
	switch c := v.(type) {
	case dateCell:
		style, v = c.style, c.serial
	case excelize.Cell:
		if c.Formula != "" {
			return b, errCellType
		}
		style, v = c.StyleID, c.Value
	case *excelize.Cell:
		if c != nil {
			if c.Formula != "" {
				return b, errCellType
			}
			style, v = c.StyleID, c.Value
		}
	}
	b = append(b, `<c r="`...)
	b = appendColumnName(b, col)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, '"')
	if style != 0 {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	switch v := v.(type) {
	case nil: // a styled empty cell
		b = append(b, '>')
	case string:
		b = appendInlineString(b, v)
	case []byte:
		b = appendInlineString(b, string(v))
	case int:
		b = appendInt(b, int64(v))
	case int8:
		b = appendInt(b, int64(v))
	case int16:
		b = appendInt(b, int64(v))
	case int32:
		b = appendInt(b, int64(v))
	case int64:
		b = appendInt(b, v)
	case uint:
		b = appendUint(b, uint64(v))
	case uint8:
		b = appendUint(b, uint64(v))
	case uint16:
		b = appendUint(b, uint64(v))
	case uint32:
		b = appendUint(b, uint64(v))
	case uint64:
		b = appendUint(b, v)
	case float32:
		b = appendFloat(b, float64(v), 32)
	case float64:
		b = appendFloat(b, v, 64)
	case bool:
		b = append(b, ` t="b"><v>`...)
		if v {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
		b = append(b, `</v>`...)
	case time.Time, time.Duration, []excelize.RichTextRun, Day, Moment:
		// Day and Moment are made dateCells where rows are added
		// (Workbook.cellValue): their style is the workbook's.
		return b, fmt.Errorf("%w: %T", errCellType, v)
	default:
		b = appendInlineString(b, fmt.Sprint(v))
	}
	return append(b, `</c>`...), nil
}

// appendInt, appendUint and appendFloat close the cell's start tag and
// write its value.
func appendInt(b []byte, v int64) []byte {
	b = strconv.AppendInt(append(b, `><v>`...), v, 10)
	return append(b, `</v>`...)
}

func appendUint(b []byte, v uint64) []byte {
	b = strconv.AppendUint(append(b, `><v>`...), v, 10)
	return append(b, `</v>`...)
}

func appendFloat(b []byte, v float64, bits int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return appendInlineString(b, fmt.Sprint(v))
	}
	b = strconv.AppendFloat(append(b, `><v>`...), v, 'f', -1, bits)
	return append(b, `</v>`...)
}

// appendColumnName appends the letters of 0-based column col: A, ..., Z, AA.
func appendColumnName(b []byte, col int) []byte {
	if col < 26 {
		return append(b, byte('A'+col))
	}
	var tmp [4]byte
	i := len(tmp)
	for n := col + 1; n > 0; n = (n - 1) / 26 {
		i--
		tmp[i] = byte('A' + (n-1)%26)
	}
	return append(b, tmp[i:]...)
}

// appendInlineString writes the rest of a text cell as excelize does:
// at most 32,767 UTF-16 units, xml:space="preserve" when the text begins
// or ends with white space, XML-escaped except for line feeds, and
// excelize's escaping of "_xHHHH_" sequences.
func appendInlineString(b []byte, s string) []byte {
	if len(s) > excelize.TotalCellChars && utf16Len(s) > excelize.TotalCellChars {
		s = truncateUTF16(s, excelize.TotalCellChars)
	}
	b = append(b, ` t="inlineStr"><is><t`...)
	if s != "" && (isSpace(s[0]) || isSpace(s[len(s)-1])) {
		b = append(b, ` xml:space="preserve"`...)
	}
	b = append(b, '>')
	start := len(b)
	b = appendEscaped(b, s)
	if bytes.Contains(b[start:], []byte("_x")) {
		b = append(b[:start], bstrMarshal(string(b[start:]))...)
	}
	return append(b, `</t></is>`...)
}

func isSpace(c byte) bool { return c == '\t' || c == '\n' || c == '\r' || c == ' ' }

// appendEscaped is encoding/xml's EscapeText, but for line feeds, which
// excelize puts back as they are.
func appendEscaped(b []byte, s string) []byte {
	if plainXML(s) {
		return append(b, s...)
	}
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				esc = "&#34;"
			case '\'':
				esc = "&#39;"
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '\t':
				esc = "&#x9;"
			case '\r':
				esc = "&#xD;"
			case '\n':
			default:
				if c < 0x20 {
					esc = "\uFFFD"
				}
			}
		} else {
			var r rune
			r, width = utf8.DecodeRuneInString(s[i:])
			if !xmlChar(r) || r == utf8.RuneError && width == 1 {
				esc = "\uFFFD"
			}
		}
		i += width
		if esc != "" {
			b = append(b, s[last:i-width]...)
			b = append(b, esc...)
			last = i
		}
	}
	return append(b, s[last:]...)
}

// plainXML reports whether s needs no escaping, as most texts do: no
// markup character, no control character but line feeds, valid UTF-8
// without U+FFFE or U+FFFF (EF BF BE, EF BF BF).
func plainXML(s string) bool {
	wide := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			wide = true
		} else if xmlEscaped[c] {
			return false
		}
	}
	if !wide {
		return true
	}
	return utf8.ValidString(s) && !strings.Contains(s, "\uFFFE") && !strings.Contains(s, "\uFFFF")
}

// xmlEscaped marks the ASCII bytes appendEscaped replaces.
var xmlEscaped = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c < 0x20 && c != '\n'
	}
	for _, c := range "\"'&<>" {
		t[c] = true
	}
	return t
}()

// xmlChar is encoding/xml's isInCharacterRange.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncateUTF16(s string, units int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > units {
			return s[:i]
		}
	}
	return s
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's own (lib.go), for the rare texts holding
// "_xHHHH_", which a spreadsheet would read as an escaped character.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}

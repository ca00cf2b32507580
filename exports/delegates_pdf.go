package exports

// PDF layout tools shared by the delegate documents printed as PDF (the
// letter, the credentials and the prefecture summary): dlgDoc and its
// wrapped cells, sized before they are printed so that a block never splits
// across pages.

import (
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/jung-kurt/gofpdf"
	"golang.org/x/text/unicode/norm"
)

// dlgText makes text safe for the embedded font: NFC (so that "ễ" is one
// glyph, not a letter and two floating accents), no control characters but
// line breaks, and nothing beyond the Basic Multilingual Plane, which
// gofpdf's UTF-8 support cannot index.
func dlgText(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 && c != '\n' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r > 0xFFFF || r == unicode.ReplacementChar:
			return '?'
		case r == '\n':
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
}

// dlgDoc wraps a gofpdf document with the few layout tools the delegate
// documents share: wrapped cells whose height is known before printing, so
// that a block (a person, a table row) never splits across pages and
// headings can be repeated on the next page.
type dlgDoc struct {
	pdf *gofpdf.Fpdf
	w   float64 // content width
	// heading reprints the current section headings after a page break
	heading func()
}

func newDlgDoc(title, footer string) *dlgDoc {
	pdf := NewPDF()
	pdf.SetTitle(dlgText(title), true)
	pdf.SetAuthor("scrutin", true)
	pdf.SetAutoPageBreak(true, 18)
	d := &dlgDoc{pdf: pdf}
	pw, _ := pdf.GetPageSize()
	l, _, r, _ := pdf.GetMargins()
	d.w = pw - l - r
	footer = dlgText(footer)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-13)
		pdf.SetFont(Font, "", 7.5)
		pdf.SetTextColor(100, 100, 100)
		pdf.CellFormat(0, 4, footer+" — page "+strconv.Itoa(pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	return d
}

func (d *dlgDoc) font(style string, size float64) { d.pdf.SetFont(Font, style, size) }

// lines wraps text to width w in the current font (long words are cut).
func (d *dlgDoc) lines(text string, w float64) []string {
	text = dlgText(text)
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if para == "" {
			out = append(out, "")
			continue
		}
		out = append(out, d.pdf.SplitText(para, w)...)
	}
	return out
}

// room reports whether h millimetres fit above the bottom margin.
func (d *dlgDoc) room(h float64) bool {
	_, ph := d.pdf.GetPageSize()
	_, _, _, b := d.pdf.GetMargins()
	return d.pdf.GetY()+h <= ph-b
}

// need starts a new page (and reprints the headings) unless h fits.
func (d *dlgDoc) need(h float64) {
	if d.room(h) {
		return
	}
	d.pdf.AddPage()
	if d.heading != nil {
		d.heading()
	}
}

// para prints a wrapped paragraph over the full width.
func (d *dlgDoc) para(style string, size, lh float64, text string) {
	d.font(style, size)
	for _, l := range d.lines(text, d.w) {
		d.need(lh)
		d.pdf.CellFormat(d.w, lh, l, "", 2, "L", false, 0, "")
	}
}

// dlgCell is one cell of a table row.
type dlgCell struct {
	text  string
	style string // "", "B"
	size  float64
}

// rowHeight is the height of a row of wrapped cells.
func (d *dlgDoc) rowHeight(widths []float64, cells []dlgCell, lh float64) (float64, [][]string) {
	n := 1
	wrapped := make([][]string, len(cells))
	for i, c := range cells {
		d.font(c.style, c.size)
		wrapped[i] = d.lines(c.text, widths[i])
		n = max(n, len(wrapped[i]))
	}
	return float64(n)*lh + 1.2, wrapped
}

// row prints cells side by side, each wrapped in its column, on one page.
func (d *dlgDoc) row(widths []float64, cells []dlgCell, lh float64, border bool) {
	h, wrapped := d.rowHeight(widths, cells, lh)
	d.need(h)
	x0, y0 := d.pdf.GetX(), d.pdf.GetY()
	x := x0
	for i, c := range cells {
		d.font(c.style, c.size)
		for j, l := range wrapped[i] {
			d.pdf.SetXY(x, y0+0.6+float64(j)*lh)
			d.pdf.CellFormat(widths[i], lh, l, "", 0, "L", false, 0, "")
		}
		x += widths[i]
	}
	if border {
		d.pdf.SetDrawColor(200, 200, 200)
		d.pdf.Line(x0, y0+h, x, y0+h)
		d.pdf.SetDrawColor(0, 0, 0)
	}
	d.pdf.SetXY(x0, y0+h)
}

// band prints a filled heading line.
func (d *dlgDoc) band(style string, size, h float64, text string, r, g, b int) {
	d.font(style, size)
	d.pdf.SetFillColor(r, g, b)
	for _, l := range d.lines(text, d.w) {
		d.pdf.CellFormat(d.w, h, l, "", 2, "L", true, 0, "")
	}
}

func (d *dlgDoc) output(w io.Writer) error { return WritePDF(d.pdf, w) }

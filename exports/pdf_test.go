package exports_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"scrutin/exports"
)

// A document is deflated up to 1,000 pages and written plain beyond (see
// WritePDF); either way every page reads back, accents included.
func TestWritePDFLargeDocumentsReadBackUncompressed(t *testing.T) {
	for _, pages := range []int{2, 1001} {
		t.Run(fmt.Sprint(pages), func(t *testing.T) {
			pdf := exports.NewPDF()
			for i := 1; i <= pages; i++ {
				pdf.AddPage()
				pdf.CellFormat(0, 8, fmt.Sprintf("Étiquette n° %d – Łucja Brûlé", i), "", 1, "L", false, 0, "")
			}
			var buf bytes.Buffer
			if err := exports.WritePDF(pdf, &buf); err != nil {
				t.Fatal(err)
			}
			text, n := pdfText(t, buf.Bytes())
			if n != pages {
				t.Errorf("%d pages read back, want %d", n, pages)
			}
			for _, i := range []int{1, pages} {
				if want := fmt.Sprintf("Étiquette n° %d – Łucja Brûlé", i); !strings.Contains(text, want) {
					t.Errorf("%q missing", want)
				}
			}
			// Page content streams (font files aside) are deflated or not.
			deflated := bytes.Count(buf.Bytes(), []byte("/Filter /FlateDecode /Length"))
			if compressed := pages <= 1000; compressed != (deflated >= pages) {
				t.Errorf("%d pages: %d deflated streams", pages, deflated)
			}
		})
	}
}

// A document in error is not written.
func TestWritePDFReportsTheDocumentsError(t *testing.T) {
	pdf := exports.NewPDF()
	pdf.AddPage()
	pdf.SetFont("NoSuchFont", "", 10)
	var buf bytes.Buffer
	if err := exports.WritePDF(pdf, &buf); err == nil || buf.Len() != 0 {
		t.Errorf("err %v, %d bytes written", err, buf.Len())
	}
}

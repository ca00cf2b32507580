package exports

import (
	_ "embed"

	"github.com/jung-kurt/gofpdf"
)

// DejaVu covers Latin, Greek, Cyrillic and more: names are not all ASCII or
// Latin-1, and gofpdf's core fonts would print them wrong.
var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVu []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuBold []byte
)

// Font is the family name to use with SetFont.
const Font = "DejaVu"

// NewPDF returns an A4 portrait document with the UTF-8 font loaded,
// margins set and automatic page breaks.
func NewPDF() *gofpdf.Fpdf {
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(Font, "", dejaVu)
	pdf.AddUTF8FontFromBytes(Font, "B", dejaVuBold)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 18)
	pdf.SetFont(Font, "", 10)
	pdf.SetCreator("scrutin", true)
	return pdf
}

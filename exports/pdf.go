package exports

import (
	_ "embed"
	"io"

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

// WritePDF writes a finished document. gofpdf deflates each page with a
// compressor of its own (about 1.1 MB allocated a page): 10,000 credential
// pages made 11 GB of garbage and two thirds of the time, 50,000 packing
// slips 62 GB. Documents of more than compressedPagesMax pages are written
// uncompressed, about three times larger.
func WritePDF(pdf *gofpdf.Fpdf, w io.Writer) error {
	if err := pdf.Error(); err != nil {
		return err
	}
	pdf.SetCompression(pdf.PageCount() <= compressedPagesMax)
	return pdf.Output(w)
}

// compressedPagesMax is the most pages of a PDF compressed.
const compressedPagesMax = 1000

package exports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"

	"github.com/xuri/excelize/v2"
)

// Workbook is an excelize workbook whose zip goes straight to its writer
// when it is saved (SaveWorkbook), compressed on every core: a big workbook
// neither sits a second time in excelize's in-memory buffer nor zips on one
// core. The data rows of its sheets (NewSheet) are compressed as they are
// written and spliced into the sheets' XML at save time.
type Workbook struct {
	*excelize.File
	zip   *spliceZip
	dates dateStyles // of the Day and Moment cells
}

// NewWorkbook returns an empty workbook writing to w.
func NewWorkbook(w io.Writer) *Workbook {
	wb := &Workbook{File: excelize.NewFile(), zip: &spliceZip{rows: map[string]*sheetRows{}}}
	wb.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return newParallelDeflate(out), nil })
		wb.zip.Writer = zw
		return wb.zip
	})
	return wb
}

// SaveWorkbook writes a workbook made by NewWorkbook to its writer.
func SaveWorkbook(wb *Workbook) error {
	// Everything goes through the zip writer set by NewWorkbook: excelize's
	// own buffer stays empty (it only gets bytes for encryption or zip64
	// patches, neither of which applies).
	if n, err := wb.WriteTo(io.Discard); err != nil || n != 0 {
		return fmt.Errorf("workbook: %d bytes left in excelize's buffer: %v", n, err)
	}
	return nil
}

// spliceZip is the zip writer excelize saves through. The entries of the
// sheets that have rows of their own (sheetRows) are written raw: excelize's
// XML of the sheet, which holds the header row only, up to </sheetData>,
// then the rows as they were compressed, then the rest of excelize's XML.
type spliceZip struct {
	*zip.Writer
	rows    map[string]*sheetRows // by entry name, from Sheet.Close
	pending *splicedEntry         // the entry excelize is writing
}

type splicedEntry struct {
	name string
	rows *sheetRows
	xml  bytes.Buffer // excelize's XML of the sheet, without the data rows
}

func (z *spliceZip) Create(name string) (io.Writer, error) {
	if err := z.finishPending(); err != nil {
		return nil, err
	}
	if rows, ok := z.rows[name]; ok {
		delete(z.rows, name)
		z.pending = &splicedEntry{name: name, rows: rows}
		return &z.pending.xml, nil
	}
	return z.Writer.Create(name)
}

func (z *spliceZip) Close() error {
	err := z.finishPending()
	if err == nil && len(z.rows) > 0 {
		err = fmt.Errorf("workbook: %d sheets not saved with their rows", len(z.rows))
	}
	if err != nil {
		return err
	}
	return z.Writer.Close()
}

// finishPending writes the entry excelize has finished giving.
func (z *spliceZip) finishPending() error {
	e := z.pending
	if e == nil {
		return nil
	}
	z.pending = nil
	xml := e.xml.Bytes()
	at := bytes.Index(xml, []byte("</sheetData>"))
	if at < 0 || bytes.Count(xml, []byte("</sheetData>")) != 1 {
		return fmt.Errorf("workbook: no place for the rows in %s", e.name)
	}
	prefix, suffix := xml[:at], xml[at:]
	fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: 0x8, CreatorVersion: 20, ReaderVersion: 20}
	w, err := z.CreateRaw(fh)
	if err != nil {
		return err
	}
	cw := &byteCounter{w: w}
	if err := deflateTo(cw, prefix, false); err != nil {
		return err
	}
	for _, c := range e.rows.deflated {
		if _, err := cw.Write(c); err != nil {
			return err
		}
	}
	if err := deflateTo(cw, suffix, true); err != nil {
		return err
	}
	crc := crc32Combine(crc32.ChecksumIEEE(prefix), e.rows.crc, e.rows.size)
	fh.CRC32 = crc32.Update(crc, crc32.IEEETable, suffix)
	fh.UncompressedSize64 = uint64(int64(len(prefix)) + e.rows.size + int64(len(suffix)))
	fh.CompressedSize64 = uint64(cw.n)
	fh.UncompressedSize = uint32(min(fh.UncompressedSize64, math.MaxUint32))
	fh.CompressedSize = uint32(min(fh.CompressedSize64, math.MaxUint32))
	return nil
}

// deflateTo writes data as raw deflate blocks, ended by a sync flush (more
// blocks follow) or as the final block.
func deflateTo(w io.Writer, data []byte, final bool) error {
	fw := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(fw)
	fw.Reset(w)
	if _, err := fw.Write(data); err != nil {
		return err
	}
	if final {
		return fw.Close()
	}
	return fw.Flush()
}

type byteCounter struct {
	w io.Writer
	n int64
}

func (c *byteCounter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// sheetRows are the data rows of a sheet as raw deflate blocks (none
// final), with the CRC-32 and the size of their XML.
type sheetRows struct {
	deflated chunks
	z        *parallelDeflate
	crc      uint32
	size     int64
}

func newSheetRows() *sheetRows {
	r := &sheetRows{}
	r.z = newParallelDeflate(&r.deflated)
	return r
}

// chunks keeps what is written as it comes: unlike a growing buffer, it
// copies each byte once.
type chunks [][]byte

func (c *chunks) Write(p []byte) (int, error) {
	*c = append(*c, append([]byte(nil), p...))
	return len(p), nil
}

func (r *sheetRows) Write(p []byte) (int, error) {
	r.crc = crc32.Update(r.crc, crc32.IEEETable, p)
	r.size += int64(len(p))
	return r.z.Write(p)
}

// end compresses what is left; the rows are then complete.
func (r *sheetRows) end() error { return r.z.end(false) }

// crc32Combine returns the CRC-32 of A followed by B from the CRC-32 of A,
// the CRC-32 of B and B's length (zlib's crc32_combine): the rows are
// summed as they are written, before the XML that comes before them is
// known.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = crc32.IEEE // the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even[:], odd[:]) // two zero bits
	gf2Square(odd[:], even[:]) // four zero bits
	for {
		gf2Square(even[:], odd[:]) // first time: one zero byte
		if lenB&1 != 0 {
			crcA = gf2Times(even[:], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(odd[:], even[:])
		if lenB&1 != 0 {
			crcA = gf2Times(odd[:], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat []uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}

// parallelDeflate compresses a zip entry in independent chunks on every
// core and writes them in order: each chunk is a raw deflate stream ended by
// a sync flush (byte-aligned, not final), the last one by Close (final
// block), so their concatenation is one valid deflate stream. The national
// workbook's sheets are some 200 MB of XML: zipping them on one core was
// the serial tail of the export.
type parallelDeflate struct {
	out     io.Writer
	buf     []byte
	pending []chan dlgChunk
	err     error
}

type dlgChunk struct {
	out *bytes.Buffer
	err error
}

const deflateChunkSize = 1 << 20

var (
	deflaters      = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.BestSpeed); return w }}
	deflateInBufs  = sync.Pool{New: func() any { return make([]byte, 0, deflateChunkSize) }}
	deflateOutBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

func newParallelDeflate(out io.Writer) *parallelDeflate {
	return &parallelDeflate{out: out, buf: deflateInBufs.Get().([]byte)[:0]}
}

func (z *parallelDeflate) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if z.err != nil {
			return n, z.err
		}
		k := min(len(p), deflateChunkSize-len(z.buf))
		z.buf = append(z.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(z.buf) == deflateChunkSize {
			z.launch(false)
			z.buf = deflateInBufs.Get().([]byte)[:0]
		}
	}
	return n, z.err
}

// launch compresses the buffered chunk in a goroutine, keeping at most
// twice GOMAXPROCS chunks in flight.
func (z *parallelDeflate) launch(last bool) {
	data := z.buf
	z.buf = nil
	ch := make(chan dlgChunk, 1)
	go func() {
		out := deflateOutBufs.Get().(*bytes.Buffer)
		out.Reset()
		out.Grow(len(data) / 4) // XML deflates to less, once for a new buffer
		w := deflaters.Get().(*flate.Writer)
		w.Reset(out)
		_, err := w.Write(data)
		if err == nil {
			if last {
				err = w.Close()
			} else {
				err = w.Flush()
			}
		}
		deflaters.Put(w)
		deflateInBufs.Put(data[:0])
		ch <- dlgChunk{out, err}
	}()
	z.pending = append(z.pending, ch)
	for len(z.pending) > 2*runtime.GOMAXPROCS(0) {
		z.drainOne()
	}
}

func (z *parallelDeflate) drainOne() {
	c := <-z.pending[0]
	z.pending = z.pending[1:]
	if z.err == nil {
		z.err = c.err
	}
	if z.err == nil {
		_, z.err = z.out.Write(c.out.Bytes())
	}
	deflateOutBufs.Put(c.out)
}

func (z *parallelDeflate) Close() error { return z.end(true) }

// end compresses what is buffered and waits for every chunk: the stream
// ends with the final block, or with a sync flush when more blocks are to
// follow from elsewhere.
func (z *parallelDeflate) end(final bool) error {
	z.launch(final)
	for len(z.pending) > 0 {
		z.drainOne()
	}
	return z.err
}

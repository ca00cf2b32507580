package exports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"

	"github.com/xuri/excelize/v2"
)

// NewWorkbook returns a workbook whose zip goes straight to w when it is
// saved (SaveWorkbook), compressed on every core: a big workbook neither
// sits a second time in excelize's in-memory buffer nor zips on one core.
func NewWorkbook(w io.Writer) *excelize.File {
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return newParallelDeflate(out), nil })
		return zw
	})
	return f
}

// SaveWorkbook writes a workbook made by NewWorkbook to its writer.
func SaveWorkbook(f *excelize.File) error {
	// Everything goes through the zip writer set by NewWorkbook: excelize's
	// own buffer stays empty (it only gets bytes for encryption or zip64
	// patches, neither of which applies).
	if n, err := f.WriteTo(io.Discard); err != nil || n != 0 {
		return fmt.Errorf("workbook: %d bytes left in excelize's buffer: %v", n, err)
	}
	return nil
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
		}
	}
	return n, z.err
}

// launch compresses the buffered chunk in a goroutine, keeping at most
// twice GOMAXPROCS chunks in flight.
func (z *parallelDeflate) launch(last bool) {
	data := z.buf
	z.buf = nil
	if !last {
		z.buf = deflateInBufs.Get().([]byte)[:0]
	}
	ch := make(chan dlgChunk, 1)
	go func() {
		out := deflateOutBufs.Get().(*bytes.Buffer)
		out.Reset()
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

func (z *parallelDeflate) Close() error {
	z.launch(true)
	for len(z.pending) > 0 {
		z.drainOne()
	}
	return z.err
}

package proxies

import (
	"syscall"
	"unsafe"
)

// adviseHuge asks for huge pages on the whole 2 MiB pages of p[:size].
// Fresh memory from the Go heap is untouched until the caller writes it,
// so the advice applies before the first fault. An error (no transparent
// huge pages) is ignored: the memory is then what make gave.
func adviseHuge(p unsafe.Pointer, size uintptr) {
	const huge = 2 << 20
	lo := (uintptr(p) + huge - 1) &^ (huge - 1)
	hi := (uintptr(p) + size) &^ (huge - 1)
	if hi <= lo {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, lo-uintptr(p))), hi-lo), syscall.MADV_HUGEPAGE)
}

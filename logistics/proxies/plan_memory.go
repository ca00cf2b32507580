package proxies

import "unsafe"

// Huge pages. On the machines the batch runs on (virtual, Linux), the
// first touch of fresh memory costs about 10 µs per 4 KiB page: a
// national plan touches some 250 MB, which is 0.6 s in page faults
// alone. Backed by 2 MiB pages (transparent huge pages in "madvise"
// mode, the usual default), the same memory faults in 512 times fewer
// steps. hugeMake asks for them on the solver's large arrays; elsewhere,
// or where the kernel declines, it is make.

// hugeMin is the smallest array worth advising: below two huge pages,
// few whole pages lie inside it.
const hugeMin = 4 << 20

// hugeMake returns make([]T, n, c) (c < n: c = n), backed by huge pages
// where the system allows.
func hugeMake[T any](n, c int) []T {
	s := make([]T, n, max(n, c))
	if size := uintptr(cap(s)) * unsafe.Sizeof(*new(T)); size >= hugeMin {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), size)
	}
	return s
}

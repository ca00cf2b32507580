//go:build !linux

package proxies

import "unsafe"

func adviseHuge(unsafe.Pointer, uintptr) {}

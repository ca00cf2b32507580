// Package benchmeter measures what benchmarks report beside wall time: on
// a shared machine wall time depends on the neighbours, so they also give
// the CPU time of this process, its peak Go heap and its peak RSS.
package benchmeter

import (
	"runtime"
	"syscall"
	"time"
)

// Meter samples the Go heap from Start to Stop.
type Meter struct {
	stop chan struct{}
	peak chan uint64
	cpu0 time.Duration
}

// Start collects garbage, then samples the heap every interval until Stop.
func Start(interval time.Duration) *Meter {
	runtime.GC()
	m := &Meter{stop: make(chan struct{}), peak: make(chan uint64), cpu0: CPU()}
	go func() {
		var max uint64
		var st runtime.MemStats
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&st)
			max = maxOf(max, st.HeapInuse+st.StackInuse)
			select {
			case <-m.stop:
				m.peak <- max
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// Stop ends the sampling and returns the peak Go heap (bytes) and the CPU
// time this process spent since Start.
func (m *Meter) Stop() (peakHeap uint64, cpu time.Duration) {
	cpu = CPU() - m.cpu0
	close(m.stop)
	return <-m.peak, cpu
}

func maxOf(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// CPU is the user and system CPU time of this process so far.
func CPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PeakRSSMB is the peak resident set of this process, in MB.
func PeakRSSMB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

package password

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heapMetric is the memory held by heap objects, live or not yet swept:
// what the argon2id work areas occupy while hashes run.
const heapMetric = "/memory/classes/heap/objects:bytes"

// samplePeakHeap samples heapMetric about every 200 µs until the returned
// function is called, which returns the highest value seen in bytes.
func samplePeakHeap() (stop func() uint64) {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: heapMetric}}
		var peak uint64
		read := func() {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
		}
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-t.C:
			case <-done:
				read()
				result <- peak
				return
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-result
	}
}

// BenchmarkVerify measures Verify at the default argon2id parameters with
// 1, 2 and 16 concurrent sign-ins. The Hasher allows GOMAXPROCS hashes at
// once (the production default); the last case lifts that bound to 16 to
// show the memory the semaphore saves. It reports verifications per second,
// the mean time one sign-in waits for its verification, and the peak heap.
func BenchmarkVerify(b *testing.B) {
	procs := runtime.GOMAXPROCS(0)
	cases := []struct{ signins, slots int }{
		{1, procs},
		{2, procs},
		{16, procs},
		{16, 16},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("signins=%d/slots=%d", c.signins, c.slots), func(b *testing.B) {
			benchVerify(b, c.signins, c.slots)
		})
	}
}

func benchVerify(b *testing.B, signins, slots int) {
	ctx := context.Background()
	const pw = "correct horse battery staple"
	h := NewHasher(DefaultParams(), slots)
	enc, err := h.Hash(ctx, pw)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	stop := samplePeakHeap()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()

	var next atomic.Int64
	var wg sync.WaitGroup
	for range signins {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if ok, _, err := h.Verify(ctx, enc, pw); !ok || err != nil {
					b.Errorf("Verify() = %v, _, %v; want true, nil", ok, err)
					return
				}
			}
		})
	}
	wg.Wait()

	elapsed := time.Since(start)
	b.StopTimer()
	peak := stop()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "verify/s")
	b.ReportMetric(float64(elapsed.Milliseconds())*float64(min(signins, b.N))/float64(b.N), "ms/signin")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkHash measures one Hash at the default parameters.
func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams(), 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate measures the policy check, blocklist lookup included.
func BenchmarkValidate(b *testing.B) {
	_ = blocklist() // build the set outside the timed loop
	b.ReportAllocs()
	for b.Loop() {
		_ = Validate("correct horse battery staple", "alice@example.com")
	}
}

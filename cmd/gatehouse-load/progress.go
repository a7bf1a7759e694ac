package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progressEvery is how often the progress line is rewritten.
const progressEvery = time.Second

// progress prints a progress line for one scenario while it runs: the
// requests so far, the errors and the throughput, rewritten in place
// (with a carriage return) every progressEvery, and once more with a
// newline when the scenario ends. A nil *progress prints nothing.
type progress struct {
	w      io.Writer
	name   string
	start  time.Time
	done   atomic.Int64
	errors atomic.Int64
	stop   chan struct{}
	wg     sync.WaitGroup
}

// startProgress starts the line of scenario name on w; it returns nil when
// w is nil.
func startProgress(w io.Writer, name string) *progress {
	if w == nil {
		return nil
	}
	p := &progress{w: w, name: name, start: time.Now(), stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.print("")
			}
		}
	}()
	return p
}

// add counts one request and its outcome.
func (p *progress) add(o outcome) {
	if p == nil {
		return
	}
	p.done.Add(1)
	if o != "" {
		p.errors.Add(1)
	}
}

// finish stops the updates and prints the final line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.print("\n")
}

// print writes the line once, followed by end.
func (p *progress) print(end string) {
	n, elapsed := p.done.Load(), time.Since(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(n) / elapsed.Seconds()
	}
	fmt.Fprintf(p.w, "\r%s: %d requests, %d errors, %.1f req/s, %.1f s%s", p.name, n, p.errors.Load(), rate, elapsed.Seconds(), end)
}

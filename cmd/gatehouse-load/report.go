package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// report is the summary of a run. Latencies are in milliseconds.
type report struct {
	Scenario    string         `json:"scenario"`
	Target      string         `json:"target"`
	Concurrency int            `json:"concurrency"`
	Requests    int            `json:"requests"`
	OK          int            `json:"ok"`
	Errors      int            `json:"errors"`
	ErrorsBy    map[string]int `json:"errors_by,omitempty"`
	ElapsedS    float64        `json:"elapsed_s"`
	Throughput  float64        `json:"throughput_rps"`
	P50ms       float64        `json:"p50_ms"`
	P90ms       float64        `json:"p90_ms"`
	P99ms       float64        `json:"p99_ms"`
	MaxMs       float64        `json:"max_ms"`
	// BrokenChains counts refresh chains that failed and stopped.
	BrokenChains int `json:"broken_chains,omitempty"`
}

// summarize builds the report of scenario name from the samples of a run
// that took elapsed.
func summarize(cfg config, name, target string, samples []sample, elapsed time.Duration) report {
	r := report{
		Scenario:    name,
		Target:      target,
		Concurrency: cfg.concurrency,
		Requests:    len(samples),
		ElapsedS:    elapsed.Seconds(),
	}
	lat := make([]time.Duration, 0, len(samples))
	for _, s := range samples {
		lat = append(lat, s.latency)
		if s.outcome == "" {
			r.OK++
			continue
		}
		r.Errors++
		if r.ErrorsBy == nil {
			r.ErrorsBy = map[string]int{}
		}
		r.ErrorsBy[string(s.outcome)]++
	}
	if elapsed > 0 {
		r.Throughput = float64(len(samples)) / elapsed.Seconds()
	}
	slices.Sort(lat)
	r.P50ms = ms(percentile(lat, 50))
	r.P90ms = ms(percentile(lat, 90))
	r.P99ms = ms(percentile(lat, 99))
	if len(lat) > 0 {
		r.MaxMs = ms(lat[len(lat)-1])
	}
	return r
}

// percentile returns the p-th percentile of sorted by the nearest-rank
// method, or 0 for no samples.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// ms converts d to milliseconds with microsecond resolution.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// write prints the report as text or as one JSON object.
func (r report) write(w io.Writer, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode report: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\t%s\n", r.Scenario)
	fmt.Fprintf(tw, "target\t%s\n", r.Target)
	fmt.Fprintf(tw, "concurrency\t%d\n", r.Concurrency)
	fmt.Fprintf(tw, "requests\t%d (%d ok, %d errors)\n", r.Requests, r.OK, r.Errors)
	for _, k := range sortedKeys(r.ErrorsBy) {
		fmt.Fprintf(tw, "  error %s\t%d\n", k, r.ErrorsBy[k])
	}
	if r.BrokenChains > 0 {
		fmt.Fprintf(tw, "broken refresh chains\t%d\n", r.BrokenChains)
	}
	fmt.Fprintf(tw, "elapsed\t%.3f s\n", r.ElapsedS)
	fmt.Fprintf(tw, "throughput\t%.1f req/s\n", r.Throughput)
	fmt.Fprintf(tw, "latency p50\t%.3f ms\n", r.P50ms)
	fmt.Fprintf(tw, "latency p90\t%.3f ms\n", r.P90ms)
	fmt.Fprintf(tw, "latency p99\t%.3f ms\n", r.P99ms)
	fmt.Fprintf(tw, "latency max\t%.3f ms\n", r.MaxMs)
	return tw.Flush()
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

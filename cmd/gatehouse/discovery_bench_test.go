package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkDiscoveryOverHTTP requests the discovery document over loopback
// HTTP with keep-alive, from the whole server (every middleware of the
// public handler) and, as the ceiling in the same run, from a bare
// net/http handler writing the same bytes. Run it with
//
//	go test -run '^$' -bench DiscoveryOverHTTP -cpu 2 ./cmd/gatehouse
func BenchmarkDiscoveryOverHTTP(b *testing.B) {
	dataDir := filepath.Join(b.TempDir(), "data")
	env := map[string]string{"GATEHOUSE_SERVER_LISTEN": "127.0.0.1:0", "GATEHOUSE_STORAGE_DATA_DIR": dataDir,
		"GATEHOUSE_LOG_LEVEL": "warn"}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"gatehouse", "serve"}, mapEnv(env), strings.NewReader(""), io.Discard, io.Discard,
			hooks{ready: func(addr string) { ready <- addr }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		b.Fatal(err)
	}
	defer func() { cancel(); <-done }()
	const path = "/.well-known/openid-configuration"
	doc := get(b, http.DefaultClient, "http://"+addr+path)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	})}
	go bare.Serve(ln)
	defer bare.Close()

	for _, target := range []struct{ name, url string }{
		{"gatehouse", "http://" + addr + path},
		{"bare", "http://" + ln.Addr().String() + path},
	} {
		b.Run(target.name, func(b *testing.B) {
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.SetParallelism(8) // 16 connections on 2 cores, as the load runs
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, hc, target.url)
				}
			})
		})
	}
}

// get fetches url and returns the body, failing on a non-200 answer.
func get(b *testing.B, hc *http.Client, url string) []byte {
	resp, err := hc.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return body
}

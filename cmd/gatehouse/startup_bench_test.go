package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// The start-up benchmarks (issue 13, "Scale") measure the time from
// starting the server to its first answered request, a GET of the
// discovery document, on a data directory holding startupUsers users.
// With -short they use a tenth. Run them with
//
//	go test -run '^$' -bench Startup -benchtime 10x ./cmd/gatehouse
//
// BenchmarkStartupBinary runs the built binary, so its figure includes the
// process start; BenchmarkStartupInProcess calls run in this process.
const (
	startupUsers     = 1_000_000
	startupBatch     = 20_000
	startupReadiness = 30 * time.Second
)

// startupDataDir builds, once per benchmark, a data directory with n users
// (and the keys a first start creates), and returns it.
func startupDataDir(b *testing.B) (string, int) {
	b.Helper()
	n := startupUsers
	if testing.Short() {
		n /= 10
	}
	dataDir := filepath.Join(b.TempDir(), "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		b.Fatal(err)
	}
	db, err := boltdb.Open(filepath.Join(dataDir, dbFileName), boltdb.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for lo := 0; lo < n; lo += startupBatch {
		batch := make([]storage.User, 0, startupBatch)
		for i := lo; i < min(lo+startupBatch, n); i++ {
			batch = append(batch, storage.User{ID: fmt.Sprintf("usr_%08d", i), Email: fmt.Sprintf("user%08d@example.com", i),
				GivenName: "Load", FamilyName: fmt.Sprint("User ", i), State: storage.UserActive, CreatedAt: created,
				PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"})
		}
		if err := db.ImportUsers(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	info, _ := os.Stat(filepath.Join(dataDir, dbFileName))
	b.Logf("%d users in %v, file %d MiB", n, time.Since(start).Round(time.Millisecond), info.Size()>>20)
	return dataDir, n
}

// firstAnswer requests url until it answers 200 or the deadline passes.
// Refused connections are retried at once: the server is still starting.
func firstAnswer(url string, deadline time.Time) error {
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer from %s: %w", url, err)
		}
		runtime.Gosched()
	}
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func BenchmarkStartupBinary(b *testing.B) {
	dataDir, n := startupDataDir(b)
	bin := filepath.Join(b.TempDir(), "gatehouse")
	if out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(b)
	env := append(os.Environ(), "GATEHOUSE_SERVER_LISTEN="+addr, "GATEHOUSE_STORAGE_DATA_DIR="+dataDir,
		"GATEHOUSE_SERVER_ISSUER=http://"+addr, "GATEHOUSE_LOG_LEVEL=warn")
	startOnce := func() time.Duration {
		cmd := exec.Command(bin, "serve")
		cmd.Env = env
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		err := firstAnswer("http://"+addr+"/.well-known/openid-configuration", time.Now().Add(startupReadiness))
		d := time.Since(t0)
		cmd.Process.Signal(syscall.SIGTERM)
		if werr := cmd.Wait(); err == nil && werr != nil && !strings.Contains(werr.Error(), "signal") {
			err = werr
		}
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	startOnce() // the first start creates the keys
	var total, worst time.Duration
	b.ResetTimer()
	for b.Loop() {
		d := startOnce()
		total += d
		worst = max(worst, d)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
	b.ReportMetric(float64(worst.Milliseconds()), "ms/worst")
	b.ReportMetric(float64(n), "users")
}

func BenchmarkStartupInProcess(b *testing.B) {
	dataDir, n := startupDataDir(b)
	env := map[string]string{"GATEHOUSE_SERVER_LISTEN": "127.0.0.1:0", "GATEHOUSE_STORAGE_DATA_DIR": dataDir,
		"GATEHOUSE_LOG_LEVEL": "warn"}
	startOnce := func() time.Duration {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan error, 1)
		t0 := time.Now()
		go func() {
			done <- runWith(ctx, []string{"gatehouse", "serve"}, mapEnv(env), strings.NewReader(""), &syncBuffer{}, &syncBuffer{},
				hooks{ready: func(addr string) { ready <- addr }})
		}()
		var err error
		select {
		case addr := <-ready:
			err = firstAnswer("http://"+addr+"/.well-known/openid-configuration", time.Now().Add(startupReadiness))
		case err = <-done:
		}
		d := time.Since(t0)
		cancel()
		if rerr := <-done; err == nil {
			err = rerr
		}
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	startOnce()
	var total time.Duration
	b.ResetTimer()
	for b.Loop() {
		total += startOnce()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
	b.ReportMetric(float64(n), "users")
}

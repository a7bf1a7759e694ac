package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/metrics"
	"github.com/gatehouse-id/gatehouse/password"
)

// The observability of the public listener: request IDs in the answers and
// the logs, /healthz and /readyz, and the Prometheus metrics (package
// metrics) measured from the outside of the page packages: an HTTP
// middleware, a storage decorator (observe_store.go) and counting message
// senders.

// headerRequestID carries a request's ID in and out.
const headerRequestID = "X-Request-ID"

// maxRequestIDLen bounds an incoming request ID.
const maxRequestIDLen = 128

// readyTimeout bounds the storage read of /readyz.
const readyTimeout = 2 * time.Second

// requestIDKey is the context key of the request ID.
type requestIDKey struct{}

// requestIDFrom returns the request ID in ctx, or "".
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID reports whether an incoming X-Request-ID may be kept:
// 1 to 128 letters, digits and "-", "_", ".", ":", so that it is safe in a
// log line and a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

// newRequestID returns a random request ID of 32 hex digits.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// withRequestIDs gives every request an ID, the valid incoming
// X-Request-ID or a new one, in its context (for the logs) and in the
// answer's X-Request-ID.
func withRequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(headerRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(headerRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// requestIDHandler adds request_id, from the context, to every record it
// passes on: most code logs with the *Context methods of slog.
type requestIDHandler struct {
	slog.Handler
}

// withRequestID wraps h so that records logged with a request's context
// carry its request ID.
func withRequestID(h slog.Handler) slog.Handler { return requestIDHandler{h} }

// Handle adds request_id when ctx has one and passes r on.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDFrom(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	if err := h.Handler.Handle(ctx, r); err != nil {
		return fmt.Errorf("log record: %w", err)
	}
	return nil
}

// WithAttrs returns the wrapper around the inner handler's WithAttrs.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup returns the wrapper around the inner handler's WithGroup.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// accessLog logs every answer at debug level, with its request ID (from
// the context), method, route, status and duration. It adds no work when
// debug is off.
func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !logger.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		logger.DebugContext(r.Context(), "request", "method", r.Method, "route", metrics.Route(r.URL.Path),
			"status", sw.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// statusRecorder remembers the status code of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

// WriteHeader records the first final status code and sends it.
func (w *statusRecorder) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// healthChecker is what /readyz asks: storage.Store's Health.
type healthChecker interface {
	Health(ctx context.Context) error
}

// handleHealthz answers 200 while the process serves requests.
func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyHandler answers 200 when a storage read answers within timeout,
// and 503 otherwise (the error goes to the log only).
func readyHandler(store healthChecker, timeout time.Duration, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- store.Health(ctx) }()
		var err error
		select {
		case err = <-done:
		case <-ctx.Done():
			err = fmt.Errorf("no answer within %v: %w", timeout, ctx.Err())
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			logger.WarnContext(r.Context(), "not ready: storage does not answer", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("storage unavailable\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}

// observe wraps the public handler next: request IDs outermost, then the
// access log, the metrics middleware (m not nil), and /healthz, /readyz
// and, when publicMetrics, /metrics in front of next. Every other path goes
// to next as it came (no path cleaning, no redirect).
func observe(next http.Handler, m *metrics.Metrics, publicMetrics bool, store healthChecker, logger *slog.Logger) http.Handler {
	own := map[string]http.Handler{
		"/healthz": http.HandlerFunc(handleHealthz),
		"/readyz":  readyHandler(store, readyTimeout, logger),
	}
	if m != nil && publicMetrics {
		own["/metrics"] = m.Handler()
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep, ok := own[r.URL.Path]
		switch {
		case !ok:
			next.ServeHTTP(w, r)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		default:
			ep.ServeHTTP(w, r)
		}
	})
	if m != nil {
		h = m.Middleware(h)
	}
	return withRequestIDs(accessLog(logger, h))
}

// newMetrics returns the metrics of mc, watching the argon2id queue of
// hasher, or nil when metrics are off.
func newMetrics(mc MetricsConfig, hasher *password.Hasher) *metrics.Metrics {
	if !mc.Enabled {
		return nil
	}
	m := metrics.New()
	m.WatchArgon2(hasher)
	return m
}

// metricsShutdownTimeout bounds the shutdown of the metrics listener.
const metricsShutdownTimeout = 5 * time.Second

// startMetrics starts the metrics listener of mc when it has one
// (startMetricsListener) and returns its stop; stop does nothing
// otherwise.
func startMetrics(mc MetricsConfig, m *metrics.Metrics, logger *slog.Logger, errc chan<- error, ready func(string)) (stop func(), err error) {
	if m == nil || mc.Listen == "" {
		return func() {}, nil
	}
	shutdown, err := startMetricsListener(mc.Listen, m, logger, errc, ready)
	if err != nil {
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), metricsShutdownTimeout)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			logger.Warn("shut down metrics listener", "err", err)
		}
	}, nil
}

// startMetricsListener serves /metrics of m alone on addr, its own
// listener, until stop is called. ready, when not nil, gets the address
// it listens on. A serve failure after start-up goes to errc when it has
// room, and to the log.
func startMetricsListener(addr string, m *metrics.Metrics, logger *slog.Logger, errc chan<- error, ready func(string)) (stop func(context.Context) error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics.listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			err = fmt.Errorf("serve metrics on %s: %w", ln.Addr(), err)
			logger.Error("metrics listener failed", "err", err)
			select {
			case errc <- err:
			default:
			}
		}
	}()
	if ready != nil {
		ready(ln.Addr().String())
	}
	return srv.Shutdown, nil
}

// pprofHandler serves the runtime profiles of net/http/pprof under
// /debug/pprof/. It belongs on the admin socket only, never on a TCP
// listener (withPprof).
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// withPprof serves the runtime profiles under /debug/pprof/ and
// everything else with next: the admin socket's handler, reachable only
// by who may open the socket in the data directory.
func withPprof(next http.Handler) http.Handler {
	profiles := pprofHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/debug/pprof/") {
			profiles.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

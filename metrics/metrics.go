package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The metric names, for the operators' dashboards and the tests.
const (
	NameHTTPRequests       = "gatehouse_http_requests_total"
	NameHTTPDuration       = "gatehouse_http_request_duration_seconds"
	NameRateLimited        = "gatehouse_rate_limited_total"
	NameSignIns            = "gatehouse_signins_total"
	NameCodesSent          = "gatehouse_codes_sent_total"
	NameTokensIssued       = "gatehouse_tokens_issued_total"
	NameStorageDuration    = "gatehouse_storage_operation_duration_seconds"
	NameArgon2Waiting      = "gatehouse_argon2_queue_waiting"
	NameArgon2InFlight     = "gatehouse_argon2_in_flight"
	NameStorageErrors      = "gatehouse_storage_operation_errors_total"
	NameArgon2Computations = "gatehouse_argon2_computations_total"
)

// The grants of TokenIssued.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// The channels of CodeSent.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// The results of SignIn.
const (
	// ResultSuccess is a completed sign-in.
	ResultSuccess = "success"
	// ResultFailure is a refused first or second factor.
	ResultFailure = "failure"
	// ResultEnded is a sign-in ended after too many failures.
	ResultEnded = "ended"
)

// signInMethods are the method label values SignIn keeps; any other value
// is counted as "other".
var signInMethods = map[string]bool{
	"password": true, "passkey": true, "password+webauthn": true, "password+sms": true, "password+otp": true,
	"password+trusted_device": true, "email": true, "sms": true, "totp": true, "webauthn": true, "recovery": true,
}

// Metrics is the set of Gatehouse's metrics on its own registry. Its
// methods are safe for concurrent use.
type Metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	limited      *prometheus.CounterVec
	signIns      *prometheus.CounterVec
	codes        *prometheus.CounterVec
	tokens       *prometheus.CounterVec
	storage      *prometheus.HistogramVec
	storageFails *prometheus.CounterVec
}

// New returns the metrics on a new registry that also holds the Go
// runtime's and the process's collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameHTTPRequests,
			Help: "HTTP requests answered, by route and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: NameHTTPDuration,
			Help:    "Time to answer an HTTP request, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameRateLimited,
			Help: "Requests refused with 429 Too Many Requests, by route."}, []string{"route"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameSignIns,
			Help: "Sign-in outcomes from the audit log: completed sign-ins by method, refused factors by the factor, and sign-ins ended after too many failures."},
			[]string{"result", "method"}),
		codes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameCodesSent,
			Help: "One-time codes handed to a transport, by channel (e-mail codes and address checks, and every text message)."},
			[]string{"channel"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameTokensIssued,
			Help: "Token issuances stored, by grant."}, []string{"grant"}),
		storage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: NameStorageDuration,
			Help:    "Time of a storage call on the request path, by operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}}, []string{"operation"}),
		storageFails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameStorageErrors,
			Help: "Storage calls on the request path that returned an error other than not found, by operation."},
			[]string{"operation"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.limited, m.signIns, m.codes, m.tokens, m.storage, m.storageFails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, g := range []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials} {
		m.tokens.WithLabelValues(g)
	}
	for _, c := range []string{ChannelEmail, ChannelSMS} {
		m.codes.WithLabelValues(c)
	}
	return m
}

// Handler returns the /metrics handler of the registry, in the text
// exposition format (or OpenMetrics when asked for).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Argon2Source is what the argon2 queue gauges read: package password's
// Hasher.
type Argon2Source interface {
	// Waiting returns how many callers wait for a free slot.
	Waiting() int
	// InFlight returns how many hashes are being computed.
	InFlight() int
	// Computations returns how many hashes were computed.
	Computations() uint64
}

// WatchArgon2 adds the gauges of the argon2 queue of src: the callers
// waiting and the hashes in flight, read at each scrape, and the counter
// of computations. Call it once.
func (m *Metrics) WatchArgon2(src Argon2Source) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: NameArgon2Waiting,
			Help: "Password hashes waiting for a free argon2id slot."}, func() float64 { return float64(src.Waiting()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: NameArgon2InFlight,
			Help: "Password hashes being computed."}, func() float64 { return float64(src.InFlight()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: NameArgon2Computations,
			Help: "Argon2id computations run."}, func() float64 { return float64(src.Computations()) }),
	)
}

// TokenIssued counts one stored token issuance of grant, one of the
// Grant* values.
func (m *Metrics) TokenIssued(grant string) {
	m.tokens.WithLabelValues(grant).Inc()
}

// CodeSent counts one code handed to the transport of channel, one of the
// Channel* values.
func (m *Metrics) CodeSent(channel string) {
	m.codes.WithLabelValues(channel).Inc()
}

// SignIn counts one sign-in outcome: result is one of the Result* values
// and method the sign-in's method or the refused factor; a method outside
// the known set is counted as "other".
func (m *Metrics) SignIn(result, method string) {
	if !signInMethods[method] {
		method = "other"
	}
	m.signIns.WithLabelValues(result, method).Inc()
}

// StorageCall records one storage call of operation that took d; failed
// is true when it returned an unexpected error.
func (m *Metrics) StorageCall(operation string, d time.Duration, failed bool) {
	m.storage.WithLabelValues(operation).Observe(d.Seconds())
	if failed {
		m.storageFails.WithLabelValues(operation).Inc()
	}
}

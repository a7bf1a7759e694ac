// Package metrics holds Gatehouse's Prometheus metrics: one registry of
// its own (never the global one) and small typed recorders that the wiring
// in cmd/gatehouse calls from the outside of the page packages — an HTTP
// middleware, a storage decorator and decorated message senders. The
// label values are fixed, small sets, so that no request can grow the
// number of series.
package metrics

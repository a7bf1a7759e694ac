package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// rrProxy is the round-robin reverse proxy of TestMultiNode: the load
// balancer in front of the nodes, whose address is the issuer. Each
// request goes to the next node in turn; a node that refuses a
// connection is taken out of the rotation (a passive health check) and
// the request goes to the next one, as a balancer retries a failed
// upstream. It records which node answered each request.
type rrProxy struct {
	url string
	srv *http.Server

	mu    sync.Mutex
	nodes []*url.URL
	down  []bool
	next  int
	hops  []proxyHop
	fails int // requests that a node failed to take
}

// proxyHop is one request the proxy passed on.
type proxyHop struct {
	node   int // 0-based index of the node that answered
	method string
	path   string
}

// startRRProxy listens on 127.0.0.1 at once, so that its address can be
// the nodes' issuer before they start; setNodes gives it the nodes.
func startRRProxy(t *testing.T) *rrProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rrProxy{url: "http://localhost:" + portOf(ln.Addr().String())}
	p.srv = &http.Server{Handler: p}
	go p.srv.Serve(ln)
	t.Cleanup(func() { p.srv.Close() })
	return p
}

// setNodes sets the nodes' base URLs, in order.
func (p *rrProxy) setNodes(t *testing.T, bases ...string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range bases {
		u, err := url.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		p.nodes = append(p.nodes, u)
		p.down = append(p.down, false)
	}
}

// pick returns the next node in the rotation and its URL, or -1 when all
// are down.
func (p *rrProxy) pick() (int, *url.URL) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.nodes {
		i := p.next % len(p.nodes)
		p.next++
		if !p.down[i] {
			return i, p.nodes[i]
		}
	}
	return -1, nil
}

// count returns the number of nodes.
func (p *rrProxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.nodes)
}

// ServeHTTP passes r to the next node, and to the one after when that
// node fails to take it.
func (p *rrProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for range p.count() {
		i, node := p.pick()
		if i < 0 {
			break
		}
		failed := false
		rp := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(node)
				pr.Out.Host = pr.In.Host // the issuer's host, as a balancer keeps it
			},
			// A node that fails before answering wrote nothing yet: mark
			// it down and let the loop try the next one.
			ErrorHandler: func(http.ResponseWriter, *http.Request, error) { failed = true },
		}
		out := r.Clone(r.Context())
		out.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, out)
		p.mu.Lock()
		if failed {
			p.down[i] = true
			p.fails++
		} else {
			p.hops = append(p.hops, proxyHop{node: i, method: r.Method, path: r.URL.Path})
		}
		p.mu.Unlock()
		if !failed {
			return
		}
	}
	http.Error(w, "no node answered", http.StatusBadGateway)
}

// mark returns the position in the log of the next request.
func (p *rrProxy) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.hops)
}

// since returns the requests passed on from position m.
func (p *rrProxy) since(m int) []proxyHop {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]proxyHop(nil), p.hops[m:]...)
}

// isDown reports whether node i is out of the rotation, and how many
// requests nodes failed to take in all.
func (p *rrProxy) isDown(i int) (bool, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down[i], p.fails
}

// hopsTo filters hops by method and path.
func hopsTo(hops []proxyHop, method, path string) []proxyHop {
	var out []proxyHop
	for _, h := range hops {
		if h.method == method && h.path == path {
			out = append(out, h)
		}
	}
	return out
}

// nodeCounts counts the hops answered by each node.
func nodeCounts(hops []proxyHop) map[int]int {
	m := map[int]int{}
	for _, h := range hops {
		m[h.node]++
	}
	return m
}

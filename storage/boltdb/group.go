package boltdb

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Group commit (issue 13). bbolt's Batch collects calls for MaxBatchDelay
// and then queues for the writer lock; calls that arrive while a commit
// is syncing start another batch, whose timer fires before the writer is
// free, so one fsync's worth of waiting callers is split over several
// small commits, each with its own fsync. A grouper instead lets a commit
// take every call that waited for it: while one commit runs, new calls
// queue, and the next commit starts the moment the previous one ends,
// with all of them. A lone call commits at once, without a timer.

// groupCall is one function waiting for a group commit, and where its
// result goes.
type groupCall struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// grouper runs the functions given to do in shared read-write
// transactions, one commit at a time. It is safe for concurrent use.
type grouper struct {
	db *bolt.DB

	mu      sync.Mutex
	queue   []groupCall
	running bool // a goroutine is committing the queue
}

// do runs fn in a read-write transaction shared with the calls that
// queued with it and returns fn's error, or the commit's. As with
// bbolt's Batch, fn may run more than once (a transaction that another
// call's error rolled back is run again without that call), only one run
// commits, and a function that fails is run again alone so that its
// error is its own.
func (g *grouper) do(fn func(*bolt.Tx) error) error {
	c := groupCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if !g.running {
		g.running = true
		go g.run()
	}
	g.mu.Unlock()
	return <-c.done
}

// run commits the queue, group after group, until it is empty.
func (g *grouper) run() {
	for {
		g.mu.Lock()
		group := g.queue
		g.queue = nil
		if len(group) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		g.commit(group)
	}
}

// commit runs group in one transaction. When a function fails, the
// transaction is rolled back, the failing function runs alone and the
// others run again together.
func (g *grouper) commit(group []groupCall) {
	for len(group) > 0 {
		failed := -1
		err := safeUpdate(g.db, func(tx *bolt.Tx) error {
			for i, c := range group {
				if err := callSafely(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range group {
				c.done <- err
			}
			return
		}
		c := group[failed]
		if len(group) == 1 {
			c.done <- err
			return
		}
		c.done <- safeUpdate(g.db, func(tx *bolt.Tx) error { return callSafely(c.fn, tx) })
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}

// callSafely runs fn, turning a panic (bbolt's on a damaged page, as
// safeUpdate reports it) into an error wrapping ErrDamaged, so that one
// call cannot take down the others of its group.
func callSafely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, p)
		}
	}()
	return fn(tx)
}

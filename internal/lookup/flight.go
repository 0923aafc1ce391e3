package lookup

import (
	"context"
	"errors"
	"sync"
)

var errAborted = errors.New("lookup: concurrent lookup aborted")

// flight collapses concurrent calls with the same key into one: the first caller
// runs fn, the others wait for its result. It is what keeps twenty readers who open
// the same article at once from fetching it twenty times.
type flight[T any] struct {
	mu    sync.Mutex
	calls map[string]*call[T]
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// do runs fn once per key at a time. A waiter whose ctx ends stops waiting; the
// running call goes on for the others.
func (f *flight[T]) do(ctx context.Context, key string, fn func() (T, error)) (T, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = make(map[string]*call[T])
	}
	if c, ok := f.calls[key]; ok {
		f.mu.Unlock()
		select {
		case <-c.done:
			return c.val, c.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	// err stays set if fn panics, so waiters never take a zero value for success.
	c := &call[T]{done: make(chan struct{}), err: errAborted}
	f.calls[key] = c
	f.mu.Unlock()

	defer func() {
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.val, c.err = fn()
	return c.val, c.err
}

package lookup

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestGate(t *testing.T) {
	t.Parallel()
	g := newGate(1, 1, time.Hour)
	release, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A second lookup waits for the slot.
	admitted := make(chan error, 1)
	go func() {
		rel, err := g.enter(context.Background())
		if err == nil {
			defer rel()
		}
		admitted <- err
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, waiting := g.load(); waiting == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second lookup never queued")
		}
		time.Sleep(time.Millisecond)
	}
	// A third finds the queue full and is refused at once.
	if _, err := g.enter(context.Background()); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("third enter: %v, want ErrOverloaded", err)
	}
	// A caller that gives up stops waiting with its own error, not "overloaded".
	g2 := newGate(1, 4, time.Hour)
	rel2, _ := g2.enter(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g2.enter(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v, want context.Canceled", err)
	}
	rel2()
	release()
	if err := <-admitted; err != nil {
		t.Fatalf("queued lookup: %v", err)
	}
	if working, waiting := g.load(); working != 0 || waiting != 0 {
		t.Errorf("after all released: %d working, %d waiting", working, waiting)
	}
}

// TestGateWait: a lookup that waited the whole QueueWait is refused rather than
// kept waiting.
func TestGateWait(t *testing.T) {
	t.Parallel()
	g := newGate(1, 8, 10*time.Millisecond)
	release, _ := g.enter(context.Background())
	defer release()
	if _, err := g.enter(context.Background()); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("enter past the wait: %v, want ErrOverloaded", err)
	}
	if _, waiting := g.load(); waiting != 0 {
		t.Errorf("%d still counted as waiting", waiting)
	}
}

func TestNoQueue(t *testing.T) {
	t.Parallel()
	s := New(Options{MaxWork: 1, MaxQueue: NoQueue})
	release, err := s.work.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := s.work.enter(context.Background()); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("with no queue: %v, want ErrOverloaded at once", err)
	}
}

// TestReadsShedAtOnce: with every slot for answers from the index taken, one
// more is refused busy at once, before it touches the store (this Service has
// none: a store call would panic).
func TestReadsShedAtOnce(t *testing.T) {
	t.Parallel()
	s := New(Options{MaxWork: 2})
	for range readsPerWork * 2 {
		release, err := s.reads.enter(context.Background())
		if err != nil {
			t.Fatalf("taking a read slot: %v", err)
		}
		defer release()
	}
	if _, err := s.indexed(context.Background(), "https://example.com/a"); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("answer from the index with every read slot taken: %v, want ErrOverloaded", err)
	}
}

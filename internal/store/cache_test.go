package store

import (
	"fmt"
	"testing"
)

// TestLRUBound: the cache never holds more than its bound, drops the least
// recently used first, and keeps no value costing more than the whole bound.
func TestLRUBound(t *testing.T) {
	t.Parallel()
	l := newLRU[int](10)
	for i := range 5 {
		l.put(fmt.Sprint(i), i, 2) // 0..4, cost 10 in all
	}
	l.get("0") // now the most recently used
	l.put("5", 5, 3)
	for _, tt := range []struct {
		key  string
		kept bool
	}{{"0", true}, {"1", false}, {"2", false}, {"3", true}, {"4", true}, {"5", true}} {
		if _, ok := l.get(tt.key); ok != tt.kept {
			t.Errorf("%s kept = %v, want %v", tt.key, ok, tt.kept)
		}
	}
	if l.cost > l.max {
		t.Errorf("cost %d over the bound %d", l.cost, l.max)
	}
	l.put("huge", 6, 11)
	if _, ok := l.get("huge"); ok {
		t.Error("a value costing more than the bound was kept")
	}
	l.put("0", 7, 1) // replacing a value counts its new cost only
	if v, _ := l.get("0"); v != 7 || l.cost != 8 {
		t.Errorf("after replacing: value %d, cost %d; want 7 and 8", v, l.cost)
	}
}

package lookup

import (
	"errors"
	"testing"
)

func TestSameSite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		requested, declared string
		foreign             bool
	}{
		{"https://www.bbc.co.uk/news/a", "", false},
		{"https://www.bbc.co.uk/news/a", "https://www.bbc.co.uk/news/a", false},
		{"https://www.bbc.co.uk/news/a", "https://bbc.co.uk/news/b", false},
		{"https://www.bbc.co.uk/news/a", "https://m.bbc.co.uk/news/a", false},
		{"https://www.bbc.co.uk/news/a", "undefined", false}, // a template bug, not a claim
		{"https://www.bbc.co.uk/news/a", "https://www.foxnews.com/world/a", true},
		{"https://www.bbc.co.uk/news/a", "http://evil.co.uk/news/a", true},
		{"https://news.yahoo.com/a", "https://www.reuters.com/world/a", true}, // a syndicated copy, posted
	}
	for _, tt := range tests {
		err := sameSite(tt.requested, tt.declared)
		if got := errors.Is(err, ErrForeignPage); got != tt.foreign {
			t.Errorf("sameSite(%q, %q) = %v, want foreign %v", tt.requested, tt.declared, err, tt.foreign)
		}
	}
}

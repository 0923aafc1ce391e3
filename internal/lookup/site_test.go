package lookup

import (
	"errors"
	"testing"
)

func TestSameSite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		requested string
		declared  []string
		foreign   bool
	}{
		{"https://www.bbc.co.uk/news/a", nil, false},
		{"https://www.bbc.co.uk/news/a", []string{"https://www.bbc.co.uk/news/a"}, false},
		{"https://www.bbc.co.uk/news/a", []string{"https://bbc.co.uk/news/b"}, false},
		{"https://www.bbc.co.uk/news/a", []string{"https://m.bbc.co.uk/news/a"}, false},
		{"https://www.bbc.co.uk/news/a", []string{"undefined"}, false}, // a template bug, not a claim
		{"https://www.bbc.co.uk/news/a", []string{"https://www.foxnews.com/world/a"}, true},
		{"https://www.bbc.co.uk/news/a", []string{"http://evil.co.uk/news/a"}, true},
		{"https://news.yahoo.com/a", []string{"https://www.reuters.com/world/a"}, true}, // a syndicated copy, posted
		// The canonical link and og:url agree with the URL; the JSON-LD url does not.
		{"https://www.bbc.co.uk/news/a", []string{"https://www.bbc.co.uk/news/a", "https://www.breitbart.com/politics/a"}, true},
		{"https://www.bbc.co.uk/news/a", []string{"undefined", "https://www.bbc.co.uk/news/a"}, false},
	}
	for _, tt := range tests {
		err := sameSite(tt.requested, tt.declared)
		if got := errors.Is(err, ErrForeignPage); got != tt.foreign {
			t.Errorf("sameSite(%q, %q) = %v, want foreign %v", tt.requested, tt.declared, err, tt.foreign)
		}
	}
}

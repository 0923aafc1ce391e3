package blob

import (
	"bytes"
	"compress/flate"
	"errors"
	"strings"
	"sync"
	"testing"
)

const testDict = `"title":"","url":"https://www.example.com/" the of and to in`

func TestPackRoundTrip(t *testing.T) {
	c := New(0xF1, testDict, 4096)
	long := `{"title":"Bridge collapses in the city","url":"https://www.example.com/news/bridge",` +
		`"text":"The bridge collapsed in the morning and the city closed the road to the river."}`
	tests := []struct {
		name   string
		in     string
		packed bool
	}{
		{"json record", long, true},
		{"repetitive", strings.Repeat("shooting police ", 100), true},
		{"empty", "", false},
		{"too short to gain", "{}", false},
		{"over the limit", strings.Repeat("a", 5000), false},
		{"binary", "\x03\x01\x00\xff\xfe", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.Pack([]byte(tt.in))
			if got := c.Packed(string(p)); got != tt.packed {
				t.Fatalf("packed = %v, want %v (%d -> %d bytes)", got, tt.packed, len(tt.in), len(p))
			}
			if tt.packed && len(p) >= len(tt.in) {
				t.Errorf("packed %d bytes into %d", len(tt.in), len(p))
			}
			if !tt.packed && string(p) != tt.in {
				t.Errorf("unpacked value changed: %q", p)
			}
			back, err := c.Unpack(string(p))
			if err != nil {
				t.Fatal(err)
			}
			if back != tt.in {
				t.Errorf("round trip: %q, want %q", back, tt.in)
			}
		})
	}
}

// The dictionary is what makes short values pay: the same record packs smaller
// with it than without.
func TestDictionaryHelps(t *testing.T) {
	in := []byte(`{"title":"Four hurt as the bridge falls","url":"https://www.example.com/a"}`)
	with := New(0xF1, testDict, 4096).Pack(in)
	without := New(0xF1, "", 4096).Pack(in)
	if len(with) >= len(without) {
		t.Errorf("with the dictionary %d bytes, without %d", len(with), len(without))
	}
}

func TestUnpackRejects(t *testing.T) {
	c := New(0xF1, testDict, 64)
	good := string(New(0xF1, testDict, 4096).Pack([]byte(strings.Repeat("the bridge ", 20))))
	var bomb bytes.Buffer
	bomb.WriteByte(0xF1)
	w, _ := flate.NewWriterDict(&bomb, flate.BestCompression, []byte(testDict))
	w.Write(bytes.Repeat([]byte{'x'}, 1<<20))
	w.Close()
	tests := []struct {
		name, in string
	}{
		{"truncated", good[:len(good)/2]},
		{"garbage", "\xF1\xff\xff\xff\xff"},
		{"marker only", "\xF1"},
		{"over the limit", good},
		{"a megabyte of x", bomb.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Unpack(tt.in); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Unpack = %v, want ErrCorrupt", err)
			}
		})
	}
	// The codec still works after a failure (its pooled reader was reset).
	if back, err := New(0xF1, testDict, 4096).Unpack(good); err != nil || !strings.HasPrefix(back, "the bridge") {
		t.Errorf("after a failure: %q, %v", back, err)
	}
}

// Pooled compressors and decompressors are shared safely (run with -race).
func TestConcurrent(t *testing.T) {
	c := New(0xF2, testDict, 4096)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				in := strings.Repeat("the river and the bridge ", 1+(g+i)%7)
				back, err := c.Unpack(string(c.Pack([]byte(in))))
				if err != nil || back != in {
					t.Errorf("round trip %d/%d: %q, %v", g, i, back, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func benchValue() []byte {
	return []byte(strings.Repeat(`{"title":"Bridge collapses in the city","url":"https://www.example.com/news/bridge","c":["The bridge collapsed in the morning and the city closed the road to the river."]}`, 6))
}

func BenchmarkPack(b *testing.B) {
	c := New(0xF1, testDict, 1<<16)
	v := benchValue()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		c.Pack(v)
	}
}

func BenchmarkUnpack(b *testing.B) {
	c := New(0xF1, testDict, 1<<16)
	p := string(c.Pack(benchValue()))
	b.SetBytes(int64(len(benchValue())))
	for b.Loop() {
		if _, err := c.Unpack(p); err != nil {
			b.Fatal(err)
		}
	}
}

package canon

import "testing"

// BenchmarkURL measures URL on the real-world link shapes of urlCases, one link per
// operation:
//
//	go test ./internal/canon -run '^$' -bench BenchmarkURL -benchmem
func BenchmarkURL(b *testing.B) {
	i := 0
	for b.Loop() {
		if _, err := URL(urlCases[i%len(urlCases)].in); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

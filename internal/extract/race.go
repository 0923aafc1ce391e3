//go:build race

package extract

// raceSlowdown scales MaxCPUTime in binaries built with the race detector,
// which run Parse five to ten times slower: the benchmark pages must still be
// read in `go test -race`.
const raceSlowdown = 10

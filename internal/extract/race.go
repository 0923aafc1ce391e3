//go:build race

package extract

// raceSlowdown scales MaxCPUTime in binaries built with the race detector,
// which run Parse ten to thirty times slower (more while the whole suite runs
// and the garbage collector's assists fall on Parse's thread): the benchmark's
// largest pages, 20 ms of CPU in a normal build, took over 500 ms under
// `go test -race ./...`, and must still be read there.
const raceSlowdown = 30

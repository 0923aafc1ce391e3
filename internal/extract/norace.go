//go:build !race

package extract

// raceSlowdown scales MaxCPUTime in binaries built with the race detector (see race.go).
const raceSlowdown = 1

package corpus

import (
	"os"
	"testing"
)

// EnvCI is set to "true" by CI (.ci/run sets it when the runner does not): there
// the data is always present, so a test that cannot find it fails instead of
// skipping, and an evaluation never passes by measuring nothing.
const EnvCI = "CI"

// Require returns the folder of the data set name for a test or benchmark. When the
// data is missing it skips with the reason, or, in CI, fails with it.
func Require(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := Dir(os.Getenv, name)
	if err != nil {
		if os.Getenv(EnvCI) == "true" {
			tb.Fatalf("%v; CI must have the shared data", err)
		}
		tb.Skipf("skipping: %v", err)
	}
	return dir
}

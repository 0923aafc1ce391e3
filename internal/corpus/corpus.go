// Package corpus finds and reads the public third-party data sets that Parallax's
// tests, evaluations and benchmarks use: real news pages with hand-checked article
// bodies, and news streams with gold story labels. The data lives outside the
// repository (it is third-party and partly copyrighted, so it is never committed);
// by default in ../shared/data next to the module root, or wherever
// PARALLAX_SHARED_DATA points.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvDir names the environment variable that overrides where the data sets live.
const EnvDir = "PARALLAX_SHARED_DATA"

// ErrMissing means the data folder is not on this machine. Tests skip on it.
var ErrMissing = errors.New("corpus: shared data not found")

// maxWalkUp bounds the search for the module root; a checkout is never nested deeper.
const maxWalkUp = 12

// Dir returns the path of one data set folder (for example "article-extraction"),
// checking that it exists. getenv is os.Getenv outside tests.
func Dir(getenv func(string) string, name string) (string, error) {
	root := getenv(EnvDir)
	if root == "" {
		mod, err := moduleRoot()
		if err != nil {
			return "", err
		}
		root = filepath.Join(mod, "..", "shared", "data")
	}
	dir := filepath.Join(root, name)
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return "", fmt.Errorf("%w: %s (set %s to the folder holding %q)", ErrMissing, dir, EnvDir, name)
	}
	return dir, nil
}

// moduleRoot walks up from the working directory to the folder holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("corpus: working directory: %w", err)
	}
	for range maxWalkUp {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("%w: no go.mod above the working directory (set %s)", ErrMissing, EnvDir)
}

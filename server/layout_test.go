package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the data flow one way (STYLE.md habit 2): nothing in
// internal/ imports the server or Echo, and only the store talks to Redis.
func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-json", "-deps=false", "../internal/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
		Deps       []string
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range p.Deps {
			if strings.HasPrefix(imp, "github.com/labstack/echo") {
				t.Errorf("%s depends on %s: only server/ may use Echo", p.ImportPath, imp)
			}
			if strings.HasSuffix(imp, "/parallax/server") {
				t.Errorf("%s depends on the server", p.ImportPath)
			}
		}
		for _, imp := range p.Imports {
			redis := strings.HasPrefix(imp, "github.com/redis/go-redis") || strings.HasPrefix(imp, "github.com/alicebob/miniredis")
			if redis && !strings.HasSuffix(p.ImportPath, "/internal/store") {
				t.Errorf("%s imports %s: only internal/store may talk to Redis", p.ImportPath, imp)
			}
		}
	}
	if n < 8 {
		t.Fatalf("only %d packages listed", n)
	}
}

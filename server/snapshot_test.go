package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSnapshotFailureVisible: when the embedded store cannot write its snapshot
// (here a file size limit makes the disk refuse, as a full disk would), /readyz
// answers 503 with a reason, parallax_snapshot_failures_total counts it, and on
// SIGTERM the server exits non-zero saying the previous snapshot is kept, which a
// restart then restores.
func TestSnapshotFailureVisible(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envRunMain+"=serve", "PARALLAX_ADDR=127.0.0.1:0", "PARALLAX_DATA_DIR="+dir,
		"PARALLAX_LOG_FORMAT=json", "PARALLAX_INGEST=off", "PARALLAX_SNAPSHOT_INTERVAL=1s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := bufio.NewScanner(stderr)
	var addr string
	for lines.Scan() {
		var rec map[string]any
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec["msg"] == "parallax listening" {
			addr, _ = rec["addr"].(string)
			break
		}
	}
	if addr == "" {
		t.Fatal("server never said where it listens")
	}
	var logMu sync.Mutex
	var logs strings.Builder
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		for lines.Scan() {
			logMu.Lock()
			logs.WriteString(lines.Text() + "\n")
			logMu.Unlock()
		}
	}()
	base := "http://" + addr
	resp, body := postJSON(t, base+"/api/v1/lookup", map[string]string{"url": bbcURL, "html": fixture(t, "bbc.html")})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("lookup: %d %v", resp.StatusCode, body)
	}
	kept, _ := path(body, "story", "id").(string)
	journal := filepath.Join(dir, "parallax.journal") // see internal/store/embedded.go
	var size int64
	waitUntil(t, "a checkpoint with the first story", func() bool {
		fi, err := os.Stat(journal)
		if err != nil || fi.Size() < 1000 {
			return false
		}
		size = fi.Size()
		return true
	})
	waitUntil(t, "the journal to settle", func() bool {
		time.Sleep(1500 * time.Millisecond)
		fi, err := os.Stat(journal)
		if err != nil || fi.Size() != size {
			size = fi.Size()
			return false
		}
		return true
	})
	// From now on the server's files may not grow.
	limit := uint64(size)
	if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: limit, Max: limit}, nil); err != nil {
		t.Skipf("cannot limit the server's file size here: %v", err)
	}
	resp, body = postJSON(t, base+"/api/v1/lookup", map[string]string{"url": "https://www.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse", "html": fixture(t, "guardian.html")})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("second lookup: %d %v", resp.StatusCode, body)
	}
	waitUntil(t, "/readyz to report the failing snapshot", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable && path(m, "error", "code") == "snapshot_failing"
	})
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "parallax_snapshot_failures_total ") || strings.Contains(string(metrics), "parallax_snapshot_failures_total 0\n") {
		t.Errorf("parallax_snapshot_failures_total does not count the failure")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Read the log to its end before Wait: Wait closes the pipe once the process
	// has exited, and the last lines (the ones this test is about) would be lost
	// if the reader had not got to them yet, as happens on a busy machine.
	<-logsDone
	err = cmd.Wait()
	var exit *exec.ExitError
	if err == nil || !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Errorf("exit after a failed final snapshot: %v, want a non-zero status", err)
	}
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if !strings.Contains(out, "final snapshot failed") || !strings.Contains(out, "previous snapshot") {
		t.Errorf("the log does not say the final snapshot failed and the previous one is kept:\n%s", out)
	}
	if !strings.Contains(out, "check that the data directory is writable") {
		t.Errorf("the log does not say what to do about the failing snapshots:\n%s", out)
	}
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_DATA_DIR": dir}))
	if resp, story := get(t, ts.URL+"/api/v1/stories/"+kept); resp.StatusCode != http.StatusOK {
		t.Fatalf("the story of the last good snapshot after restart: %d %v", resp.StatusCode, story)
	}
}

// waitUntil polls cond until it holds, failing after a generous deadline: the
// machine may be busy, and no test asserts on how long things take.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

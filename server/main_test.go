package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parallax-news/parallax/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// envRunMain makes the test binary act as the parallax binary, so process-level
// behaviour (signals, exit codes) is tested without building anything.
const envRunMain = "PARALLAX_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(envRunMain); ok {
		os.Exit(run(strings.Fields(args), os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	store.RouteDriverLogs(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// TestGracefulShutdown: SIGTERM stops accepting, lets the in-flight lookup finish,
// snapshots the embedded store and exits 0; the story is there after a restart.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	fetching := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetching <- struct{}{}
		time.Sleep(time.Second)
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, fixture(t, "guardian.html"))
	}))
	t.Cleanup(slow.Close)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envRunMain+"=serve", "PARALLAX_ADDR=127.0.0.1:0", "PARALLAX_DATA_DIR="+dir,
		"PARALLAX_FETCH_ALLOW_PRIVATE=true", "PARALLAX_LOG_FORMAT=json", "PARALLAX_INGEST=off")
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
	go io.Copy(io.Discard, stderr)

	type result struct {
		status int
		body   map[string]any
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/api/v1/lookup?url=" + slow.URL + "/guardian")
		if err != nil {
			done <- result{err: err}
			return
		}
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode, body: body}
	}()
	select { // the lookup is now waiting on the slow publisher
	case <-fetching:
	case <-time.After(30 * time.Second):
		t.Fatal("the lookup never reached the publisher")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil || res.status != http.StatusOK {
		t.Fatalf("in-flight lookup: %d %v %v", res.status, res.body, res.err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v (want status 0)", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
	id, _ := path(res.body, "story", "id").(string)
	_, ts := startServer(t, testConfig(t, map[string]string{"PARALLAX_DATA_DIR": dir}))
	resp, story := get(t, ts.URL+"/api/v1/stories/"+id)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("story %q after restart: %d %v", id, resp.StatusCode, story)
	}
}

func TestBadConfigExits2(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	code := run([]string{"serve"}, nil, io.Discard, &stderr, env(map[string]string{"PARALLAX_LOG_LEVEL": "loud"}))
	if code != 2 || !strings.Contains(stderr.String(), "PARALLAX_LOG_LEVEL") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestServeBusyPort: when the address is taken, serve exits 1 with the listen error
// and polls no feed: before, the ingester ran on behind a listener that never came.
func TestServeBusyPort(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	var polls atomic.Int32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(site.Close)
	vars := map[string]string{
		"PARALLAX_ADDR": busy.Addr().String(), "PARALLAX_DATA_DIR": t.TempDir(), "PARALLAX_INGEST": "on",
		"PARALLAX_OUTLETS_FILE": onlyOutletsFile(t, site.URL+"/feed"), "PARALLAX_FETCH_ALLOW_PRIVATE": "true",
	}
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"serve"}, nil, io.Discard, &stderr, env(vars)) }()
	select {
	case code := <-done:
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
	case <-time.After(time.Minute):
		t.Fatalf("serve still running on a busy port; stderr:\n%s", stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "listen tcp "+busy.Addr().String()) || !strings.Contains(msg, "address already in use") {
		t.Errorf("stderr does not give the listen error:\n%s", msg)
	}
	if n := polls.Load(); n != 0 {
		t.Errorf("the feed was polled %d times by a server that could not listen", n)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHelpAndUnknownCommand(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := run([]string{"help"}, nil, &out, io.Discard, env(nil)); code != 0 {
		t.Fatalf("help exit %d", code)
	}
	for _, want := range []string{"serve", "extract", "PARALLAX_REDIS_URL", "PARALLAX_RETENTION"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	var errOut bytes.Buffer
	if code := run([]string{"frobnicate"}, nil, io.Discard, &errOut, env(nil)); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut.String())
	}
}

// TestExtractCommand compares `parallax extract` on the fixture pages with golden
// files (go test ./server -run Extract -update rewrites them).
func TestExtractCommand(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, url, file string }{
		{"bbc", "https://www.bbc.co.uk/news/uk-england-99001122", "bbc.html"},
		{"guardian-amp", "https://amp.theguardian.com/uk-news/2026/nov/20/kestrelford-harbour-bridge-collapse", "guardian.html"},
		{"fox", "https://www.foxnews.com/world/bridge-collapse-england-injures-four-cars-plunging-river", "fox.html"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run([]string{"extract", "--url", c.url, filepath.Join(fixtureDir, c.file)}, nil, &out, &errOut, env(nil))
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			golden := filepath.Join("testdata", "extract-"+c.name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("output differs from %s:\n%s", golden, out.String())
			}
		})
	}
	// From standard input, and the error cases.
	var out bytes.Buffer
	if code := run([]string{"extract", "--url", bbcURL, "-"}, strings.NewReader(fixture(t, "bbc.html")), &out, io.Discard, env(nil)); code != 0 || !strings.Contains(out.String(), `"site_name": "BBC News"`) {
		t.Errorf("stdin: exit %d, %s", code, out.String())
	}
	errCases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no url", []string{"extract", "x.html"}, 2, "usage"},
		{"bad url", []string{"extract", "--url", "ftp://x/y", "x.html"}, 2, "scheme"},
		{"missing file", []string{"extract", "--url", bbcURL, "/nonexistent/page.html"}, 1, "no such file"},
		{"not an article", []string{"extract", "--url", "https://www.example.com/", filepath.Join(fixtureDir, "home.html")}, 1, "not an article"},
	}
	for _, c := range errCases {
		var errOut bytes.Buffer
		if code := run(c.args, strings.NewReader(""), io.Discard, &errOut, env(nil)); code != c.code || !strings.Contains(errOut.String(), c.msg) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, code, errOut.String(), c.code, c.msg)
		}
	}
}

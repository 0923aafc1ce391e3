# Parallax developer commands. `make test` is what CI runs (.ci/run).

# bash with pipefail, so a failing command in a pipe fails the target.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.PHONY: run test test-go fuzz eval test-extension extension build clean

# The fuzz targets `make fuzz` (and so `make test`) runs, as package:Target (or
# package:Target:budget). Each parses untrusted input; adding one is one more word.
FUZZ_TARGETS := \
	internal/canon:FuzzURL \
	internal/extract:FuzzParse:2000x \
	internal/extract:FuzzJSONLD \
	internal/extract:FuzzMetadata \
	internal/feeds:FuzzFeed \
	internal/feeds:FuzzPlainText \
	internal/outlets:FuzzApplyOverrides \
	internal/outlets:FuzzImportCSV \
	internal/store:FuzzSnapshot \
	internal/store:FuzzStoredRecords \
	internal/stories:FuzzSentences \
	server:FuzzClusterLine \
	server:FuzzLookupBody

# How much each fuzz target runs in `make test`: a number of executions, not a
# duration. Go 1.26's fuzz coordinator can report a spurious "context deadline
# exceeded" failure when a duration budget ends under CPU contention
# (go.dev/issue/75804, fixed in Go 1.27); a count has no deadline to race, and
# costs the same work on a busy machine as on an idle one. 10,000 runs take a
# few seconds on an idle machine for every target but FuzzParse, which runs a
# whole readability parse each time and gets 2,000 (package:Target:count in the
# list). Run one for longer to hunt: make fuzz FUZZ_TARGETS=internal/feeds:FuzzFeed FUZZTIME=5m
FUZZTIME ?= 10000x

# How many runs the fuzzer may spend shrinking one input, either a crash or one that
# reached new code. Go's minimiser tries removing every substring, O(n²) runs for
# an n-byte input, and its 60 s default spent a whole short run of FuzzParse (4 KB
# seed pages) shrinking one input: 134 runs in 4 s, against 4,000 with 100x. A
# crash is written to testdata/fuzz/ all the same, if less shrunk.
FUZZMINIMIZETIME ?= 100x

run:
	go run ./server

# Every stage runs even when one fails, so one run shows every failure; the failed
# stages are listed at the end.
TEST_STAGES := test-go fuzz eval test-extension

test:
	@failed=""; \
	for stage in $(TEST_STAGES); do \
		echo "== make $$stage"; \
		$(MAKE) --no-print-directory $$stage || failed="$$failed $$stage"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: every stage passed ($(TEST_STAGES))"

# Explicit package patterns: ./... would also walk extension/node_modules, where
# npm packages may ship Go files of their own.
GOPKGS = ./server/... ./internal/...

test-go:
	@failed=""; \
	unformatted="$$(gofmt -l server internal)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; failed="$$failed gofmt"; fi; \
	echo "go vet $(GOPKGS)"; go vet $(GOPKGS) || failed="$$failed vet"; \
	echo "go test -race -count=1 $(GOPKGS)"; go test -race -count=1 $(GOPKGS) || failed="$$failed tests"; \
	if [ -n "$$failed" ]; then echo "test-go: FAILED:$$failed"; exit 1; fi

# Every target runs even when one fails; the failures are listed at the end. A
# name that matches no fuzz test is a failure too: go test only warns about it.
fuzz:
	@failed=""; log="$$(mktemp)"; \
	for t in $(FUZZ_TARGETS); do \
		IFS=: read -r pkg name budget <<< "$$t"; budget="$${budget:-$(FUZZTIME)}"; \
		echo "fuzz: $$name in ./$$pkg, $$budget"; \
		if ! go test -run '^$$' -fuzz "^$$name\$$" -fuzztime "$$budget" \
				-fuzzminimizetime $(FUZZMINIMIZETIME) "./$$pkg" 2>&1 | tee "$$log" || \
				grep -q 'no fuzz tests to fuzz' "$$log"; then \
			failed="$$failed $$t"; \
		fi; \
	done; \
	rm -f "$$log"; \
	if [ -n "$$failed" ]; then echo "fuzz: FAILED:$$failed"; exit 1; fi

# Story matching on the four public story-clustering corpora (../shared/data), through
# `parallax cluster`: prints pairwise, B-cubed and NMI scores and fails below the
# floors in server/cluster_test.go. Without the race detector, which would make the
# 12,000-article replay take minutes. Without the data it skips and says why, except
# in CI (CI=true), where it fails. Then the story summaries on BASIL
# (internal/lookup TestSummaryEval): every bullet a sentence of a member article,
# and ROUGE-1/ROUGE-2 recall against the outlets' leads beside a lead-3 baseline.
# Then the gun-violence stream through two writers at once onto the Redis Cluster
# of PARALLAX_TEST_REDIS_CLUSTER_URL (server/replay_test.go; .ci/run starts one).
eval:
	go test -count=1 -run 'TestClusteringEval' -v ./server | grep -E 'docs=|false merges|target|skipping|shared data|^(ok|FAIL|---)'
	go test -count=1 -run 'TestTwoWritersOnCluster' -v ./server | grep -E 'writer|target|index:|master|skipping|shared data|^(ok|FAIL|---)|_test.go'
	go test -count=1 -run 'TestSummaryEval' -v ./internal/lookup | grep -E 'summary|ROUGE|skipping|shared data|^(ok|FAIL|---)'

# The extension's unit tests, web-ext lint, and the end-to-end test that loads it into
# headless Chromium (/usr/bin/chromium) against a real server built from ./server.
test-extension:
	cd extension && npm ci --no-audit --no-fund --loglevel=error
	cd extension && npm test
	cd extension && npm run lint
	cd extension && npm run test:e2e

# extension/dist/parallax-extension-<version>.zip for the Chrome Web Store and AMO.
extension:
	cd extension && npm ci --no-audit --no-fund --loglevel=error && npm run package

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$$(git describe --tags --always --dirty 2>/dev/null || echo dev)" -o parallax ./server

clean:
	rm -f parallax

# Parallax developer commands. `make test` is what CI runs (.ci/run).

# bash with pipefail, so a failing command in a pipe fails the target.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.PHONY: run test test-go fuzz eval test-extension extension build clean

# How long each fuzz target runs in `make test`: long enough to catch a regression
# in the seed corpus and a few mutations, short enough for every run.
FUZZTIME ?= 10s

run:
	go run ./server

test: test-go fuzz eval test-extension

# Explicit package patterns: ./... would also walk extension/node_modules, where
# npm packages may ship Go files of their own.
GOPKGS = ./server/... ./internal/...

test-go:
	@test -z "$$(gofmt -l server internal)" || { echo "gofmt needed:"; gofmt -l server internal; exit 1; }
	go vet $(GOPKGS)
	go test -race -count=1 $(GOPKGS)

fuzz:
	go test -run '^$$' -fuzz '^FuzzURL$$' -fuzztime $(FUZZTIME) ./internal/canon
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/extract

# Story matching on the four public story-clustering corpora (../shared/data), through
# `parallax cluster`: prints pairwise, B-cubed and NMI scores and fails below the
# floors in server/cluster_test.go. Without the race detector, which would make the
# 12,000-article replay take minutes.
eval:
	go test -count=1 -run 'TestClusteringEval' -v ./server | grep -E 'docs=|target|^(ok|FAIL|---)'

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

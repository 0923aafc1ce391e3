package main

import (
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Addr: "127.0.0.1:8080", DataDir: "./data", FetchTimeout: 15 * time.Second, Retention: 30 * 24 * time.Hour, LogLevel: slog.LevelInfo, LogFormat: "text"}
	if c.Addr != want.Addr || c.RedisURL != "" || c.DataDir != want.DataDir || c.FetchAllowPrivate || c.FetchTimeout != want.FetchTimeout ||
		c.Retention != want.Retention || c.LogLevel != want.LogLevel || c.LogFormat != want.LogFormat || len(c.APITokens) != 0 ||
		!c.Ingest || c.PollInterval != 10*time.Minute || c.IngestConcurrency != 8 || c.IngestHostGap != 2*time.Second || c.OutletsFile != "" {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(Config) bool
		wantErr string
	}{
		{"addr", map[string]string{"PARALLAX_ADDR": "127.0.0.1:9000"}, func(c Config) bool { return c.Addr == "127.0.0.1:9000" }, ""},
		{"redis", map[string]string{"PARALLAX_REDIS_URL": "rediss://:pw@cache:6380/1"}, func(c Config) bool { return c.RedisURL == "rediss://:pw@cache:6380/1" }, ""},
		{"retention in days", map[string]string{"PARALLAX_RETENTION": "7d"}, func(c Config) bool { return c.Retention == 7*24*time.Hour }, ""},
		{"retention as duration", map[string]string{"PARALLAX_RETENTION": "48h"}, func(c Config) bool { return c.Retention == 48*time.Hour }, ""},
		{"fetch timeout", map[string]string{"PARALLAX_FETCH_TIMEOUT": "5s"}, func(c Config) bool { return c.FetchTimeout == 5*time.Second }, ""},
		{"allow private", map[string]string{"PARALLAX_FETCH_ALLOW_PRIVATE": "true"}, func(c Config) bool { return c.FetchAllowPrivate }, ""},
		{"debug json", map[string]string{"PARALLAX_LOG_LEVEL": "debug", "PARALLAX_LOG_FORMAT": "JSON"}, func(c Config) bool { return c.LogLevel == slog.LevelDebug && c.LogFormat == "json" }, ""},
		{"tokens", map[string]string{"PARALLAX_API_TOKENS": " 0123456789abcdef0123, ,fedcba9876543210fedc "}, func(c Config) bool {
			return len(c.APITokens) == 2 && c.APITokens[0] == "0123456789abcdef0123"
		}, ""},
		{"ingest off", map[string]string{"PARALLAX_INGEST": "off"}, func(c Config) bool { return !c.Ingest }, ""},
		{"poll interval", map[string]string{"PARALLAX_POLL_INTERVAL": "30m"}, func(c Config) bool { return c.PollInterval == 30*time.Minute }, ""},
		{"concurrency", map[string]string{"PARALLAX_INGEST_CONCURRENCY": "16"}, func(c Config) bool { return c.IngestConcurrency == 16 }, ""},
		{"no host gap", map[string]string{"PARALLAX_INGEST_HOST_GAP": "0s"}, func(c Config) bool { return c.IngestHostGap == 0 }, ""},
		{"outlets file", map[string]string{"PARALLAX_OUTLETS_FILE": "/etc/parallax/outlets.json"}, func(c Config) bool { return c.OutletsFile == "/etc/parallax/outlets.json" }, ""},
		{"bad ingest", map[string]string{"PARALLAX_INGEST": "sometimes"}, nil, "PARALLAX_INGEST"},
		{"poll too often", map[string]string{"PARALLAX_POLL_INTERVAL": "10s"}, nil, "PARALLAX_POLL_INTERVAL"},
		{"concurrency zero", map[string]string{"PARALLAX_INGEST_CONCURRENCY": "0"}, nil, "PARALLAX_INGEST_CONCURRENCY"},
		{"concurrency huge", map[string]string{"PARALLAX_INGEST_CONCURRENCY": "1000"}, nil, "PARALLAX_INGEST_CONCURRENCY"},
		{"bad addr", map[string]string{"PARALLAX_ADDR": "8080"}, nil, "PARALLAX_ADDR"},
		{"bad port", map[string]string{"PARALLAX_ADDR": ":99999"}, nil, "PARALLAX_ADDR"},
		{"bad redis scheme", map[string]string{"PARALLAX_REDIS_URL": "http://cache:6379"}, nil, "PARALLAX_REDIS_URL"},
		{"bad bool", map[string]string{"PARALLAX_FETCH_ALLOW_PRIVATE": "yes please"}, nil, "PARALLAX_FETCH_ALLOW_PRIVATE"},
		{"timeout too short", map[string]string{"PARALLAX_FETCH_TIMEOUT": "10ms"}, nil, "PARALLAX_FETCH_TIMEOUT"},
		{"timeout garbage", map[string]string{"PARALLAX_FETCH_TIMEOUT": "soon"}, nil, "PARALLAX_FETCH_TIMEOUT"},
		{"retention too short", map[string]string{"PARALLAX_RETENTION": "5m"}, nil, "PARALLAX_RETENTION"},
		{"bad level", map[string]string{"PARALLAX_LOG_LEVEL": "loud"}, nil, "PARALLAX_LOG_LEVEL"},
		{"bad format", map[string]string{"PARALLAX_LOG_FORMAT": "xml"}, nil, "PARALLAX_LOG_FORMAT"},
		{"short token", map[string]string{"PARALLAX_API_TOKENS": "secret"}, nil, "PARALLAX_API_TOKENS"},
		// Set but holding no token: refused, or the API would run without
		// authentication while the operator believes it protected.
		{"tokens only commas", map[string]string{"PARALLAX_API_TOKENS": ",,,"}, nil, "PARALLAX_API_TOKENS: is set but holds no token"},
		{"tokens blank", map[string]string{"PARALLAX_API_TOKENS": " "}, nil, "PARALLAX_API_TOKENS: is set but holds no token"},
		{"tokens blank entries", map[string]string{"PARALLAX_API_TOKENS": " , \t, "}, nil, "PARALLAX_API_TOKENS: is set but holds no token"},
		{"empty entry between tokens", map[string]string{"PARALLAX_API_TOKENS": "0123456789abcdef0123,,fedcba9876543210fedc"}, func(c Config) bool {
			return len(c.APITokens) == 2 && c.APITokens[1] == "fedcba9876543210fedc"
		}, ""},
		{"trailing comma", map[string]string{"PARALLAX_API_TOKENS": "0123456789abcdef0123,"}, func(c Config) bool { return len(c.APITokens) == 1 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadConfig(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}

// TestLoadConfigReportsAll: every bad variable is named at once, so an operator fixes
// them in one go.
func TestLoadConfigReportsAll(t *testing.T) {
	_, err := loadConfig(env(map[string]string{"PARALLAX_ADDR": "x", "PARALLAX_LOG_LEVEL": "x", "PARALLAX_RETENTION": "x"}))
	for _, name := range []string{"PARALLAX_ADDR", "PARALLAX_LOG_LEVEL", "PARALLAX_RETENTION"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestREADMEDocumentsEveryVariable: the README's configuration table lists every
// variable loadConfig reads, with its default, so the docs cannot drift.
func TestREADMEDocumentsEveryVariable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, e := range envVars {
		def := "(unset)"
		if e.Default != "" {
			def = "`" + e.Default + "`"
		}
		if row := "| `" + e.Name + "` | " + def + " |"; !strings.Contains(readme, row) {
			t.Errorf("README.md has no row starting %q", row)
		}
	}
}

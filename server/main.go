// Command parallax is the Parallax server and its batch tools: one binary whose
// subcommands share the configuration, the store and the code paths of the server.
//
//	parallax [serve]                    run the HTTP server (the default)
//	parallax extract --url URL [FILE|-] extract the article from a saved page
//	parallax cluster [--redis URL]      replay JSON Lines articles through the matcher
//	parallax ingest [--once]            poll the outlets' feeds and index new articles
//	parallax outlets [--json]           print the outlet registry and its counts
//	parallax load [-rate N] [-find]     drive a server on this machine and measure it
//	parallax help                       list commands and configuration
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// command is one subcommand.
type command struct {
	name, usage, summary string
	run                  func(args []string, env *environment) int
}

// environment is what a command may touch of the process, injected so tests can run
// commands in-process.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"serve", "parallax serve", "run the HTTP server (the default when no command is given)", runServe},
		{"extract", "parallax extract --url URL [FILE|-]", "print the article extracted from a saved page as JSON", runExtract},
		{"cluster", "parallax cluster [--redis URL] < in.jsonl", "match a stream of articles into stories, as the server does", runCluster},
		{"ingest", "parallax ingest [--once]", "poll the outlets' feeds and index new articles", runIngest},
		{"outlets", "parallax outlets [--json] | import ...", "print the outlet registry, or convert a CSV into records", runOutlets},
		{"migrate", "parallax migrate [--redis URL]", "move an index of the layout before hash tags to the current one", runMigrate},
		{"load", "parallax load [-rate N -duration D | -find]", "drive a Parallax server on this machine with lookups and print rates, errors, latency", runLoad},
		{"help", "parallax help", "show this help", runHelp},
		{"version", "parallax version", "print the version", func(_ []string, env *environment) int {
			fmt.Fprintln(env.stdout, "parallax", version)
			return 0
		}},
	}
}

// run dispatches to a subcommand and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	env := &environment{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "-h" || name == "--help" {
		name = "help"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(args, env)
		}
	}
	fmt.Fprintf(stderr, "parallax: unknown command %q\n\n", name)
	runHelp(nil, &environment{stdout: stderr})
	return 2
}

func runHelp(_ []string, env *environment) int {
	w := env.stdout
	fmt.Fprintln(w, "Parallax shows how the rest of the press covers the story of a news article.")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-40s %s\n", c.usage, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration (environment variables):")
	for _, e := range envVars {
		def := e.Default
		if def == "" {
			def = "(unset)"
		}
		fmt.Fprintf(w, "  %-30s %-10s %s\n", e.Name, def, e.Doc)
	}
	return 0
}

// parseFlags parses a command's flags. It reports ok false with the exit code to
// return when the command should stop: 0 after -h, 2 on bad flags or when more than
// maxArgs arguments remain (maxArgs < 0: any number).
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if maxArgs >= 0 && fs.NArg() > maxArgs {
		fs.Usage()
		return 2, false
	}
	return 0, true
}

// openInput opens what a command reads: the file name, or standard input when name
// is "" or "-".
func openInput(env *environment, name string) (io.ReadCloser, error) {
	if name == "" || name == "-" {
		return io.NopCloser(env.stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// writeJSON prints v to standard output as indented JSON, leaving <, > and & as they
// are, and returns the exit code.
func writeJSON(env *environment, v any) int {
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(env.stderr, "parallax:", err)
		return 1
	}
	return 0
}

// plural writes n with the singular or the plural noun: "1 article", "2 articles".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

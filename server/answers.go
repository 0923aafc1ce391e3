package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/parallax-news/parallax/internal/lookup"
)

// answerCache keeps the encoded answers of indexed lookups, one per URL as a reader
// asked it, for the story version it was built from. With the store's lookup cache
// answering from memory, shaping the story (coverage, timeline) and encoding it was
// three quarters of an indexed lookup's CPU (profiled on the 121 pages of the
// article-extraction set); an answer is a function of the URL asked, the article,
// the story at one version and the outlet registry (fixed while the process runs),
// so it is built once per story version and sent as bytes after.
//
// Only answers from the index are kept: a reader's unverified post, which only
// they may see, never is.
type answerCache struct {
	mu      sync.Mutex
	entries map[string]answer
	size    int // bytes held
}

type answer struct {
	version string // "<story id>\n<version>"
	body    []byte
}

const (
	// maxAnswers and maxAnswerBytes bound the cache: about 30 KB an answer on the
	// pages benchmarked, a story of 200 articles about 150 KB.
	maxAnswers     = 10_000
	maxAnswerBytes = 64 << 20
)

func newAnswerCache() *answerCache { return &answerCache{entries: map[string]answer{}} }

// answerKey names an answer by the URL asked and the article it found; its story
// version is checked on the way out.
func answerKey(asked string, res *lookup.Result) (key, version string) {
	return asked + "\n" + res.Article.URL, fmt.Sprintf("%s\n%d", res.Story.ID, res.Story.Version)
}

// cacheable says whether a lookup's answer may be kept.
func cacheable(res *lookup.Result) bool {
	return res.Outcome == lookup.OutcomeIndexed && !res.Unverified && res.Story.ID != ""
}

// get returns the encoded answer to the URL asked for res, when one was built from
// the same story version.
func (c *answerCache) get(asked string, res *lookup.Result) ([]byte, bool) {
	key, version := answerKey(asked, res)
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.entries[key]
	if !ok || a.version != version {
		return nil, false
	}
	return a.body, true
}

// put keeps an encoded answer, making room by dropping others when the cache is
// full (in the map's own order: any answer is as likely to be asked again).
func (c *answerCache) put(asked string, res *lookup.Result, body []byte) {
	if len(body) > maxAnswerBytes/16 {
		return // a story too large to be worth a sixteenth of the cache
	}
	key, version := answerKey(asked, res)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.size -= len(old.body)
		delete(c.entries, key)
	}
	for k, old := range c.entries {
		if len(c.entries) < maxAnswers && c.size+len(body) <= maxAnswerBytes {
			break
		}
		c.size -= len(old.body)
		delete(c.entries, k)
	}
	c.entries[key] = answer{version: version, body: body}
	c.size += len(body)
}

// clear drops every answer.
func (c *answerCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries, c.size = map[string]answer{}, 0
}

// encodeAnswer encodes v as Echo's c.JSON does (json.Encoder: HTML escaped, a
// final newline), so that a cached answer is byte for byte the one it replaces.
func encodeAnswer(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("encode answer: %w", err)
	}
	return buf.Bytes(), nil
}

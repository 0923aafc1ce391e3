package outlets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// Operators extend the built-in registry with a file of their own (the server's
// PARALLAX_OUTLETS_FILE): a JSON array of the same records. A record whose id exists
// replaces the fields it gives and keeps the others; a new id adds an outlet; a record
// {"id": "x", "remove": true} removes one. Every problem is reported with the record's
// index and id, and the file is refused as a whole: a half-applied override would
// show readers numbers nobody chose.

const (
	// maxOverrideBytes bounds the override file: the built-in registry of 1,300
	// outlets is 600 KB, so 32 MB allows a registry fifty times larger.
	maxOverrideBytes = 32 << 20
	// maxOverrideErrors is how many problems are listed before giving up.
	maxOverrideErrors = 20
)

// knownFields are the record fields an override may give, from the Outlet type.
var knownFields = map[string]bool{
	"id": true, "name": true, "domains": true, "homepage": true, "country": true, "languages": true,
	"bias": true, "factuality": true, "owner": true, "ownership": true, "paywall": true,
	"feeds": true, "ratings": true, "remove": true,
}

// Load returns the built-in registry with the overrides of the file at path applied
// (path "" means none), and notes about overrides that changed nothing (removing an
// id the registry no longer has), which the caller should log.
func Load(path string) (*Registry, []string, error) {
	base, err := decode(builtinJSON)
	if err != nil {
		return nil, nil, fmt.Errorf("outlets: decode built-in registry: %w", err)
	}
	if path == "" {
		r, err := New(base)
		return r, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("outlets: overrides: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOverrideBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("outlets: overrides %s: %w", path, err)
	}
	if len(data) > maxOverrideBytes {
		return nil, nil, fmt.Errorf("%w: overrides %s: larger than %d MB", ErrInvalid, path, maxOverrideBytes>>20)
	}
	list, notes, err := ApplyOverrides(base, data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	r, err := New(list)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: after applying the overrides: %w", path, err)
	}
	return r, notes, nil
}

// ApplyOverrides applies the override records in data to base and returns the new
// list, validated record by record.
func ApplyOverrides(base []Outlet, data []byte) ([]Outlet, []string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("%w: overrides must be a JSON array of outlet records: %w", ErrInvalid, err)
	}
	out := make([]Outlet, len(base))
	for i, o := range base {
		out[i] = o.clone()
	}
	index := func(id string) int {
		return slices.IndexFunc(out, func(o Outlet) bool { return o.ID == id })
	}
	var errs []error
	var notes []string
	fail := func(i int, id, format string, args ...any) {
		if len(errs) < maxOverrideErrors {
			label := fmt.Sprintf("record %d", i)
			if id != "" {
				label += fmt.Sprintf(" (id %q)", id)
			}
			errs = append(errs, fmt.Errorf("%s: %s", label, fmt.Sprintf(format, args...)))
		}
	}
	for i, rec := range raw {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(rec, &fields); err != nil {
			fail(i, "", "not a JSON object")
			continue
		}
		var id string
		if err := json.Unmarshal(fields["id"], &id); err != nil || id == "" {
			fail(i, "", `field "id": a non-empty string is required`)
			continue
		}
		bad := false
		// In key order, so that the same file always gives the same message.
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			if !knownFields[k] {
				fail(i, id, "unknown field %q", k)
				bad = true
			}
		}
		if bad {
			continue
		}
		at := index(id)
		if rm, ok := fields["remove"]; ok {
			var remove bool
			if err := json.Unmarshal(rm, &remove); err != nil {
				fail(i, id, `field "remove": must be true or false`)
				continue
			}
			if remove {
				if len(fields) > 2 {
					fail(i, id, `a "remove" record takes no other fields`)
				} else if at < 0 {
					notes = append(notes, fmt.Sprintf("record %d: no outlet %q to remove", i, id))
				} else {
					out = slices.Delete(out, at, at+1)
				}
				continue
			}
			delete(fields, "remove")
		}
		// Overlay the given fields on the existing record (or on nothing).
		merged := map[string]json.RawMessage{}
		if at >= 0 {
			b, _ := json.Marshal(out[at])
			json.Unmarshal(b, &merged)
		}
		for k, v := range fields {
			merged[k] = v
		}
		b, _ := json.Marshal(merged)
		var o Outlet
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			fail(i, id, "%s", fieldError(err))
			continue
		}
		if err := o.validate(); err != nil {
			fail(i, id, "%v", err)
			continue
		}
		if at >= 0 {
			out[at] = o
		} else {
			out = append(out, o)
		}
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return out, notes, nil
}

// fieldError turns a JSON type error into "field "x": ..." wording.
func fieldError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: %s is not the right type (want %s)", te.Field, te.Value, te.Type)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

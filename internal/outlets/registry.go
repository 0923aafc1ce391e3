package outlets

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

//go:embed outlets.json
var builtinJSON []byte

// ErrInvalid marks a registry that fails validation.
var ErrInvalid = errors.New("outlets: invalid registry")

const (
	// maxHostLen is the longest DNS name in presentation form (RFC 1035 §2.3.4 allows
	// 255 octets on the wire, which is 253 characters without the trailing dot).
	maxHostLen = 253

	// maxRawHostLen bounds the input Lookup is willing to normalise: a maximal name
	// plus brackets, a ":65535" port, a trailing dot and some surrounding space. Longer
	// input cannot name a real host, and lower-casing it would cost memory an
	// attacker chooses.
	maxRawHostLen = maxHostLen + 16

	// maxDomainLabels bounds how many labels a registered domain may have and where
	// Lookup's suffix walk starts. Real outlet domains have two to four labels
	// ("timesofindia.indiatimes.com"); a deeper host can only match through one of its
	// last maxDomainLabels labels, so the walk starts there and never costs more than
	// this many map probes.
	maxDomainLabels = 16

	// maxLabelLen is the longest DNS label (RFC 1035 §2.3.4).
	maxLabelLen = 63
)

// Registry is an immutable set of outlets indexed by id and by domain. It is safe for
// concurrent use: it keeps its own copy of every outlet and hands out copies, so no
// caller can change what another caller sees.
type Registry struct {
	outlets  []Outlet       // sorted by id
	byID     map[string]int // id → index into outlets
	byDomain map[string]int // registered domain → index into outlets
}

// Builtin returns the registry embedded in the binary. Decoding is strict: an unknown
// field (a typo such as "factualty") is an error rather than a silently lost value.
func Builtin() (*Registry, error) {
	list, err := decode(builtinJSON)
	if err != nil {
		return nil, fmt.Errorf("outlets: decode built-in registry: %w", err)
	}
	return New(list)
}

// decode reads one JSON array of outlets and nothing after it.
func decode(data []byte) ([]Outlet, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var list []Outlet
	if err := dec.Decode(&list); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the outlet array")
	}
	return list, nil
}

// New validates list and indexes it. Every id and every domain must be unique. The
// registry keeps a deep copy, so list may be reused afterwards.
func New(list []Outlet) (*Registry, error) {
	r := &Registry{
		outlets:  make([]Outlet, 0, len(list)),
		byID:     make(map[string]int, len(list)),
		byDomain: make(map[string]int, 2*len(list)),
	}
	for _, o := range list {
		r.outlets = append(r.outlets, o.clone())
	}
	slices.SortFunc(r.outlets, func(a, b Outlet) int { return strings.Compare(a.ID, b.ID) })
	for i, o := range r.outlets {
		if err := o.validate(); err != nil {
			return nil, fmt.Errorf("%w: outlet %q: %w", ErrInvalid, o.ID, err)
		}
		if _, dup := r.byID[o.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate id %q", ErrInvalid, o.ID)
		}
		r.byID[o.ID] = i
		for _, d := range o.Domains {
			if j, dup := r.byDomain[d]; dup {
				if j == i {
					return nil, fmt.Errorf("%w: outlet %q lists domain %q twice", ErrInvalid, o.ID, d)
				}
				return nil, fmt.Errorf("%w: domain %q claimed by %q and %q", ErrInvalid, d, r.outlets[j].ID, o.ID)
			}
			r.byDomain[d] = i
		}
	}
	return r, nil
}

// Len returns the number of outlets.
func (r *Registry) Len() int { return len(r.outlets) }

// All returns a copy of every outlet, sorted by id.
func (r *Registry) All() []Outlet {
	all := make([]Outlet, len(r.outlets))
	for i, o := range r.outlets {
		all[i] = o.clone()
	}
	return all
}

// ByID returns the outlet with the given id.
func (r *Registry) ByID(id string) (Outlet, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Outlet{}, false
	}
	return r.outlets[i].clone(), true
}

// Lookup returns the outlet that publishes on host, matching the longest registered
// domain that host equals or is a subdomain of: "edition.cnn.com" finds the outlet
// registered for "cnn.com", while a registered "news.yahoo.com" wins over "yahoo.com".
// The host may carry a port, a trailing dot and any letter case. IP addresses and
// empty or over-long hosts match nothing.
func (r *Registry) Lookup(host string) (Outlet, bool) {
	i, ok := r.find(host)
	if !ok {
		return Outlet{}, false
	}
	return r.outlets[i].clone(), true
}

// LookupID returns the id of the outlet Lookup finds for host, without copying the
// outlet: matching every article to its outlet needs only the id.
func (r *Registry) LookupID(host string) (string, bool) {
	i, ok := r.find(host)
	if !ok {
		return "", false
	}
	return r.outlets[i].ID, true
}

// Bias returns the bias of the outlet with the given id, without copying the
// outlet; "" (unrated) when no outlet has the id. A story's balance needs it for
// every article.
func (r *Registry) Bias(id string) Bias {
	i, ok := r.byID[id]
	if !ok {
		return ""
	}
	return r.outlets[i].Bias
}

// find returns the index of the outlet publishing on host (see Lookup).
func (r *Registry) find(host string) (int, bool) {
	host, ok := normalizeHost(host)
	if !ok {
		return 0, false
	}
	// No registered domain has more than maxDomainLabels labels (validate enforces
	// it), so the labels further left can never be part of a match.
	for n := strings.Count(host, ".") + 1; n > maxDomainLabels; n-- {
		host = host[strings.IndexByte(host, '.')+1:]
	}
	for {
		if i, ok := r.byDomain[host]; ok {
			return i, true
		}
		dot := strings.IndexByte(host, '.')
		if dot < 0 {
			return 0, false
		}
		host = host[dot+1:]
	}
}

// normalizeHost lower-cases host and strips a port, IPv6 brackets and the trailing
// dot of a fully qualified name. It reports false for input that cannot name an
// outlet: empty, longer than a DNS name, or an IP address.
func normalizeHost(host string) (string, bool) {
	host = strings.TrimSpace(host)
	if host == "" || len(host) > maxRawHostLen {
		return "", false
	}
	host = strings.ToLower(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || len(host) > maxHostLen {
		return "", false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return "", false
	}
	return host, true
}

// clone returns o with its own copies of every slice, so that the registry and its
// callers never share backing arrays. Rating holds no references, so a shallow copy
// of Ratings is deep.
func (o Outlet) clone() Outlet {
	o.Domains = slices.Clone(o.Domains)
	o.Languages = slices.Clone(o.Languages)
	o.Feeds = slices.Clone(o.Feeds)
	o.Ratings = slices.Clone(o.Ratings)
	return o
}

func (o Outlet) validate() error {
	if !isSlug(o.ID) {
		return errors.New(`field "id": must be a non-empty lower-case slug (a-z, 0-9 and inner single hyphens)`)
	}
	if strings.TrimSpace(o.Name) == "" {
		return errors.New(`field "name": must not be empty`)
	}
	if len(o.Domains) == 0 {
		return errors.New(`field "domains": at least one domain is required`)
	}
	for _, d := range o.Domains {
		if err := checkDomain(d); err != nil {
			return fmt.Errorf(`field "domains": %w`, err)
		}
	}
	if o.Homepage != "" {
		if err := checkWebURL(o.Homepage); err != nil {
			return fmt.Errorf(`field "homepage": %w`, err)
		}
	}
	if o.Country != "" && !isLetters(o.Country, 2, 2, 'A', 'Z') {
		return fmt.Errorf(`field "country": %q is not an ISO 3166-1 alpha-2 code (upper case, like "GB")`, o.Country)
	}
	for _, l := range o.Languages {
		if !isLetters(l, 2, 3, 'a', 'z') {
			return fmt.Errorf(`field "languages": %q is not a lower-case ISO 639 code`, l)
		}
	}
	if o.Bias != "" && !o.Bias.Valid() {
		return fmt.Errorf(`field "bias": %q is not one of %s`, o.Bias, scaleList(biasOrder[:]))
	}
	if o.Factuality != "" && !o.Factuality.Valid() {
		return fmt.Errorf(`field "factuality": %q is not one of very-high, high, mostly-factual, mixed, low, very-low`, o.Factuality)
	}
	if o.Ownership != "" && !o.Ownership.Valid() {
		return fmt.Errorf(`field "ownership": %q is not one of independent, corporation, conglomerate, billionaire, private-equity, government, public-broadcaster, nonprofit, cooperative, other`, o.Ownership)
	}
	if o.Paywall != "" && !o.Paywall.Valid() {
		return fmt.Errorf(`field "paywall": %q is not one of none, metered, hard`, o.Paywall)
	}
	for _, f := range o.Feeds {
		if err := checkWebURL(f); err != nil {
			return fmt.Errorf(`field "feeds": %w`, err)
		}
	}
	raters := make(map[string]bool, len(o.Ratings))
	for _, rt := range o.Ratings {
		if rt.Rater == "" {
			return errors.New(`field "ratings": a rating without "rater"`)
		}
		if raters[rt.Rater] {
			return fmt.Errorf(`field "ratings": rater %s rates the outlet twice`, rt.Rater)
		}
		raters[rt.Rater] = true
		if rt.Bias != "" && !rt.Bias.Valid() {
			return fmt.Errorf(`field "ratings": rating by %s: bias %q is not one of %s`, rt.Rater, rt.Bias, scaleList(biasOrder[:]))
		}
		if rt.Factuality != "" && !rt.Factuality.Valid() {
			return fmt.Errorf(`field "ratings": rating by %s: factuality %q is not on the scale`, rt.Rater, rt.Factuality)
		}
	}
	return nil
}

// scaleList writes the points of the bias scale for error messages.
func scaleList(bs []Bias) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

// checkDomain accepts a registrable host name as Lookup will see it: lower-case
// LDH labels (RFC 1123 §2.1; internationalised names in their xn-- A-label form), no
// "www.", no port, not an IP address and not a public suffix. A public suffix such
// as "co.uk" would hand every site under it to one outlet.
func checkDomain(d string) error {
	bad := func(why string) error { return fmt.Errorf("domain %q %s", d, why) }
	if strings.HasPrefix(d, "www.") {
		return bad(`must not start with "www."`)
	}
	if len(d) > maxHostLen {
		return bad("is longer than a DNS name")
	}
	if _, err := netip.ParseAddr(d); err == nil {
		return bad("is an IP address")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 || len(labels) > maxDomainLabels {
		return bad(fmt.Sprintf("must have 2 to %d labels", maxDomainLabels))
	}
	for _, l := range labels {
		if !isLDHLabel(l) {
			return bad("must be lower-case letters, digits and hyphens in dot-separated labels")
		}
	}
	if suffix, _ := publicsuffix.PublicSuffix(d); suffix == d {
		return bad("is a public suffix")
	}
	return nil
}

// checkWebURL accepts an absolute http or https URL with a host.
func checkWebURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("parse %q: %w", s, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// isSlug accepts ids such as "new-york-times": one LDH label without the double
// hyphen that only punycode needs.
func isSlug(s string) bool { return isLDHLabel(s) && !strings.Contains(s, "--") }

func isLDHLabel(l string) bool {
	if l == "" || len(l) > maxLabelLen || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range []byte(l) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// isLetters reports whether s is min to max ASCII letters in the range lo..hi.
func isLetters(s string, minLen, maxLen int, lo, hi byte) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, c := range []byte(s) {
		if c < lo || c > hi {
			return false
		}
	}
	return true
}

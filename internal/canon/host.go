package canon

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// DNS limits from RFC 1035 §2.3.4: 63 octets a label, 255 octets a name on the wire,
// which is 253 characters written out without the trailing dot.
const (
	maxHostLength  = 253
	maxLabelLength = 63
)

var errHostName = errors.New("invalid host name")

// Domain returns the registrable domain (eTLD+1, publicsuffix-aware, via
// golang.org/x/net/publicsuffix) of a host (may carry a port, any case); the host itself
// (lower-cased) when it has none (IP literal, "localhost").
//
// The Public Suffix List includes its private section, so each blog on blogspot.com and
// each site on github.io is a registrable domain of its own, as browsers treat them for
// cookies. International names are returned in punycode, like the hosts of canonical
// URLs, so Domain(host) compares equal for both spellings.
func Domain(host string) string {
	h := strings.ToLower(strings.TrimSpace(host))
	if len(h) > MaxLength {
		return h
	}
	h = stripPort(h)
	if addr, err := netip.ParseAddr(h); err == nil {
		return addr.String()
	}
	if a, err := asciiHost(h); err == nil {
		h = a
	} else {
		h = strings.TrimSuffix(h, ".")
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		// h is itself a public suffix ("co.uk", "localhost") or not a domain name.
		return h
	}
	return d
}

// stripPort removes a ":port" from host and the brackets from an IPv6 literal. A bare
// IPv6 address (several colons, no brackets) is returned as it is.
func stripPort(host string) string {
	if rest, ok := strings.CutPrefix(host, "["); ok {
		if inner, _, ok := strings.Cut(rest, "]"); ok {
			return inner
		}
		return host
	}
	if strings.Count(host, ":") == 1 {
		name, _, _ := strings.Cut(host, ":")
		return name
	}
	return host
}

// setHost fills p.host, p.ipv6 and p.port from u, and upgrades http to https when the
// port is the default one.
func (p *parts) setHost(u *url.URL) error {
	name := u.Hostname()
	if name == "" {
		return fmt.Errorf("canon: %w: missing host name", ErrMalformed)
	}
	if strings.HasPrefix(u.Host, "[") {
		addr, err := netip.ParseAddr(name)
		if err != nil || addr.Zone() != "" || !addr.Is6() {
			return fmt.Errorf("canon: %w: invalid IPv6 address", ErrMalformed)
		}
		p.host, p.ipv6 = addr.String(), true
	} else {
		h, err := asciiHost(name)
		if err != nil {
			return fmt.Errorf("canon: %w: %w", ErrMalformed, err)
		}
		if addr, err := netip.ParseAddr(h); err == nil {
			p.host = addr.String()
		} else {
			p.host = foldHost(h)
		}
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("canon: %w: invalid port %q", ErrMalformed, truncate(port, 8))
		}
		if !(p.scheme == "http" && n == 80) && !(p.scheme == "https" && n == 443) {
			p.port = strconv.Itoa(n)
		}
	}
	// An explicit non-default port names a different service, where https may not be
	// served at all; only links to the default port are upgraded.
	if p.scheme == "http" && p.port == "" {
		p.scheme = "https"
	}
	return nil
}

// asciiHost returns name lower-cased, without a trailing dot, and with international
// labels in punycode (UTS #46 non-transitional processing, as browsers do, via
// idna.Lookup), after checking that it is a plausible DNS name.
func asciiHost(name string) (string, error) {
	name = strings.TrimSuffix(name, ".")
	if !isASCII(name) {
		a, err := idna.Lookup.ToASCII(name)
		if err != nil {
			return "", fmt.Errorf("invalid international host name: %w", err)
		}
		name = strings.TrimSuffix(a, ".")
	}
	name = strings.ToLower(name)
	if name == "" || len(name) > maxHostLength {
		return "", errHostName
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > maxLabelLength {
			return "", errHostName
		}
		for i := 0; i < len(label); i++ {
			// Underscores are not valid in host names (RFC 952) but real sites use
			// them in subdomains and browsers accept them.
			if c := label[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", errHostName
			}
		}
	}
	return name, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldHost folds the AMP and mobile variants of a host: "amp.", "m." and "mobile." are
// dropped, and when what is left is a bare registrable domain it gets "www." instead
// ("m.bbc.co.uk" → "www.bbc.co.uk", "amp.news.example.com" → "news.example.com").
// A label is never dropped when that would leave a public suffix ("m.co.uk", "amp.dev",
// "m.github.io" stay as they are).
func foldHost(h string) string {
	for {
		label, rest, ok := strings.Cut(h, ".")
		if !ok || (label != "amp" && label != "m" && label != "mobile") {
			return h
		}
		if suffix, _ := publicsuffix.PublicSuffix(rest); suffix == rest {
			return h
		}
		if d, err := publicsuffix.EffectiveTLDPlusOne(rest); err == nil && d == rest {
			return "www." + rest
		}
		h = rest // each turn drops a label, so the loop ends
	}
}

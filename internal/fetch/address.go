package fetch

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// Ports a public site is fetched on. News sites and their feeds are served on
// the default HTTP and HTTPS ports; allowing any port would let a reader use
// Parallax to probe third parties' other services (SSH, SMTP, Redis, admin
// consoles) and tell open from closed ports by our error codes. Addresses the
// operator trusts (AllowPrivate, Allow) may use any port, since internal
// mirrors and test servers rarely sit on 80/443.
const (
	portHTTP  = 80
	portHTTPS = 443
)

// blockedV4 lists the IPv4 ranges that are not the public internet (IANA IPv4
// Special-Purpose Address Registry, RFC 6890). Read-only.
var blockedV4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network", incl. 0.0.0.0 (RFC 1122 §3.2.1.3)
	netip.MustParsePrefix("10.0.0.0/8"),      // private (RFC 1918)
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space, carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback (RFC 1122 §3.2.1.3)
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local (RFC 3927), incl. cloud metadata 169.254.169.254
	netip.MustParsePrefix("172.16.0.0/12"),   // private (RFC 1918)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments, DS-Lite, NAT64 discovery (RFC 6890)
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation TEST-NET-1 (RFC 5737)
	netip.MustParsePrefix("192.88.99.0/24"),  // deprecated 6to4 relay anycast (RFC 7526)
	netip.MustParsePrefix("192.168.0.0/16"),  // private (RFC 1918)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking (RFC 2544)
	netip.MustParsePrefix("198.51.100.0/24"), // documentation TEST-NET-2 (RFC 5737)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation TEST-NET-3 (RFC 5737)
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast (RFC 5771)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved (RFC 1112 §4), incl. broadcast 255.255.255.255 (RFC 919)
}

// IPv6 is checked the other way round: only global unicast 2000::/3 (RFC 4291
// §2.4, IANA IPv6 Address Space) is routed on the public internet, which
// excludes at once ::, ::1, IPv4-compatible ::/96, discard 100::/64,
// unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10,
// multicast ff00::/8 and local-use NAT64 64:ff9b:1::/48 (RFC 8215). Two
// prefixes embed an IPv4 address and are judged by it.
var (
	globalUnicastV6 = netip.MustParsePrefix("2000::/3")
	// nat64V6 is the well-known NAT64 prefix (RFC 6052 §2.1): the last 32 bits
	// are the IPv4 destination. On a NAT64 network public sites are reached
	// this way, so it is allowed when the embedded address is.
	nat64V6 = netip.MustParsePrefix("64:ff9b::/96")
	// sixToFourV6 is 6to4 (RFC 3056 §2): bits 16-47 are the IPv4 address.
	sixToFourV6 = netip.MustParsePrefix("2002::/16")
	// blockedV6 are the non-public ranges inside 2000::/3. Read-only.
	blockedV6 = []netip.Prefix{
		netip.MustParsePrefix("2001::/23"),     // IETF protocol assignments: Teredo, benchmarking, ORCHID (RFC 2928, RFC 6890)
		netip.MustParsePrefix("2001:db8::/32"), // documentation (RFC 3849)
		netip.MustParsePrefix("3fff::/20"),     // documentation (RFC 9637)
	}
)

// blockedAddr reports whether a is outside the public internet. IPv4-mapped
// IPv6 addresses (::ffff:10.0.0.1) are judged as the IPv4 address they carry:
// the kernel connects to exactly that IPv4 address.
func blockedAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() {
		return true
	}
	if a.Is4() {
		return inAny(blockedV4, a)
	}
	b := a.As16()
	switch {
	case nat64V6.Contains(a):
		return blockedAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case !globalUnicastV6.Contains(a):
		return true
	case sixToFourV6.Contains(a):
		return blockedAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return inAny(blockedV6, a)
}

func inAny(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// guard decides which addresses and ports the client may connect to.
type guard struct {
	allowPrivate bool
	allow        []netip.Prefix
}

// trusted reports whether the operator allowed a explicitly.
func (g *guard) trusted(a netip.Addr) bool {
	if g.allowPrivate {
		return true
	}
	a = a.WithZone("")
	for _, p := range g.allow {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// check returns a *fetchError (ErrBlockedAddress) naming host unless the
// client may connect to ap. The error names no address: a resolved IP is
// internal information; host is what the URL said (empty at dial time, where
// classify adds it).
func (g *guard) check(ap netip.AddrPort, host string) error {
	a := ap.Addr()
	if g.trusted(a) {
		return nil
	}
	// The address goes into the cause only, which logs show and users don't.
	if blockedAddr(a) {
		return &fetchError{kind: ErrBlockedAddress, host: host, msg: "address not allowed (private, local or reserved network)",
			cause: fmt.Errorf("fetch: refused to connect to %s", ap)}
	}
	if p := int(ap.Port()); p != portHTTP && p != portHTTPS {
		return &fetchError{kind: ErrBlockedAddress, host: host, msg: portMessage(p),
			cause: fmt.Errorf("fetch: refused to connect to %s", ap)}
	}
	return nil
}

func portMessage(port int) string {
	return "port " + strconv.Itoa(port) + " not allowed (only 80 and 443)"
}

// portsRestricted reports whether a non-default port is refused whatever the
// host resolves to, so that a URL can be refused before any DNS lookup.
func (g *guard) portsRestricted() bool { return !g.allowPrivate && len(g.allow) == 0 }

// control is the net.Dialer.Control hook. It runs after DNS resolution and
// before connect(2), for every connection the client opens: the first
// request, every redirect hop, every retry. Checking here rather than the
// URL's host is what defeats DNS rebinding (a name answering a public address
// to a pre-check and a private one to the dial) and names pointing inside the
// network. It fails closed on anything it cannot parse.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return &fetchError{kind: ErrBlockedAddress, msg: "network not allowed"}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &fetchError{kind: ErrBlockedAddress, msg: "address not allowed", cause: err}
	}
	return g.check(ap, "")
}

// numericHost reports whether host's last label is all digits or a 0x hex
// number. No top-level domain is numeric (RFC 3696 §2), so such a host that
// did not parse as an IP address is a legacy form like 2130706433, 0x7f.1 or
// 127.1, which some resolvers (inet_aton) turn into an address. Refusing them
// early gives a clear error; the dial check would refuse a blocked result anyway.
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	label := host[strings.LastIndexByte(host, '.')+1:]
	if label == "" {
		return false
	}
	lower := strings.ToLower(label)
	if strings.HasPrefix(lower, "0x") {
		lower = lower[2:]
		return strings.Trim(lower, "0123456789abcdef") == ""
	}
	return strings.Trim(lower, "0123456789") == ""
}

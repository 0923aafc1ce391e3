package fetch

import (
	"errors"
	"net/netip"
	"testing"
)

func TestBlockedAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		addr    string
		blocked bool
	}{
		{"public v4", "93.184.216.34", false},
		{"public v4 DNS", "8.8.8.8", false},
		{"this network", "0.0.0.0", true},
		{"this network range", "0.1.2.3", true},
		{"RFC1918 10", "10.0.0.1", true},
		{"RFC1918 172.16", "172.16.5.4", true},
		{"RFC1918 172.31 edge", "172.31.255.255", true},
		{"just outside 172.16/12", "172.32.0.1", false},
		{"RFC1918 192.168", "192.168.1.1", true},
		{"CGNAT", "100.64.0.1", true},
		{"CGNAT top", "100.127.255.254", true},
		{"just outside CGNAT", "100.128.0.1", false},
		{"loopback", "127.0.0.1", true},
		{"loopback other", "127.0.0.2", true},
		{"metadata", "169.254.169.254", true},
		{"IETF protocol assignments", "192.0.0.170", true},
		{"TEST-NET-1", "192.0.2.1", true},
		{"6to4 relay anycast", "192.88.99.1", true},
		{"benchmarking", "198.18.0.1", true},
		{"benchmarking upper", "198.19.255.1", true},
		{"TEST-NET-2", "198.51.100.7", true},
		{"TEST-NET-3", "203.0.113.9", true},
		{"multicast", "224.0.0.1", true},
		{"multicast top", "239.255.255.250", true},
		{"reserved", "240.0.0.1", true},
		{"broadcast", "255.255.255.255", true},

		{"public v6", "2606:4700:4700::1111", false},
		{"unspecified v6", "::", true},
		{"loopback v6", "::1", true},
		{"mapped loopback", "::ffff:127.0.0.1", true},
		{"mapped private", "::ffff:10.0.0.1", true},
		{"mapped metadata", "::ffff:169.254.169.254", true},
		{"mapped public", "::ffff:8.8.8.8", false},
		{"IPv4-compatible", "::10.0.0.1", true},
		{"discard", "100::1", true},
		{"ULA", "fc00::1", true},
		{"ULA fd", "fd12:3456::1", true},
		{"link-local v6", "fe80::1", true},
		{"site-local", "fec0::1", true},
		{"multicast v6", "ff02::1", true},
		{"NAT64 private", "64:ff9b::a00:1", true},
		{"NAT64 loopback", "64:ff9b::7f00:1", true},
		{"NAT64 public", "64:ff9b::808:808", false},
		{"NAT64 local-use", "64:ff9b:1::808:808", true},
		{"6to4 private", "2002:a00:1::1", true},
		{"6to4 metadata", "2002:a9fe:a9fe::1", true},
		{"6to4 public", "2002:808:808::1", false},
		{"Teredo", "2001:0:4136:e378::1", true},
		{"benchmarking v6", "2001:2::1", true},
		{"documentation v6", "2001:db8::1", true},
		{"documentation v6 new", "3fff::1", true},
		{"SRv6 SID", "5f00::1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := blockedAddr(netip.MustParseAddr(tt.addr)); got != tt.blocked {
				t.Errorf("blockedAddr(%s) = %v, want %v", tt.addr, got, tt.blocked)
			}
		})
	}
}

// TestGuardControl drives the dial-time hook directly, as net.Dialer calls it
// after resolution: the check that covers redirects and DNS rebinding.
func TestGuardControl(t *testing.T) {
	t.Parallel()
	def := &guard{}
	allow := &guard{allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.1.0.0/16")}}
	open := &guard{allowPrivate: true}
	tests := []struct {
		name    string
		g       *guard
		network string
		address string
		ok      bool
	}{
		{"public 443", def, "tcp4", "93.184.216.34:443", true},
		{"public 80", def, "tcp4", "93.184.216.34:80", true},
		{"public v6 443", def, "tcp6", "[2606:4700:4700::1111]:443", true},
		{"public other port", def, "tcp4", "93.184.216.34:22", false},
		{"public redis port", def, "tcp4", "93.184.216.34:6379", false},
		{"loopback", def, "tcp4", "127.0.0.1:80", false},
		{"metadata", def, "tcp4", "169.254.169.254:80", false},
		{"mapped private v6 socket", def, "tcp6", "[::ffff:10.0.0.1]:80", false},
		{"zone link-local", def, "tcp6", "[fe80::1%eth0]:80", false},
		{"udp refused", def, "udp4", "93.184.216.34:443", false},
		{"unparseable fails closed", def, "tcp4", "example.com:80", false},
		{"allowed prefix any port", allow, "tcp4", "127.0.0.1:8080", true},
		{"allowed prefix mapped", allow, "tcp6", "[::ffff:127.0.0.1]:8080", true},
		{"allowed /16", allow, "tcp4", "10.1.2.3:9000", true},
		{"loopback outside allowed prefix", allow, "tcp4", "127.0.0.2:8080", false},
		{"private outside allowed prefix", allow, "tcp4", "10.2.0.1:80", false},
		{"allow list keeps public port rule", allow, "tcp4", "93.184.216.34:8080", false},
		{"allow private", open, "tcp4", "127.0.0.1:6379", true},
		{"allow private public port", open, "tcp4", "93.184.216.34:8080", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.g.control(tt.network, tt.address, nil)
			if tt.ok && err != nil {
				t.Fatalf("control(%s, %s) = %v, want allowed", tt.network, tt.address, err)
			}
			if !tt.ok && !errors.Is(err, ErrBlockedAddress) {
				t.Fatalf("control(%s, %s) = %v, want ErrBlockedAddress", tt.network, tt.address, err)
			}
		})
	}
}

func TestNumericHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		want bool
	}{
		{"2130706433", true},
		{"0x7f000001", true},
		{"0x7f.1", true},
		{"127.1", true},
		{"017700000001", true},
		{"example.com", false},
		{"example.com.", false},
		{"1password.com", false},
		{"news.123abc", false},
		{"0xdeadbeef.example", false},
		{"example.0x", true},
	}
	for _, tt := range tests {
		if got := numericHost(tt.host); got != tt.want {
			t.Errorf("numericHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

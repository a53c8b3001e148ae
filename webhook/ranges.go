package webhook

import "net/netip"

// blockedRange is a network refused by default and the reason shown when an
// address in it is refused.
type blockedRange struct {
	prefix netip.Prefix
	reason string
}

// metadataAddrs are the instance-metadata endpoints of the big clouds (AWS,
// GCP, Azure, OpenStack: 169.254.169.254; AWS IPv6: fd00:ec2::254; Alibaba:
// 100.100.100.200). They are refused even inside an allowed network.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
}

// blockedRanges are refused unless allowed, most specific first.
var blockedRanges = []blockedRange{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private network"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private network"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private network"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking network"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified address"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible IPv6"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4
// address, which is judged in its place.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// metadataReason reports whether addr is a cloud metadata endpoint.
func metadataReason(addr netip.Addr) (string, bool) {
	for _, m := range metadataAddrs {
		if addr == m {
			return "cloud metadata", true
		}
	}
	if v4, ok := embeddedIPv4(addr); ok {
		return metadataReason(v4)
	}
	return "", false
}

// blockedReason returns why addr is refused by default, if it is.
func blockedReason(addr netip.Addr) (string, bool) {
	for _, r := range blockedRanges {
		if r.prefix.Contains(addr) {
			return r.reason, true
		}
	}
	if v4, ok := embeddedIPv4(addr); ok {
		if reason, blocked := blockedReason(v4); blocked {
			return reason + " via NAT64", true
		}
	}
	return "", false
}

// embeddedIPv4 returns the IPv4 address inside a NAT64 address.
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	if !addr.Is6() || !nat64.Contains(addr) {
		return netip.Addr{}, false
	}
	b := addr.As16()
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
}

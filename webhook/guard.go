package webhook

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// Guard decides which addresses kassa may connect to. The zero value refuses
// every non-public address (see blockedRanges); Allow opens networks that the
// operator trusts, such as a billing service on the local network
// (--allow-callback-net 10.1.2.0/24).
type Guard struct {
	// Allow lists networks that may be dialled even though they are not
	// public. A cloud metadata address stays refused unless an Allow prefix
	// names exactly that address (169.254.169.254/32).
	Allow []netip.Prefix
	// Lookup resolves a host name to its addresses. Nil means the system
	// resolver. Tests set it to map names to chosen addresses.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// BlockedError says that an address was refused and why. Its message is safe
// to show to the account holder.
type BlockedError struct {
	Addr   netip.Addr
	Reason string // "private network", "loopback", "cloud metadata", …
}

// Error implements the error interface.
func (e *BlockedError) Error() string {
	return fmt.Sprintf("address %s is not allowed (%s)", e.Addr, e.Reason)
}

// Check returns nil when addr may be dialled and a *BlockedError otherwise.
// IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are judged as the IPv4
// address they carry.
func (g Guard) Check(addr netip.Addr) error {
	if !addr.IsValid() {
		return &BlockedError{Addr: addr, Reason: "not a valid address"}
	}
	addr = addr.WithZone("")
	plain := addr.Unmap()
	if reason, ok := metadataReason(plain); ok {
		if g.allowsExactly(plain) {
			return nil
		}
		return &BlockedError{Addr: addr, Reason: reason}
	}
	reason, blocked := blockedReason(plain)
	if !blocked || g.allows(plain) {
		return nil
	}
	return &BlockedError{Addr: addr, Reason: reason}
}

// allows reports whether an Allow prefix contains addr.
func (g Guard) allows(addr netip.Addr) bool {
	for _, p := range g.Allow {
		if p.Contains(addr) || p.Contains(netip.AddrFrom16(addr.As16())) {
			return true
		}
	}
	return false
}

// allowsExactly reports whether an Allow prefix is the single address addr.
func (g Guard) allowsExactly(addr netip.Addr) bool {
	for _, p := range g.Allow {
		if p.Bits() == p.Addr().BitLen() && p.Addr().Unmap() == addr {
			return true
		}
	}
	return false
}

// lookup resolves host with the Guard's resolver.
func (g Guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if g.Lookup != nil {
		return g.Lookup(ctx, host)
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// ParseAllow reads networks in CIDR form ("10.1.2.0/24", "::1/128") or
// single addresses ("10.1.2.3"), as the --allow-callback-net flag takes them.
func ParseAllow(values []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(values))
	for _, v := range values {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return nil, fmt.Errorf("allowed network %q: want CIDR such as 10.0.0.0/8 or a single address", v)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

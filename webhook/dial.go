package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// DialContext resolves the host of address, refuses it unless at least one
// of its addresses passes Check, and connects to the allowed addresses in
// turn. The socket's own destination is checked again just before connect
// (net.Dialer.Control), so no path to a refused address exists.
func (g Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	allowed, refused := g.filter(addrs)
	if len(allowed) == 0 {
		return nil, refused
	}
	d := net.Dialer{Timeout: 30 * time.Second, Control: g.control}
	var firstErr error
	for _, a := range allowed {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// resolve returns the addresses of host: itself when it is an IP address,
// its DNS answers otherwise.
func (g Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

// filter splits addrs into those Check allows and the first refusal.
func (g Guard) filter(addrs []netip.Addr) ([]netip.Addr, error) {
	var allowed []netip.Addr
	var refused error
	for _, a := range addrs {
		if err := g.Check(a); err != nil {
			if refused == nil {
				refused = err
			}
			continue
		}
		allowed = append(allowed, a)
	}
	return allowed, refused
}

// control is the net.Dialer hook that checks the destination of every
// socket just before it connects.
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, errors.New("not an IP address"))
	}
	return g.Check(ap.Addr())
}

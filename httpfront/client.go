package httpfront

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// resolveClient applies the trusted-proxy rule: when the TCP peer is a
// trusted proxy, the client is the right-most X-Forwarded-For address that
// is not itself a trusted proxy, and r.RemoteAddr becomes that address
// (the brute-force limiter, the audit log and the access log read it).
// From any other peer the X-Forwarded-* headers are dropped, so that no
// handler can be fooled by them.
func (f *Front) resolveClient(r *http.Request) {
	trusted := false
	if len(f.opts.TrustedProxies) > 0 { // no peer to parse when no proxy is trusted
		peer, ok := addrOf(r.RemoteAddr)
		trusted = ok && f.isTrusted(peer)
	}
	if !trusted {
		// The names are in canonical form (as net/http stores them), so
		// the map deletes need no canonicalization per request.
		for _, h := range forwardingHeaders {
			delete(r.Header, h)
		}
		return
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return // a malformed hop: keep the proxy as the client
		}
		a = a.Unmap()
		if !f.isTrusted(a) {
			r.RemoteAddr = net.JoinHostPort(a.String(), "0")
			return
		}
	}
}

// forwardingHeaders are the headers a proxy sets about the client, in
// canonical form.
var forwardingHeaders = [...]string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"}

// isTrusted reports whether a is in a trusted-proxy network.
func (f *Front) isTrusted(a netip.Addr) bool {
	for _, p := range f.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrOf parses the IP of a host:port remote address.
func addrOf(remote string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

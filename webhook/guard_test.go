package webhook

import (
	"net/netip"
	"strings"
	"testing"
)

func TestGuardCheckRefusesNonPublicAddresses(t *testing.T) {
	cases := []struct {
		addr, reason string
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.1", "private network"},
		{"172.16.5.4", "private network"},
		{"172.31.255.255", "private network"},
		{"192.168.1.1", "private network"},
		{"169.254.10.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fc00::1", "unique-local"},
		{"fd12:3456::1", "unique-local"},
		{"0.0.0.0", "unspecified address"},
		{"::", "unspecified address"},
		{"100.64.0.1", "shared address space (CGNAT)"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private network"},
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"64:ff9b::a00:1", "private network via NAT64"},
		{"169.254.169.254", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"100.100.100.200", "cloud metadata"},
	}
	var g Guard
	for _, c := range cases {
		err := g.Check(netip.MustParseAddr(c.addr))
		if err == nil {
			t.Errorf("Check(%s) = nil, want refusal (%s)", c.addr, c.reason)
			continue
		}
		want := "(" + c.reason + ")"
		if !strings.HasSuffix(err.Error(), want) {
			t.Errorf("Check(%s) = %q, want reason %q", c.addr, err, want)
		}
	}
}

func TestGuardCheckAllowsPublicAddresses(t *testing.T) {
	var g Guard
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"} {
		if err := g.Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("Check(%s) = %v, want nil", a, err)
		}
	}
}

func TestGuardAllowOpensNetworks(t *testing.T) {
	allow, err := ParseAllow([]string{"127.0.0.0/8", "10.1.2.0/24", "::1", "169.254.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	g := Guard{Allow: allow}
	for _, a := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.1.2.3", "::1", "169.254.1.1"} {
		if err := g.Check(netip.MustParseAddr(a)); err != nil {
			t.Errorf("Check(%s) with allow = %v, want nil", a, err)
		}
	}
	for _, a := range []string{"10.1.3.1", "192.168.0.1"} {
		if err := g.Check(netip.MustParseAddr(a)); err == nil {
			t.Errorf("Check(%s) = nil, want refusal outside the allowed networks", a)
		}
	}
	if err := g.Check(netip.MustParseAddr("169.254.169.254")); err == nil {
		t.Error("metadata address allowed by a broad link-local allowance")
	}
	exact := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("169.254.169.254/32")}}
	if err := exact.Check(netip.MustParseAddr("169.254.169.254")); err != nil {
		t.Errorf("metadata address refused although allowed exactly: %v", err)
	}
}

func TestParseAllowRejectsGarbage(t *testing.T) {
	for _, v := range []string{"", "10.0.0.0/33", "localhost", "10.0.0/8"} {
		if _, err := ParseAllow([]string{v}); err == nil {
			t.Errorf("ParseAllow(%q) = nil error", v)
		}
	}
	got, err := ParseAllow([]string{"10.1.2.3/8"})
	if err != nil || got[0].String() != "10.0.0.0/8" {
		t.Errorf("ParseAllow masks prefixes: got %v, %v", got, err)
	}
}

package webhook

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxURLLength is the longest URL kassa accepts for a callback or webhook.
const MaxURLLength = 2000

// errNotAbsolute is the answer to anything that is not an absolute http or
// https URL.
var errNotAbsolute = errors.New("not an absolute http(s) URL")

// ValidateURL checks the syntax of a callback or webhook URL: absolute,
// http or https, at most MaxURLLength characters, with a host that is a DNS
// name or an IP address in its standard form. IPv4 addresses written in
// decimal, octal or hex ("2130706433", "0177.0.0.1", "0x7f.1") are refused
// here with a clear message, and again at dial time whatever their form.
func ValidateURL(raw string) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, fmt.Errorf("URL longer than %d characters", MaxURLLength)
	}
	if strings.TrimSpace(raw) != raw || raw == "" {
		return nil, errNotAbsolute
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" {
		return nil, errNotAbsolute
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errNotAbsolute
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errors.New("URL has no host")
	}
	if err := validatePort(u.Port(), u.Host); err != nil {
		return nil, err
	}
	if err := validateHost(u.Hostname(), strings.HasPrefix(u.Host, "[")); err != nil {
		return nil, err
	}
	return u, nil
}

// validatePort accepts no port or a decimal port from 1 to 65535.
func validatePort(port, host string) error {
	if port == "" {
		if strings.HasSuffix(host, ":") {
			return errors.New("URL has an empty port")
		}
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' {
		return fmt.Errorf("port %q is not between 1 and 65535", port)
	}
	return nil
}

// validateHost accepts an IP address in standard form, or a DNS name of
// ASCII letters, digits, hyphens, underscores and dots.
func validateHost(host string, bracketed bool) error {
	if bracketed {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return fmt.Errorf("host %q is not a valid IPv6 address", host)
		}
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		if strings.Contains(host, ":") {
			return fmt.Errorf("IPv6 host %q must be in brackets", host)
		}
		return nil
	}
	if looksNumeric(host) {
		return fmt.Errorf("host %q is an IP address in a non-standard (decimal, octal or hex) form: write it as four decimal numbers such as 192.0.2.10", host)
	}
	return validateDNSName(host)
}

// looksNumeric reports whether a host that is not a standard IP address
// would still be read as an IPv4 address by a browser or a C resolver: its
// last label is a decimal, octal or hex number (a DNS top-level domain never
// is).
func looksNumeric(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if l := strings.ToLower(last); strings.HasPrefix(l, "0x") {
		return strings.Trim(l[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// validateDNSName accepts ASCII names with labels of at most 63 characters.
func validateDNSName(host string) error {
	if len(host) > 253 {
		return fmt.Errorf("host name longer than 253 characters")
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("host %q has an empty or over-long label", host)
		}
		for i := 0; i < len(label); i++ {
			if !isHostChar(label[i]) {
				return fmt.Errorf("host %q has characters other than letters, digits, '-', '_' and '.' (write international names in their xn-- form)", host)
			}
		}
	}
	return nil
}

func isHostChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

package pricing

import (
	"fmt"
	"strings"

	"github.com/kassa-dev/kassa"
)

// maxReportedErrors caps the reasons listed in one rejection message.
const maxReportedErrors = 20

// checkRanges returns why a book network's ranges are not acceptable, or "".
func checkRanges(ranges []string, dialingPrefix string) string {
	for _, r := range ranges {
		if !isDigits(r) || r[0] == '0' || len(r) > maxDigits {
			return fmt.Sprintf("range %q is not a number prefix", r)
		}
		if dialingPrefix == "" {
			return fmt.Sprintf("range %q: the country has no dialling prefix", r)
		}
		if !strings.HasPrefix(r, dialingPrefix) && !strings.HasPrefix(dialingPrefix, r) {
			return fmt.Sprintf("range %q does not start with the dialling prefix %s", r, dialingPrefix)
		}
	}
	return ""
}

func validNetworkType(t kassa.NetworkType) bool {
	switch t {
	case kassa.Mobile, kassa.Landline, kassa.LandlinePremium, kassa.LandlineTollFree, kassa.Virtual, kassa.Pager:
		return true
	}
	return false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func orDefault(network string) string {
	if network == "" {
		return "default"
	}
	return network
}

// problemList collects validation problems up to a cap. With skipStale,
// problems caused by changed reference data are kept apart as warnings.
type problemList struct {
	subject   string // what is rejected: "price book" when empty
	list      []Problem
	total     int
	skipStale bool
	stale     []string
}

// stalef records a problem that newer reference data can cause.
func (p *problemList) stalef(format string, args ...any) {
	if !p.skipStale {
		p.addf(format, args...)
		return
	}
	p.stale = append(p.stale, fmt.Sprintf(format, args...))
}

// addf records a problem written "place: reason" (see splitProblem).
func (p *problemList) addf(format string, args ...any) {
	p.total++
	if len(p.list) < maxReportedErrors {
		p.list = append(p.list, splitProblem(fmt.Sprintf(format, args...)))
	}
}

// err returns the EINVALID error listing the problems, or nil.
func (p *problemList) err() error {
	if p.total == 0 {
		return nil
	}
	subject := p.subject
	if subject == "" {
		subject = "price book"
	}
	return rejection(subject, p.list, p.total-len(p.list))
}

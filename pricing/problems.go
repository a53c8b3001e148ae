package pricing

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kassa-dev/kassa"
)

// Problem is one reason why Compile, ParseCSV or ParseFullPricingJSON
// rejected its input.
type Problem struct {
	// Where names the place: `line 4, column "price"` (a CSV deck),
	// `line 3 (sms GB 23410 EUR)` or `network 1 (GB GB-TEST)` (a book),
	// `countries[2] (GB)` (a JSON price list); "" for the input as a whole.
	Where  string
	Reason string
}

// String is the problem as the error message shows it.
func (p Problem) String() string {
	if p.Where == "" {
		return p.Reason
	}
	return p.Where + ": " + p.Reason
}

// Problems returns the problems a rejection lists (at most the first 20),
// or nil when err is not a rejection. It spares callers parsing the
// message.
func Problems(err error) []Problem {
	var pe *problemsError
	if errors.As(err, &pe) {
		return pe.list
	}
	return nil
}

// problemsError carries the structured problems inside the *kassa.Error
// of a rejection.
type problemsError struct {
	list []Problem
	more int // problems beyond the cap, not listed
}

func (e *problemsError) Error() string {
	return fmt.Sprintf("%d problems", len(e.list)+e.more)
}

// rejection returns the EINVALID error of a rejected input: subject
// ("price book", "rate deck", "price list") and the problems in the
// message, and the list for Problems.
func rejection(subject string, list []Problem, more int) error {
	parts := make([]string, len(list))
	for i, p := range list {
		parts[i] = p.String()
	}
	msg := subject + " rejected: " + strings.Join(parts, "; ")
	if more > 0 {
		msg += fmt.Sprintf("; and %d more problems", more)
	}
	return &kassa.Error{Code: kassa.EINVALID, Message: msg, Err: &problemsError{list: list, more: more}}
}

// rejectf is rejection with one problem formatted like problemList.addf.
func rejectf(subject, format string, args ...any) error {
	return rejection(subject, []Problem{splitProblem(fmt.Sprintf(format, args...))}, 0)
}

// placePrefixes start the place part of a problem's text.
var placePrefixes = []string{"line ", "network ", "countries["}

// splitProblem splits "place: reason" at the first ": " outside quotes
// when the text starts with a place; otherwise the whole text is the
// reason.
func splitProblem(text string) Problem {
	quoted := false
	for i := 0; i < len(text); i++ {
		switch {
		case quoted && text[i] == '\\':
			i++
		case text[i] == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(text[i:], ": "):
			where := text[:i]
			for _, p := range placePrefixes {
				if strings.HasPrefix(where, p) {
					return Problem{Where: where, Reason: text[i+2:]}
				}
			}
			return Problem{Reason: text}
		}
	}
	return Problem{Reason: text}
}

package pricing

import "github.com/kassa-dev/kassa"

// maxDigits is the longest number kassa rates (E.164: 15 digits).
const maxDigits = 15

// minDigits is the shortest number kassa rates.
const minDigits = 3

var (
	errNoPrice     = kassa.Errorf(kassa.ENOTFOUND, "no price for destination")
	errNumberChars = kassa.FieldError("to", "number may hold only digits, one leading '+', spaces, '-', '(' and ')'")
	errNumberShort = kassa.FieldError("to", "number is too short: at least %d digits", minDigits)
	errNumberLong  = kassa.FieldError("to", "number is too long: at most %d digits", maxDigits)
)

// Rate returns the unit price of service t to number in currency cur: the
// price of the network whose range is the longest priced prefix of the
// number, else the country's default price found by its dialling prefix.
// EINVALID for a malformed number or an unknown type, ENOTFOUND when
// nothing prices the destination, EUNAVAILABLE when cur cannot be
// answered. It does not allocate on success.
func (s *Snapshot) Rate(t kassa.ServiceType, number string, cur kassa.Currency) (kassa.Rating, error) {
	v, err := s.view(t, cur)
	if err != nil {
		return kassa.Rating{}, err
	}
	var buf [maxDigits + 2]byte
	n, err := normalizeNumber(number, &buf)
	if err != nil {
		return kassa.Rating{}, err
	}
	dest := s.index.longest(buf[:n], v)
	if dest < 0 {
		return kassa.Rating{}, errNoPrice
	}
	if nn := uint32(s.nets.numNets()); uint32(dest) >= nn {
		ci := uint32(dest) - nn
		return kassa.Rating{Country: s.countries[ci].Code, UnitPrice: v.amounts[v.def[ci]-1], Currency: v.currency}, nil
	}
	// One read of the network's entry gives the rest.
	var e netEntry
	nets := &s.nets
	pos := nets.headAt(&e, int(nets.off[dest]))
	id := e.own[v.ti]
	if id == 0 {
		id = v.def[e.country]
	}
	r := kassa.Rating{Country: s.countries[e.country].Code, NetworkType: e.typ, UnitPrice: v.amounts[id-1], Currency: v.currency}
	r.NetworkCode, pos = readString(nets.arena, pos)
	r.NetworkName, _ = readString(nets.arena, pos)
	return r, nil
}

// normalizeNumber writes the digits of a phone number into buf and returns
// how many there are. It strips one leading '+', spaces, '-', '(' and ')',
// and a leading "00" international prefix.
func normalizeNumber(number string, buf *[maxDigits + 2]byte) (int, error) {
	if len(number) > 0 && number[0] == '+' {
		number = number[1:]
	}
	n := 0
	for i := 0; i < len(number); i++ {
		c := number[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return 0, errNumberLong
			}
			buf[n] = c
			n++
		case c == ' ' || c == '-' || c == '(' || c == ')':
		default:
			return 0, errNumberChars
		}
	}
	start := 0
	if n >= 2 && buf[0] == '0' && buf[1] == '0' {
		start = 2
	}
	switch {
	case n-start > maxDigits:
		return 0, errNumberLong
	case n-start < minDigits:
		return 0, errNumberShort
	}
	if start > 0 {
		copy(buf[:], buf[start:n])
	}
	return n - start, nil
}

// NormalizeNumber returns the digits Rate prices a number by (one leading
// '+', spaces, '-', '(' and ')' and a leading "00" removed), or the same
// EINVALID error Rate gives. Answers that echo the number use it, so that
// they show what was rated.
func NormalizeNumber(number string) (string, error) {
	var buf [maxDigits + 2]byte
	n, err := normalizeNumber(number, &buf)
	if err != nil {
		return "", err
	}
	if n == len(number) {
		return number, nil // nothing was removed: the number is its digits (no copy)
	}
	return string(buf[:n]), nil
}

package kassa

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// AmountDecimals is the number of decimal places an Amount carries: the
// precision of the price strings on the Account API wire ("0.03330000").
const AmountDecimals = 8

// AmountScale is the number of Amount units in one whole currency unit.
const AmountScale = 100_000_000

// Amount is an exact quantity of money: a count of 10^-8 units of a currency.
// It is never converted through float64. The zero value is zero.
type Amount int64

// MaxAmount and MinAmount bound what an Amount can hold (about ±92 billion).
const (
	MaxAmount = Amount(math.MaxInt64)
	MinAmount = Amount(math.MinInt64 + 1) // symmetric, so that Neg never overflows
)

// ErrAmountOverflow is returned when a calculation leaves the range of Amount.
var ErrAmountOverflow = errors.New("amount out of range")

// ParseAmount reads decimal text such as "10.17127500", "-0.5", "3" or ".25".
// More than 8 decimals are rounded half-even. Exponents, spaces, thousands
// separators and anything that is not plain decimal text are errors.
func ParseAmount(s string) (Amount, error) {
	neg, intPart, fracPart, err := splitDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("parse amount %q: %w", s, err)
	}
	units, err := scaleDecimal(intPart, fracPart, AmountDecimals)
	if err != nil {
		return 0, fmt.Errorf("parse amount %q: %w", s, err)
	}
	if neg {
		units = -units
	}
	return Amount(units), nil
}

// MustParseAmount is ParseAmount for constants in code and tests; it panics
// on bad input.
func MustParseAmount(s string) Amount {
	a, err := ParseAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

// splitDecimal splits decimal text into its sign, integer digits and
// fraction digits, rejecting anything else.
func splitDecimal(s string) (neg bool, intPart, fracPart string, err error) {
	if s == "" {
		return false, "", "", errors.New("empty")
	}
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	intPart, fracPart, hasDot := strings.Cut(s, ".")
	if intPart == "" && fracPart == "" {
		return false, "", "", errors.New("no digits")
	}
	if hasDot && fracPart == "" && intPart == "" {
		return false, "", "", errors.New("no digits")
	}
	for _, part := range []string{intPart, fracPart} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false, "", "", fmt.Errorf("unexpected character %q", part[i])
			}
		}
	}
	return neg, intPart, fracPart, nil
}

// scaleDecimal returns intPart.fracPart × 10^decimals as an int64, rounding
// extra fraction digits half-even.
func scaleDecimal(intPart, fracPart string, decimals int) (int64, error) {
	intPart = strings.TrimLeft(intPart, "0")
	keep := fracPart
	rest := ""
	if len(keep) > decimals {
		keep, rest = fracPart[:decimals], fracPart[decimals:]
	}
	keep += strings.Repeat("0", decimals-len(keep))
	digits := strings.TrimLeft(intPart+keep, "0")
	if len(digits) > 19 {
		return 0, ErrAmountOverflow
	}
	var v uint64
	if digits != "" {
		var err error
		v, err = strconv.ParseUint(digits, 10, 64)
		if err != nil || v > math.MaxInt64 {
			return 0, ErrAmountOverflow
		}
	}
	if roundUp(rest, v%2 == 1) {
		if v == math.MaxInt64 {
			return 0, ErrAmountOverflow
		}
		v++
	}
	return int64(v), nil
}

// roundUp reports whether dropping the digits in rest rounds the kept value
// up, half-even: above half rounds up, exactly half rounds to even.
func roundUp(rest string, odd bool) bool {
	if rest == "" {
		return false
	}
	if rest[0] > '5' {
		return true
	}
	if rest[0] < '5' {
		return false
	}
	if strings.Trim(rest[1:], "0") != "" {
		return true
	}
	return odd
}

// String formats the amount with exactly 8 decimals, as prices are written
// on the wire: "0.03330000", "-1.50000000".
func (a Amount) String() string {
	var buf [32]byte // the longest Amount is 29 bytes: one allocation, the string's
	return string(a.AppendFixed(buf[:0]))
}

// AppendFixed appends the 8-decimal text of a to dst and returns it.
func (a Amount) AppendFixed(dst []byte) []byte {
	u := uint64(a)
	if a < 0 {
		dst = append(dst, '-')
		u = uint64(-a)
	}
	dst = strconv.AppendUint(dst, u/AmountScale, 10)
	dst = append(dst, '.')
	frac := u % AmountScale
	var buf [AmountDecimals]byte
	for i := AmountDecimals - 1; i >= 0; i-- {
		buf[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(dst, buf[:]...)
}

// Decimal formats the amount as short decimal text with at least two and at
// most 8 decimals ("3.14159", "10.00"): the form used for the balance's JSON
// number, which is written from this text and never through a float.
func (a Amount) Decimal() string {
	return string(a.AppendDecimal(nil))
}

// AppendDecimal appends the short decimal text of a (see Decimal) to dst.
func (a Amount) AppendDecimal(dst []byte) []byte {
	start := len(dst)
	dst = a.AppendFixed(dst)
	dot := start + strings.IndexByte(string(dst[start:]), '.')
	end := len(dst)
	for end > dot+3 && dst[end-1] == '0' {
		end--
	}
	return dst[:end]
}

// IsNegative reports whether a is below zero.
func (a Amount) IsNegative() bool { return a < 0 }

// Neg returns -a. It cannot overflow for amounts in [MinAmount, MaxAmount].
func (a Amount) Neg() Amount { return -a }

// Add returns a+b, or ErrAmountOverflow.
func (a Amount) Add(b Amount) (Amount, error) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) || s == math.MinInt64 {
		return 0, ErrAmountOverflow
	}
	return s, nil
}

// Sub returns a-b, or ErrAmountOverflow.
func (a Amount) Sub(b Amount) (Amount, error) {
	if b == math.MinInt64 {
		return 0, ErrAmountOverflow
	}
	return a.Add(-b)
}

// MulUnits returns a×n (a unit price times a number of message parts or
// billed minutes), or ErrAmountOverflow.
func (a Amount) MulUnits(n int64) (Amount, error) {
	neg := (a < 0) != (n < 0)
	ua, un := absU(int64(a)), absU(n)
	hi, lo := bits.Mul64(ua, un)
	if hi != 0 || lo > math.MaxInt64 {
		return 0, ErrAmountOverflow
	}
	if neg {
		return Amount(-int64(lo)), nil
	}
	return Amount(lo), nil
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// Convert returns a multiplied by an exchange rate given as decimal text
// ("1.0825", "0.92"), rounded half-even at 8 decimals. The rate must be
// positive.
func (a Amount) Convert(rate string) (Amount, error) {
	r, err := ParseRate(rate)
	if err != nil {
		return 0, err
	}
	return a.ConvertRat(r)
}

// ParseRate reads a positive exchange rate from plain decimal text, exactly.
func ParseRate(s string) (*big.Rat, error) {
	neg, intPart, fracPart, err := splitDecimal(s)
	if err != nil {
		return nil, fmt.Errorf("parse rate %q: %w", s, err)
	}
	r, ok := new(big.Rat).SetString(intPart + "." + fracPart + "0")
	if !ok {
		return nil, fmt.Errorf("parse rate %q: not a decimal", s)
	}
	if neg || r.Sign() <= 0 {
		return nil, fmt.Errorf("parse rate %q: must be positive", s)
	}
	return r, nil
}

// ConvertRat returns a×r rounded half-even to a whole number of Amount units.
func (a Amount) ConvertRat(r *big.Rat) (Amount, error) {
	prod := new(big.Rat).Mul(new(big.Rat).SetInt64(int64(a)), r)
	v := RoundHalfEven(prod)
	if !v.IsInt64() || v.Int64() == math.MinInt64 {
		return 0, ErrAmountOverflow
	}
	return Amount(v.Int64()), nil
}

// RoundHalfEven rounds r to the nearest integer, ties to even.
func RoundHalfEven(r *big.Rat) *big.Int {
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// q is truncated toward zero; m has the sign of num.
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch twice.Cmp(den) {
	case 1:
		return adjustAway(q, num.Sign())
	case 0:
		if q.Bit(0) == 1 {
			return adjustAway(q, num.Sign())
		}
	}
	return q
}

func adjustAway(q *big.Int, sign int) *big.Int {
	if sign < 0 {
		return q.Sub(q, big.NewInt(1))
	}
	return q.Add(q, big.NewInt(1))
}

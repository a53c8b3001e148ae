package main

import (
	"fmt"
	"regexp/syntax"
	"sort"
)

// digitPattern is a libphonenumber national number pattern compiled to an
// NFA whose states can be stepped one digit at a time. It answers two
// questions exactly: can a number of this pattern start with these digits,
// and which literal leading digits does the pattern allow.
type digitPattern struct {
	prog *syntax.Prog
}

// stateSet is a sorted set of NFA instruction indexes (rune and match
// instructions only, after following empty transitions).
type stateSet []uint32

func compileDigitPattern(pattern string) (*digitPattern, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("parse pattern %q: %w", pattern, err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, fmt.Errorf("compile pattern %q: %w", pattern, err)
	}
	return &digitPattern{prog: prog}, nil
}

func (p *digitPattern) start() stateSet {
	return p.closure([]uint32{uint32(p.prog.Start)})
}

// closure follows empty transitions from pcs. Patterns are matched in full
// by libphonenumber, so empty-width assertions count as satisfied.
func (p *digitPattern) closure(pcs []uint32) stateSet {
	seen := map[uint32]bool{}
	var out stateSet
	var visit func(pc uint32)
	visit = func(pc uint32) {
		if seen[pc] {
			return
		}
		seen[pc] = true
		inst := p.prog.Inst[pc]
		switch inst.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			visit(inst.Out)
			visit(inst.Arg)
		case syntax.InstCapture, syntax.InstNop, syntax.InstEmptyWidth:
			visit(inst.Out)
		case syntax.InstFail:
		default: // rune instructions and match
			out = append(out, pc)
		}
	}
	for _, pc := range pcs {
		visit(pc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// step consumes one digit.
func (p *digitPattern) step(s stateSet, d byte) stateSet {
	var next []uint32
	for _, pc := range s {
		inst := p.prog.Inst[pc]
		if inst.Op != syntax.InstMatch && inst.MatchRune(rune(d)) {
			next = append(next, inst.Out)
		}
	}
	if len(next) == 0 {
		return nil
	}
	return p.closure(next)
}

// admitsPrefix reports whether some number matching the pattern starts
// with digits.
func (p *digitPattern) admitsPrefix(digits string) bool {
	s := p.start()
	for i := 0; i < len(digits) && len(s) > 0; i++ {
		s = p.step(s, digits[i])
	}
	return len(s) > 0
}

// leadingDigits returns the literal leading digits of the pattern: a
// prefix is expanded digit by digit while the next digit is restricted, and
// kept once every digit may follow (or at maxDepth, or when the number
// ends). Every number the pattern matches starts with one of the returned
// prefixes, and each returned prefix starts some number it matches.
func (p *digitPattern) leadingDigits(maxDepth int) []string {
	var out []string
	var walk func(prefix string, s stateSet)
	walk = func(prefix string, s stateSet) {
		type child struct {
			digit byte
			set   stateSet
		}
		var children []child
		for d := byte('0'); d <= '9'; d++ {
			if n := p.step(s, d); len(n) > 0 {
				children = append(children, child{d, n})
			}
		}
		if len(children) == 10 || len(children) == 0 || len(prefix) >= maxDepth {
			out = append(out, prefix)
			return
		}
		for _, c := range children {
			walk(prefix+string(c.digit), c.set)
		}
	}
	walk("", p.start())
	return out
}

// boundedLeadingDigits returns leadingDigits with the largest depth (up to
// maxDepth) that yields at most limit prefixes.
func (p *digitPattern) boundedLeadingDigits(maxDepth, limit int) []string {
	for depth := maxDepth; depth > 1; depth-- {
		if out := p.leadingDigits(depth); len(out) <= limit {
			return out
		}
	}
	return p.leadingDigits(1)
}

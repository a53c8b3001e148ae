package main

import (
	"reflect"
	"testing"
)

func TestLeadingDigits(t *testing.T) {
	cases := []struct {
		pattern string
		want    []string
	}{
		{`80[08]\d{7}|800\d{6}|8001111`, []string{"800", "808"}},
		{`(?:8(?:4[2-5]|7[0-3])|9(?:[01]\d|8[0-3]))\d{7}|845464\d`, []string{"842", "843", "844", "845", "870", "871", "872", "873", "90", "91", "980", "981", "982", "983"}},
		{`21[1-8]\d{5}`, []string{"211", "212", "213", "214", "215", "216", "217", "218"}},
		{`\d{7}`, []string{""}},
	}
	for _, c := range cases {
		p, err := compileDigitPattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.leadingDigits(6); !reflect.DeepEqual(got, c.want) {
			t.Errorf("leadingDigits(%q) = %v, want %v", c.pattern, got, c.want)
		}
	}
}

func TestAdmitsPrefix(t *testing.T) {
	p, err := compileDigitPattern(`7(?:[1-57-9]\d{8}|624\d{6})`)
	if err != nil {
		t.Fatal(err)
	}
	for prefix, want := range map[string]bool{"": true, "7": true, "71": true, "76": true, "762": true, "763": false, "8": false, "7624123456": true, "76241234567": false} {
		if got := p.admitsPrefix(prefix); got != want {
			t.Errorf("admitsPrefix(%q) = %v, want %v", prefix, got, want)
		}
	}
}

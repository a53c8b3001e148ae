package main

import (
	"math"
	"testing"
)

// TestDec: tenths are written in their shortest form.
func TestDec(t *testing.T) {
	for in, want := range map[int]string{0: "0", 12: "1.2", -3: "-.3", 10: "1", -15: "-1.5", 5: ".5", 1234: "123.4"} {
		if got := dec(in); got != want {
			t.Errorf("dec(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestUnwrap: a ring crossing the antimeridian becomes continuous and is
// moved to the side where most of it lies; others are unchanged.
func TestUnwrap(t *testing.T) {
	ring := [][2]float64{{178, 10}, {179.5, 11}, {-179.5, 11}, {-179, 10}, {178, 10}}
	out := unwrap(ring)
	for i := 1; i < len(out); i++ {
		if math.Abs(out[i][0]-out[i-1][0]) > 180 {
			t.Fatalf("jump left between %v and %v", out[i-1], out[i])
		}
	}
	if out[0][0] != 178 || out[2][0] != 180.5 {
		t.Fatalf("unwrapped %v", out)
	}
	plain := [][2]float64{{10, 10}, {11, 11}, {10, 12}}
	if got := unwrap(plain); got[1] != plain[1] {
		t.Fatalf("a plain ring changed: %v", got)
	}
}

// TestProject: the frame spans [0, width] in x, y grows southwards from
// maxLat, and everything south of minLat is clamped.
func TestProject(t *testing.T) {
	x0, _ := project(-180, 0)
	x1, _ := project(180, 0)
	if math.Abs(x0) > 1e-9 || math.Abs(x1-width) > 1e-9 {
		t.Fatalf("x range %v..%v", x0, x1)
	}
	if _, y := project(0, maxLat); math.Abs(y) > 1e-9 {
		t.Fatalf("maxLat at y=%v", y)
	}
	_, yEq := project(0, 0)
	_, ySouth := project(0, -40)
	_, yMin := project(0, minLat)
	_, yPole := project(0, -89)
	if !(yEq < ySouth && ySouth < yMin) || yPole != yMin {
		t.Fatalf("y order: eq %v, -40 %v, min %v, pole %v", yEq, ySouth, yMin, yPole)
	}
}

package tokenizer

import (
	"errors"
	"strconv"
)

// pow10 holds 1e0..1e308, each correctly rounded, like the table the Rust serde_json crate uses.
var pow10 = func() [309]float64 {
	var t [309]float64
	for i := range t {
		t[i], _ = strconv.ParseFloat("1e"+strconv.Itoa(i), 64)
	}
	return t
}()

// parseSerdeFloat parses a JSON number the way serde_json does without its float_roundtrip
// feature: the decimal digits go into a u64 and are scaled by one power of ten, which can differ
// from the correctly rounded value by one unit in the last place. Unigram scores must be read
// this way, or Viterbi breaks exact ties differently from the library.
func parseSerdeFloat(s string) (float64, error) {
	bad := errors.New("invalid number " + strconv.Quote(s))
	i := 0
	positive := true
	if i < len(s) && s[i] == '-' {
		positive = false
		i++
	}
	var sig uint64
	exp := 0
	overflowed := false
	digits := 0
	addDigit := func(d uint64, fraction bool) {
		if overflowed || sig > (^uint64(0)-d)/10 {
			overflowed = true
			if !fraction {
				exp++ // an integer digit past u64 still scales the value
			}
			return
		}
		sig = sig*10 + d
		if fraction {
			exp--
		}
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		addDigit(uint64(s[i]-'0'), false)
		i++
		digits++
	}
	if digits == 0 {
		return 0, bad
	}
	if i < len(s) && s[i] == '.' {
		i++
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			addDigit(uint64(s[i]-'0'), true)
			i++
			n++
		}
		if n == 0 {
			return 0, bad
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		e := 0
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if e < 100000 {
				e = e*10 + int(s[i]-'0')
			}
			i++
			n++
		}
		if n == 0 {
			return 0, bad
		}
		if neg {
			e = -e
		}
		exp += e
	}
	if i != len(s) {
		return 0, bad
	}
	f := float64(sig)
	for {
		abs := exp
		if abs < 0 {
			abs = -abs
		}
		if abs < len(pow10) {
			if exp >= 0 {
				f *= pow10[abs]
			} else {
				f /= pow10[abs]
			}
			break
		}
		if f == 0 {
			break
		}
		if exp >= 0 {
			return 0, errors.New("number out of range")
		}
		f /= 1e308
		exp += 308
	}
	if !positive {
		f = -f
	}
	return f, nil
}

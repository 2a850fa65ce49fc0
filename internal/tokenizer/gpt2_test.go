package tokenizer

import (
	"reflect"
	"testing"
)

func TestGPT2PatternSplitsLikeTheRegex(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"words keep their leading space", "Hello my friend", []string{"Hello", " my", " friend"}},
		{"contractions split off", "don't you'll", []string{"don", "'t", " you", "'ll"}},
		{"numbers and punctuation are runs of their own", "a1b2 ?!", []string{"a", "1", "b", "2", " ?!"}},
		{"the last of several spaces joins the next word", "a   b", []string{"a", "  ", " b"}},
		{"trailing spaces stay together", "a  ", []string{"a", "  "}},
		{"whitespace before a word gives up its last character", "a \nb", []string{"a", " ", "\n", "b"}},
		{"letters of any script", "naïve 東京", []string{"naïve", " 東京"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range (gpt2Finder{}).findAll(tt.in, nil) {
				got = append(got, tt.in[m[0]:m[1]])
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("split %q = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestUnigramScoresAreReadLikeSerdeJSON(t *testing.T) {
	// serde_json scales the integer of all digits by one power of ten; for this score that lands
	// one unit in the last place away from the correctly rounded value, and Viterbi ties depend
	// on it.
	const s = "-10.239307164270715"
	got, err := parseSerdeFloat(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := -(float64(10239307164270715) / 1e15); got != want {
		t.Fatalf("parseSerdeFloat(%s) = %v, want %v", s, got, want)
	}
	for _, bad := range []string{"", "-", "1.", "1e", "x"} {
		if _, err := parseSerdeFloat(bad); err == nil {
			t.Errorf("parseSerdeFloat(%q) succeeded", bad)
		}
	}
}

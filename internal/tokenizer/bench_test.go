package tokenizer

import (
	"fmt"
	"testing"
)

// benchTexts is the golden corpus, so the benchmark measures the same mix of texts that
// scripts/bench_tokenizer.py gives the reference library.
func benchTexts(b *testing.B) []string {
	g := loadGoldens(b)
	var out []string
	for i, s := range g.resolved {
		if !g.missing[i] {
			out = append(out, s)
		}
	}
	return out
}

// BenchmarkEncode encodes the corpus one text at a time and reports tokens per second.
func BenchmarkEncode(b *testing.B) {
	texts := benchTexts(b)
	for _, name := range benchTokenizers {
		b.Run(name, func(b *testing.B) {
			tk := loadTestTokenizer(b, name)
			o := Options{AddSpecialTokens: true}
			tokens := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, s := range texts {
					e, err := tk.Encode(s, o)
					if err != nil {
						b.Fatal(err)
					}
					tokens += e.Len()
				}
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkEncodeBatch encodes the corpus as one batch on all cores.
func BenchmarkEncodeBatch(b *testing.B) {
	texts := benchTexts(b)
	inputs := make([]Input, len(texts))
	for i, s := range texts {
		inputs[i] = Input{Text: s}
	}
	for _, name := range benchTokenizers {
		b.Run(name, func(b *testing.B) {
			tk := loadTestTokenizer(b, name)
			o := Options{AddSpecialTokens: true}
			tokens := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				encs, err := tk.EncodeBatch(inputs, o)
				if err != nil {
					b.Fatal(err)
				}
				for _, e := range encs {
					tokens += e.Len()
				}
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkEncodeBatchSmall encodes the corpus in batches of a few texts, as a server's requests
// bring them, and reports tokens per second.
func BenchmarkEncodeBatchSmall(b *testing.B) {
	texts := benchTexts(b)
	tk := loadTestTokenizer(b, benchTokenizers[0])
	o := Options{AddSpecialTokens: true}
	for _, size := range []int{1, 4} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			tokens := 0
			for i := 0; i < b.N; i++ {
				for k := 0; k+size <= len(texts); k += size {
					inputs := make([]Input, size)
					for j := range inputs {
						inputs[j] = Input{Text: texts[k+j]}
					}
					encs, err := tk.EncodeBatch(inputs, o)
					if err != nil {
						b.Fatal(err)
					}
					for _, e := range encs {
						tokens += e.Len()
					}
				}
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

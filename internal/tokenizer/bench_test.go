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
	inputs := inputsOf(benchTexts(b))
	for _, name := range benchTokenizers {
		b.Run(name, func(b *testing.B) {
			tk := loadTestTokenizer(b, name)
			tokens := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tokens += encodeBatch(b, tk, inputs)
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkEncodeBatchSmall encodes the corpus in batches of a few texts, as a server's requests
// bring them, and reports tokens per second.
func BenchmarkEncodeBatchSmall(b *testing.B) {
	inputs := inputsOf(benchTexts(b))
	tk := loadTestTokenizer(b, benchTokenizers[0])
	for _, size := range []int{1, 4} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			tokens := 0
			for i := 0; i < b.N; i++ {
				for k := 0; k+size <= len(inputs); k += size {
					tokens += encodeBatch(b, tk, inputs[k:k+size])
				}
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

func inputsOf(texts []string) []Input {
	inputs := make([]Input, len(texts))
	for i, s := range texts {
		inputs[i] = Input{Text: s}
	}
	return inputs
}

// encodeBatch encodes inputs with special tokens and returns how many tokens they made.
func encodeBatch(b *testing.B, tk *Tokenizer, inputs []Input) int {
	encs, err := tk.EncodeBatch(inputs, Options{AddSpecialTokens: true})
	if err != nil {
		b.Fatal(err)
	}
	tokens := 0
	for _, e := range encs {
		tokens += e.Len()
	}
	return tokens
}

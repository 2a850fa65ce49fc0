package tokenizer

// The tokenizer.json files in testdata that the fuzz target and the benchmarks use: one per model
// family, plus the pre-tokenizer and normalizer mixes.
var (
	fuzzTokenizers  = []string{"bert-base-uncased", "labse-mini", "roberta-style", "xlmr-style-unigram", "llama-style-bpe", "split-components", "unigram-components", "bytelevel-components"}
	benchTokenizers = []string{"bert-base-uncased", "gpt2", "xlmr-style-unigram"}
)

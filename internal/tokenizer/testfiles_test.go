package tokenizer

// The tokenizer.json files in testdata that the fuzz target and the benchmarks use.
var (
	fuzzTokenizers  = []string{"bert-base-uncased", "labse-mini"}
	benchTokenizers = []string{"bert-base-uncased"}
)

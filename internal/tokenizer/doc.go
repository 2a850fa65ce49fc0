// Package tokenizer loads a Hugging Face tokenizer.json and encodes text exactly as the Rust
// `tokenizers` library does, in pure Go.
//
// Encoding follows the library's pipeline: added tokens are split out of the raw text, the rest is
// normalized (normalizer.go keeps, for every normalized byte, the span of the original text it came
// from), pre-tokenized into words, cut into tokens by the model (WordPiece, BPE, Unigram or
// WordLevel), truncated, wrapped by the post-processor and padded. Offsets are byte offsets into the
// original text; CharOffsets converts them to the code point offsets the Python binding reports.
package tokenizer

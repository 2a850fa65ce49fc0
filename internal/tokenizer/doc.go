// Package tokenizer loads a Hugging Face tokenizer.json and encodes text exactly as the Rust
// `tokenizers` library (as used from Python) does, in pure Go.
//
// Encoding follows the library's pipeline: added tokens are split out of the raw text
// (added.go), the rest is normalized (normalizer*.go; normalized.go keeps, for every normalized
// byte, the span of the original text it came from), pre-tokenized into words
// (pretokenizers.go, pattern.go, gpt2.go), cut into tokens by the model (wordpiece.go, bpe.go,
// unigram.go, WordLevel in components.go), truncated, wrapped by the post-processor
// (postprocess.go, components.go) and padded (encoding.go). decoders.go turns ids back into text.
//
// Offsets are byte offsets into the input; CharOffsets converts them to the code point offsets the
// Python binding reports. Input that is not valid UTF-8 is first cleaned the way Python's
// bytes.decode("utf-8", "replace") does (each maximal invalid sequence becomes U+FFFD), since the
// binding only ever sees decoded text; offsets then refer to the cleaned text.
//
// The character classes the library takes from its Rust crates (whitespace, punctuation, marks,
// lowercase mappings, script membership) are tables read off the library itself, in
// unicode_tables.go; scripts/gen_tokenizer_goldens.py regenerates them and the golden tests.
package tokenizer

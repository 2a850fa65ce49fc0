package tokenizer

import "strings"

// DecodeTokens joins token strings into text with the tokenizer's decoder (or spaces when it has
// none), as transformers' convert_tokens_to_string does: NER uses it to spell an entity's word.
func (t *Tokenizer) DecodeTokens(tokens []string) string {
	if t.dec == nil {
		return strings.Join(tokens, " ")
	}
	return strings.Join(t.dec.decodeChain(append([]string(nil), tokens...)), "")
}

// IsSpecial reports whether tok is a special added token ([CLS], <s>, [MASK], ...).
func (t *Tokenizer) IsSpecial(tok string) bool { return t.added.special[tok] }

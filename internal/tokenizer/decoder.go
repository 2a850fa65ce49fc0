package tokenizer

import "strings"

// decoder turns tokens back into text. decodeChain may rewrite the tokens; the result is their
// concatenation.
type decoder interface {
	decodeChain(tokens []string) []string
}

// wordPieceDecoder is the WordPiece decoder: glue continuation pieces, space out the rest.
type wordPieceDecoder struct {
	prefix  string
	cleanup bool
}

func (d *wordPieceDecoder) decodeChain(tokens []string) []string {
	for i, t := range tokens {
		if i != 0 {
			if rest, ok := strings.CutPrefix(t, d.prefix); ok {
				t = rest
			} else {
				t = " " + t
			}
		}
		if d.cleanup {
			t = cleanupSpaces(t)
		}
		tokens[i] = t
	}
	return tokens
}

var cleanupReplacer = []struct{ from, to string }{
	{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
	{" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
}

// cleanupSpaces removes the spaces the decoders put before punctuation and English contractions.
// The replacements run one after the other, as the library chains them.
func cleanupSpaces(s string) string {
	for _, r := range cleanupReplacer {
		if strings.Contains(s, r.from) {
			s = strings.ReplaceAll(s, r.from, r.to)
		}
	}
	return s
}

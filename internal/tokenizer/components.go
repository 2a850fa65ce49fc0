package tokenizer

import "encoding/json"

func parseNormalizerMore(typ string, raw json.RawMessage) (normalizer, error) {
	return nil, unsupported("normalizer", typ)
}

func parsePreTokenizerMore(typ string, raw json.RawMessage) (preTokenizer, error) {
	return nil, unsupported("pre-tokenizer", typ)
}

func parseModelMore(typ string, raw json.RawMessage) (model, error) {
	return nil, unsupported("model", typ)
}

func parsePostProcessorMore(typ string, raw json.RawMessage, m model) (postProcessor, error) {
	return nil, unsupported("post-processor", typ)
}

func parseDecoderMore(typ string, raw json.RawMessage) (decoder, error) {
	return nil, unsupported("decoder", typ)
}

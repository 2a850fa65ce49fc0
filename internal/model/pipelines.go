package model

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/pipeline"
	"github.com/bertserve/bertserve/internal/postprocess"
)

// buildPipelines wires the pipelines the model's task allows. A text-classification model with a
// single logit is a cross-encoder and also reranks; an embedding model reranks by cosine.
func (m *Model) buildPipelines(tokPath string, met *metrics.Metrics) error {
	cfg, enc, name := m.Config, m.Encoder, m.Config.Name
	tok := enc.Tokenizer
	switch cfg.Task {
	case TaskFeatureExtraction:
		pool, _ := postprocess.ParsePooling(cfg.Pooling) // validated with the config
		m.Embedder = &pipeline.Embedder{
			Model: name, Encoder: enc, Queue: m.batcher, Hidden: m.Dimension,
			Pooling: pool, Normalize: cfg.Normalize, Metrics: met,
		}
		m.Reranker = &pipeline.Reranker{Model: name, Embedder: m.Embedder}
	case TaskTextClassification, TaskZeroShot:
		m.Classifier = &pipeline.Classifier{Model: name, Encoder: enc, Queue: m.batcher, Labels: m.Labels,
			ProblemType: cfg.ProblemType, Metrics: met}
		if len(m.Labels) == 1 {
			m.Reranker = &pipeline.Reranker{Model: name, Cross: m.Classifier}
		}
		if cfg.Task == TaskZeroShot {
			m.ZeroShot = &pipeline.ZeroShot{Classifier: m.Classifier, EntailmentID: *cfg.EntailmentID}
		}
	case TaskTokenClass:
		info, err := readTokenizerModel(tokPath)
		if err != nil {
			return err
		}
		unk := -1
		if id, ok := tok.TokenToID(info.UnkToken); ok && info.UnkToken != "" {
			unk = id
		} else if info.UnkID != nil {
			unk = *info.UnkID
		}
		m.Recognizer = &pipeline.Recognizer{Model: name, Encoder: enc, Queue: m.batcher, Labels: m.Labels,
			WordAware: info.ContinuingSubwordPrefix != "", UnkID: unk, Metrics: met}
	case TaskQuestionAnswering:
		cls := -1
		for _, t := range []string{"[CLS]", "<s>"} {
			if id, ok := tok.TokenToID(t); ok {
				cls = id
				break
			}
		}
		m.Answerer = &pipeline.Answerer{Model: name, Encoder: enc, Queue: m.batcher, CLSID: cls, Metrics: met}
	case TaskFillMask:
		maskID, ok := tok.TokenToID(cfg.MaskToken)
		if !ok {
			return fmt.Errorf("%s: mask_token %q is not in tokenizer.json", ConfigFile, cfg.MaskToken)
		}
		m.Filler = &pipeline.Filler{Model: name, Encoder: enc, Queue: m.batcher, MaskToken: cfg.MaskToken,
			MaskID: maskID, PadID: int(padValue("input_ids", tok)), Vocab: m.Dimension, Metrics: met}
	}
	return nil
}

// tokenizerModel is what the NER pipeline needs from tokenizer.json's model section.
type tokenizerModel struct {
	UnkToken                string `json:"unk_token"`
	UnkID                   *int   `json:"unk_id"` // Unigram
	ContinuingSubwordPrefix string `json:"continuing_subword_prefix"`
}

func readTokenizerModel(path string) (tokenizerModel, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return tokenizerModel{}, err
	}
	var doc struct {
		Model json.RawMessage `json:"model"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return tokenizerModel{}, fmt.Errorf("%s: %w", path, err)
	}
	var tm tokenizerModel
	// Fields of another type (BPE's null prefix) stay empty, which is what they mean here.
	_ = json.Unmarshal(doc.Model, &tm)
	return tm, nil
}

package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/onnxgraph"
	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/pipeline"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// packedGraph rewrites the model's graph to take packed rows (onnxgraph.Pack) when its outputs
// are all per token, so that a batch of texts of different lengths runs without padding. It
// returns the rewritten graph and the index of the feed that carries the segment numbers, or why
// the model keeps padded batches.
func packedGraph(onnxPath string, cfg Config, inputs []string, layout []batch.Output) ([]byte, int, error) {
	segments := slices.Index(inputs, cfg.inputName("attention_mask"))
	if segments < 0 {
		return nil, 0, errors.New("the graph has no attention mask input")
	}
	for _, o := range layout {
		if !o.PerToken {
			return nil, 0, errors.New("its output has one row per sequence, which packed rows cannot give")
		}
	}
	data, err := os.ReadFile(onnxPath)
	if err != nil {
		return nil, 0, err
	}
	packed, err := onnxgraph.Pack(data, inputs[segments])
	if err != nil {
		return nil, 0, err
	}
	return packed, segments, nil
}

// packingProbe is what checkPacking runs: texts of different lengths, so that a packed row holds
// sequences that start at different positions.
var packingProbe = []string{
	"Packing puts several short texts into one row.",
	"Each keeps its own positions",
	"and attends only to itself.",
}

// checkPacking runs the probe texts through the packed session three ways: each text alone, all
// of them as a padded batch, and all of them packed in one row. It fails if a packed text differs
// from its own run by more than twice what the padded batch differs by, plus rounding: in float32
// both differ by about 1e-7 of the output's largest value, and with dynamic int8 quantization
// (which scales each tensor by its largest value, so batch companions move every result) both by
// about 0.06, while a rewrite that let the texts see each other or shifted their positions missed
// by about 0.3 on all-MiniLM-L6-v2.
func checkPacking(s *ort.Session, tok *tokenizer.Tokenizer, feeds []pipeline.Feed, segments int) error {
	var encs []*tokenizer.Encoding
	total, longest := 0, 0
	for _, text := range packingProbe {
		enc, err := tok.Encode(text, tokenizer.Options{AddSpecialTokens: true})
		if err != nil {
			return fmt.Errorf("packing check: %w", err)
		}
		encs = append(encs, enc)
		total, longest = total+len(enc.IDs), max(longest, len(enc.IDs))
	}
	values := func(enc *tokenizer.Encoding, f pipeline.Feed) []int {
		switch f {
		case pipeline.FeedAttentionMask:
			return enc.AttentionMask
		case pipeline.FeedTokenTypeIDs:
			return enc.TypeIDs
		}
		return enc.IDs
	}
	packed, padded := make([][]int64, len(feeds)), make([][]int64, len(feeds))
	for i, f := range feeds {
		padded[i] = make([]int64, len(encs)*longest)
		for k, enc := range encs {
			for t, v := range values(enc, f) {
				padded[i][k*longest+t] = int64(v)
				if i == segments {
					v = k + 1
				}
				packed[i] = append(packed[i], int64(v))
			}
		}
	}
	packedOut, err := runOnce(s, 1, total, packed)
	if err != nil {
		return fmt.Errorf("packing check: %w", err)
	}
	paddedOut, err := runOnce(s, len(encs), longest, padded)
	if err != nil {
		return fmt.Errorf("packing check: %w", err)
	}

	offset := 0
	for k, enc := range encs {
		n := len(enc.IDs)
		alone := make([][]int64, len(feeds))
		for i, f := range feeds {
			for _, v := range values(enc, f) {
				alone[i] = append(alone[i], int64(v))
			}
		}
		want, err := runOnce(s, 1, n, alone)
		if err != nil {
			return fmt.Errorf("packing check: %w", err)
		}
		for j := range want {
			width := len(want[j]) / n
			scale, packedDiff, paddedDiff := 1.0, 0.0, 0.0
			for t, w := range want[j] {
				scale = max(scale, math.Abs(float64(w)))
				packedDiff = max(packedDiff, math.Abs(float64(packedOut[j][offset*width+t]-w)))
				paddedDiff = max(paddedDiff, math.Abs(float64(paddedOut[j][k*longest*width+t]-w)))
			}
			// Written so that a NaN anywhere (a graph that reads segment numbers as mask weights
			// overflows) fails the check too.
			if !(packedDiff <= 2*paddedDiff+1e-3*scale) {
				return fmt.Errorf("packing check: a text packed with others differs from its own run by %.3g, "+
					"in a padded batch by %.3g (largest value %.3g)", packedDiff, paddedDiff, scale)
			}
		}
		offset += n
	}
	return nil
}

func runOnce(s *ort.Session, rows, seqLen int, feeds [][]int64) ([][]float32, error) {
	outs := make([][]float32, len(s.Outputs()))
	for j := range outs {
		n := int64(1)
		for _, d := range s.OutputShape(j, rows, seqLen) {
			n *= d
		}
		outs[j] = make([]float32, n)
	}
	return outs, s.Run(context.Background(), rows, seqLen, feeds, outs)
}

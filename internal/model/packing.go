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
func checkPacking(s *ort.Session, enc *pipeline.Encoder, segments int) error {
	var encs []*tokenizer.Encoding
	for _, text := range packingProbe {
		e, err := enc.Tokenizer.Encode(text, tokenizer.Options{AddSpecialTokens: true})
		if err != nil {
			return fmt.Errorf("packing check: %w", err)
		}
		encs = append(encs, e)
	}
	items := enc.Items(encs)
	total, longest := 0, 0
	for _, it := range items {
		total, longest = total+it.Len(), max(longest, it.Len())
	}
	packed, padded := make([][]int64, len(enc.Feeds)), make([][]int64, len(enc.Feeds))
	for i := range enc.Feeds {
		padded[i] = make([]int64, len(items)*longest)
		for k, it := range items {
			copy(padded[i][k*longest:], it.Feeds[i])
			for _, v := range it.Feeds[i] {
				if i == segments {
					v = int64(k + 1)
				}
				packed[i] = append(packed[i], v)
			}
		}
	}
	packedOut, err := runOnce(s, 1, total, packed)
	if err != nil {
		return fmt.Errorf("packing check: %w", err)
	}
	paddedOut, err := runOnce(s, len(items), longest, padded)
	if err != nil {
		return fmt.Errorf("packing check: %w", err)
	}

	offset := 0
	for k, it := range items {
		n := it.Len()
		want, err := runOnce(s, 1, n, it.Feeds)
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

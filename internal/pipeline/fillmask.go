package pipeline

import (
	"context"
	"sort"
	"time"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/postprocess"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// Filler predicts the tokens behind a masked language model's mask token (BERT's pretraining task).
type Filler struct {
	Model     string
	Encoder   *Encoder
	Queue     Queue
	MaskToken string
	MaskID    int
	PadID     int
	Vocab     int // logits per position
	Metrics   *metrics.Metrics
}

// FillMaskRequest asks for the likeliest fillers of each mask of each input.
type FillMaskRequest struct {
	Inputs   []string
	TopK     int
	Targets  []int // when set, only these token ids are scored
	Truncate bool
}

// Fill is one candidate for a mask.
type Fill struct {
	Token    int
	TokenStr string
	Score    float64
	Sequence string // the input with the mask replaced, decoded
}

// FillMaskResult holds, per input, per mask (in text order), the candidates, best first.
type FillMaskResult struct {
	Fills        [][][]Fill
	PromptTokens int
}

// Fill runs req.
func (f *Filler) Fill(ctx context.Context, req FillMaskRequest) (*FillMaskResult, error) {
	start := time.Now()
	inputs := make([]Input, len(req.Inputs))
	for i, s := range req.Inputs {
		inputs[i] = Input{Text: s}
	}
	encs, err := f.Encoder.encode(inputs, req.Truncate, LongestFirst, "inputs")
	if err != nil {
		return nil, err
	}
	masks := make([][]int, len(encs))
	for i, enc := range encs {
		for k, id := range enc.IDs {
			if id == f.MaskID {
				masks[i] = append(masks[i], k)
			}
		}
		if len(masks[i]) == 0 {
			name := "inputs"
			if len(encs) > 1 {
				name = fieldIndex("inputs", i)
			}
			return nil, errs.Field(errs.Invalid, name, "has no mask token %s (within the model's first %d tokens)", f.MaskToken, f.Encoder.MaxLength)
		}
	}
	rows, tokens, err := f.Encoder.run(ctx, f.Queue, f.Metrics, f.Model, start, encs)
	if err != nil {
		return nil, err
	}

	topK := req.TopK
	if len(req.Targets) > 0 && len(req.Targets) < topK {
		topK = len(req.Targets)
	}
	out := &FillMaskResult{Fills: make([][][]Fill, len(encs)), PromptTokens: tokens}
	for i, enc := range encs {
		single := len(masks[i]) == 1
		for _, pos := range masks[i] {
			probs := postprocess.Softmax(rows[i][0][pos*f.Vocab : (pos+1)*f.Vocab])
			cands := req.Targets
			if len(cands) == 0 {
				cands = make([]int, len(probs))
				for k := range cands {
					cands[k] = k
				}
			}
			best := topIndexes(probs, cands, topK)
			fills := make([]Fill, len(best))
			for r, id := range best {
				ids := make([]int, 0, len(enc.IDs))
				for k, x := range enc.IDs {
					if k == pos {
						x = id
					}
					if x != f.PadID {
						ids = append(ids, x)
					}
				}
				fills[r] = Fill{
					Token: id, TokenStr: f.Encoder.Tokenizer.Decode([]int{id}, false), Score: probs[id],
					// With several masks the other masks stay visible, so specials are kept.
					Sequence: f.Encoder.Tokenizer.Decode(ids, single),
				}
			}
			out.Fills[i] = append(out.Fills[i], fills)
		}
	}
	return out, nil
}

// topIndexes returns the k candidates with the highest probability, best first.
func topIndexes(probs []float64, cands []int, k int) []int {
	sorted := append([]int(nil), cands...)
	sort.SliceStable(sorted, func(a, b int) bool { return probs[sorted[a]] > probs[sorted[b]] })
	if k < len(sorted) {
		sorted = sorted[:k]
	}
	return sorted
}

// TargetIDs turns target words into token ids as Hugging Face does: a vocabulary entry as it is,
// else the first token the word encodes to. Duplicates collapse.
func (f *Filler) TargetIDs(targets []string) ([]int, error) {
	seen := map[int]bool{}
	var ids []int
	for i, t := range targets {
		id, ok := f.Encoder.Tokenizer.TokenToID(t)
		if !ok {
			enc, err := f.Encoder.Tokenizer.Encode(t, tokenizer.Options{})
			if err != nil || len(enc.IDs) == 0 {
				return nil, errs.Field(errs.Invalid, fieldIndex("targets", i), "%q encodes to no token", t)
			}
			id = enc.IDs[0]
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

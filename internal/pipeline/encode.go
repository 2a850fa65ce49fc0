package pipeline

import (
	"time"

	"context"
	"fmt"
	"github.com/bertserve/bertserve/internal/metrics"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

// Feed names what one model input receives.
type Feed int

const (
	FeedInputIDs Feed = iota
	FeedAttentionMask
	FeedTokenTypeIDs
)

// Encoder tokenizes inputs for one model and shapes them into batch items.
type Encoder struct {
	Tokenizer *tokenizer.Tokenizer
	MaxLength int    // tokens the model takes, special tokens included
	Feeds     []Feed // the model's inputs, in the order its Runner takes them
}

// Input is one text, or a pair of texts (cross-encoders, QA, NLI).
type Input struct {
	Text   string
	Pair   string
	IsPair bool
}

// Truncation strategies, as the tokenizers library names them.
const (
	LongestFirst = "longest_first" // cut the longer of a pair first
	OnlyFirst    = "only_first"    // cut only the first text (the premise, for NLI)
	OnlySecond   = "only_second"   // cut only the second text (the context, for QA)
)

// Cut says what to do with an input longer than the model takes.
type Cut struct {
	Truncate bool   // cut it; otherwise refuse it with errs.TooLong
	Strategy string // LongestFirst (the default), OnlyFirst or OnlySecond
	Left     bool   // cut at the start instead of the end
}

// encode tokenizes inputs with special tokens, cutting (or refusing, naming the field
// "<field>[i]") inputs longer than MaxLength as cut says.
func (e *Encoder) encode(inputs []Input, truncate bool, strategy, field string) ([]*tokenizer.Encoding, error) {
	return e.encodeCut(inputs, Cut{Truncate: truncate, Strategy: strategy}, field)
}

// encodeDirection is encode, cutting long inputs at their start when left is set.
func (e *Encoder) encodeDirection(inputs []Input, truncate, left bool, field string) ([]*tokenizer.Encoding, error) {
	return e.encodeCut(inputs, Cut{Truncate: truncate, Left: left}, field)
}

func (e *Encoder) encodeCut(inputs []Input, c Cut, field string) ([]*tokenizer.Encoding, error) {
	opts := tokenizer.Options{AddSpecialTokens: true}
	encs, err := e.Tokenizer.EncodeBatch(toTokenizerInputs(inputs), opts)
	if err != nil {
		return nil, errs.New(errs.Invalid, "%s: cannot tokenize: %v", field, err)
	}
	var cut []int
	for i, enc := range encs {
		if len(enc.IDs) <= e.MaxLength {
			continue
		}
		if !c.Truncate {
			name := field
			if len(inputs) > 1 {
				name = fmt.Sprintf("%s[%d]", field, i)
			}
			return nil, errs.Field(errs.TooLong, name,
				"has %d tokens, more than the model's maximum of %d; shorten it or set truncate to true",
				len(enc.IDs), e.MaxLength)
		}
		cut = append(cut, i)
	}
	if len(cut) > 0 {
		direction, strategy := "right", c.Strategy
		if c.Left {
			direction = "left"
		}
		if strategy == "" {
			strategy = LongestFirst
		}
		// Only the first window is used, so the cut-off rest is not built (for pairs it grows fast).
		opts.Truncation = &tokenizer.Truncation{MaxLength: e.MaxLength, Strategy: strategy, Direction: direction, DropOverflow: true}
		for _, i := range cut {
			enc, err := e.encodeOne(inputs[i], opts)
			if err != nil {
				return nil, errs.New(errs.Invalid, "%s: cannot truncate: %v", field, err)
			}
			encs[i] = enc
		}
	}
	return encs, nil
}

func (e *Encoder) encodeOne(in Input, opts tokenizer.Options) (*tokenizer.Encoding, error) {
	if in.IsPair {
		return e.Tokenizer.EncodePair(in.Text, in.Pair, opts)
	}
	return e.Tokenizer.Encode(in.Text, opts)
}

func toTokenizerInputs(inputs []Input) []tokenizer.Input {
	out := make([]tokenizer.Input, len(inputs))
	for i, in := range inputs {
		out[i] = tokenizer.Input{Text: in.Text, Pair: in.Pair, IsPair: in.IsPair}
	}
	return out
}

// Items shapes encodings into batch items, one feed per model input.
func (e *Encoder) Items(encs []*tokenizer.Encoding) []batch.Item {
	items := make([]batch.Item, len(encs))
	for i, enc := range encs {
		feeds := make([][]int64, len(e.Feeds))
		for k, f := range e.Feeds {
			switch f {
			case FeedInputIDs:
				feeds[k] = widen(enc.IDs)
			case FeedAttentionMask:
				feeds[k] = widen(enc.AttentionMask)
			case FeedTokenTypeIDs:
				feeds[k] = widen(enc.TypeIDs)
			}
		}
		items[i] = batch.Item{Feeds: feeds}
	}
	return items
}

func widen(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// countTokens is the usage figure: every token fed to the model.
func countTokens(encs []*tokenizer.Encoding) int {
	n := 0
	for _, enc := range encs {
		n += len(enc.IDs)
	}
	return n
}

// WarmUp runs n short inputs through q at once, so that the first request does not pay for the model's
// lazy initialisation.
func (e *Encoder) WarmUp(ctx context.Context, q Queue, n int) error {
	inputs := make([]Input, n)
	for i := range inputs {
		inputs[i] = Input{Text: "warm up", Pair: "warm up", IsPair: true}
	}
	encs, err := e.encode(inputs, true, LongestFirst, "inputs")
	if err != nil {
		return err
	}
	_, err = q.Run(ctx, e.Items(encs))
	return err
}

// run records the tokenize stage (begun at start) and the input tokens of model, then runs encs on
// q. It returns one result per encoding and the tokens fed, the usage figure.
func (e *Encoder) run(ctx context.Context, q Queue, m *metrics.Metrics, model string, start time.Time,
	encs []*tokenizer.Encoding) ([]batch.Result, int, error) {
	took, tokens := time.Since(start), countTokens(encs)
	m.ObserveStage(model, metrics.StageTokenize, took)
	m.AddInputTokens(model, tokens)
	metrics.StatsFrom(ctx).Tokenized(model, tokens, took)
	rows, err := q.Run(ctx, e.Items(encs))
	return rows, tokens, err
}

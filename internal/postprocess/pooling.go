package postprocess

import (
	"fmt"
	"math"
)

// Pooling names how token states become one sentence vector, as sentence-transformers' Pooling
// module does it.
type Pooling string

const (
	PoolMean        Pooling = "mean"          // average of the tokens' states
	PoolCLS         Pooling = "cls"           // the first token's state
	PoolMax         Pooling = "max"           // element-wise maximum over tokens
	PoolMeanSqrtLen Pooling = "mean_sqrt_len" // sum divided by the square root of the token count
	PoolLast        Pooling = "last"          // the last token's state
)

// ParsePooling validates a pooling name.
func ParsePooling(s string) (Pooling, error) {
	switch p := Pooling(s); p {
	case PoolMean, PoolCLS, PoolMax, PoolMeanSqrtLen, PoolLast:
		return p, nil
	}
	return "", fmt.Errorf("unknown pooling %q (want mean, cls, max, mean_sqrt_len or last)", s)
}

// Pool reduces states, seqLen rows of hidden values each holding only real (unpadded) tokens, to one
// vector. It accumulates in float64 so that the result does not depend on the sequence length's
// rounding, then rounds once.
func Pool(p Pooling, states []float32, seqLen, hidden int) []float32 {
	out := make([]float32, hidden)
	if seqLen == 0 {
		return out
	}
	switch p {
	case PoolCLS:
		copy(out, states[:hidden])
	case PoolLast:
		copy(out, states[(seqLen-1)*hidden:seqLen*hidden])
	case PoolMax:
		copy(out, states[:hidden])
		for t := 1; t < seqLen; t++ {
			row := states[t*hidden : (t+1)*hidden]
			for i, v := range row {
				if v > out[i] {
					out[i] = v
				}
			}
		}
	default:
		sum := make([]float64, hidden)
		for t := 0; t < seqLen; t++ {
			row := states[t*hidden : (t+1)*hidden]
			for i, v := range row {
				sum[i] += float64(v)
			}
		}
		div := float64(seqLen)
		if p == PoolMeanSqrtLen {
			div = math.Sqrt(div)
		}
		for i, v := range sum {
			out[i] = float32(v / div)
		}
	}
	return out
}

// Normalize scales v to unit L2 norm in place, like torch.nn.functional.normalize: a norm below
// 1e-12 is clamped so that a zero vector stays zero instead of becoming NaN.
func Normalize(v []float32) {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	norm := math.Max(math.Sqrt(sq), 1e-12)
	for i, x := range v {
		v[i] = float32(float64(x) / norm)
	}
}

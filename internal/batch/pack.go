package batch

import (
	"container/heap"
	"slices"
)

// packedRowTokens bounds a packed row: sequences share a row only up to this many tokens (or the
// longest sequence of the batch, if longer). Attention costs grow with the square of a row's
// length: on one thread, 192 tokens as one row of 16 short sentences took 1.11× (fp32) and 1.35×
// (int8, whose dense layers are quantized but attention is not) the time of 16 rows of 12, while
// rows of up to 48 tokens cost the same as rows of 12 (all-MiniLM-L6-v2, best of three interleaved
// sets of 35 runs).
const packedRowTokens = 64

// attentionTokens weighs the attention part of a row's cost against the rest: a token in a row
// of L tokens costs about 1 + L/attentionTokens. The measurements above put it between 550
// (int8) and 1,750 (fp32) tokens.
const attentionTokens = 1024

// packRows lays sequences of the given lengths out in rows, several to a row, as a packed graph
// takes them: it returns, for each row, the indices of its sequences, and the row length (the
// fullest row). It picks the row count with the least cost, rows × length × (1 + length /
// attentionTokens), and for each count deals the sequences longest first to the emptiest row,
// which keeps rows even.
func packRows(lens []int) (rows [][]int, seqLen int) {
	order := make([]int, len(lens))
	longest, total := 0, 0
	for i, l := range lens {
		order[i] = i
		longest, total = max(longest, l), total+l
	}
	slices.SortStableFunc(order, func(a, b int) int { return lens[b] - lens[a] })
	rowCap := max(longest, packedRowTokens)

	bestCost := -1.0
	// Once the fullest row is no longer than the longest sequence, more rows only add empty space;
	// one sequence per row always gets there.
	for count := max(1, (total+rowCap-1)/rowCap); count <= len(lens); count++ {
		r, l := deal(lens, order, count)
		if l > rowCap {
			continue
		}
		cost := float64(count*l) * (1 + float64(l)/attentionTokens)
		if bestCost < 0 || cost < bestCost {
			rows, seqLen, bestCost = r, l, cost
		}
		if l == longest {
			break
		}
	}
	return rows, seqLen
}

// deal gives each sequence, longest first, to the row with the fewest tokens so far.
func deal(lens, order []int, count int) ([][]int, int) {
	rows := make([][]int, count)
	h := make(rowHeap, count)
	for i := range h {
		h[i] = rowFill{row: i}
	}
	longest := 0
	for _, i := range order {
		h[0].tokens += lens[i]
		rows[h[0].row] = append(rows[h[0].row], i)
		longest = max(longest, h[0].tokens)
		heap.Fix(&h, 0)
	}
	return rows, longest
}

type rowFill struct{ row, tokens int }

// rowHeap is a min-heap of rows by tokens (ties: lower row first, so results are deterministic).
type rowHeap []rowFill

func (h rowHeap) Len() int { return len(h) }
func (h rowHeap) Less(i, j int) bool {
	return h[i].tokens < h[j].tokens || h[i].tokens == h[j].tokens && h[i].row < h[j].row
}
func (h rowHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *rowHeap) Push(x any)   { *h = append(*h, x.(rowFill)) }
func (h *rowHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

package batch

// buffers are one worker's padded feeds and model outputs, kept from batch to batch so that the
// hot path does not allocate (and the garbage collector does not sweep) a padded batch-sized
// slab per run. Each buffer grows to the largest shape the worker has run and is then reused; the
// token budget bounds that size. Only the rows a request keeps are copied out (see execute).
type buffers struct {
	feeds   [][]int64
	outputs [][]float32
}

func newBuffers(inputs, outputs int) *buffers {
	return &buffers{feeds: make([][]int64, inputs), outputs: make([][]float32, outputs)}
}

// grow returns s with length n, reallocating only when its capacity is too small.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

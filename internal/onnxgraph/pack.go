package onnxgraph

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrNotPackable is wrapped by Pack's errors for graphs it does not know how to rewrite; the
// model then runs with padded batches as before.
var ErrNotPackable = errors.New("graph cannot take packed sequences")

// prefix names every tensor and node the rewrite adds.
const prefix = "bertserve.pack/"

// Pack rewrites an encoder graph so that its attention-mask input may carry segment numbers
// instead of ones: in a row, the tokens whose mask value is k form sequence k, attend only to each
// other, and take position ids that restart from 0 at the sequence's first token; 0 still marks
// padding. With a plain 0/1 mask every real token gets exactly the original graph's output, so the
// rewritten graph also serves padded batches.
//
// It knows BERT-style graphs (BERT, MiniLM, BGE, E5, GTE and their fine-tunes) as exported by
// torch.onnx, both the TorchScript and the dynamo exporter: every Softmax reads scores plus a bias
// computed from the mask, and the position embeddings are gathered from a slice of a constant
// position-id table. Anything else (positions computed from the input ids as in RoBERTa, fused
// attention operators, the mask used anywhere but the attention bias) is refused with an error
// wrapping ErrNotPackable, so a model is never rewritten into something that mixes sequences.
func Pack(model []byte, mask string) ([]byte, error) {
	top, err := parseFields(model)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	opset, err := opsetVersion(top)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	if opset < 11 {
		return nil, fmt.Errorf("%w: opset %d (packing needs 11 or later)", ErrNotPackable, opset)
	}
	gi := -1
	for i, f := range top {
		if f.num == modelGraph {
			gi = i
		}
	}
	if gi < 0 {
		return nil, errors.New("read model: no graph")
	}
	g, err := readGraph(top[gi].val)
	if err != nil {
		return nil, fmt.Errorf("read graph: %w", err)
	}
	if err := g.pack(mask, opset); err != nil {
		return nil, err
	}

	// The graph is written straight into the model's bytes, sized beforehand: with the input that
	// makes two copies of the weights, where growing slices made up to five (load-time peak memory).
	enc := g.encoding()
	size := 0
	for i, f := range top {
		if i == gi {
			size += protowire.SizeTag(modelGraph) + protowire.SizeBytes(enc.size)
			continue
		}
		size += len(f.raw)
	}
	out := make([]byte, 0, size)
	for i, f := range top {
		if i == gi {
			out = protowire.AppendTag(out, modelGraph, protowire.BytesType)
			out = protowire.AppendVarint(out, uint64(enc.size))
			out = enc.appendTo(out)
			continue
		}
		out = append(out, f.raw...)
	}
	return out, nil
}

// graph is a GraphProto: its nodes parsed, every other field kept as read.
type graph struct {
	fields       []field // everything but the nodes, in order
	nodes        []*node
	initializers map[string]bool
	inputs       map[string]uint64 // graph input → its bit, in declaration order
	outputs      []string
	producer     map[string]*node
}

func readGraph(b []byte) (*graph, error) {
	fs, err := parseFields(b)
	if err != nil {
		return nil, err
	}
	g := &graph{initializers: map[string]bool{}, inputs: map[string]uint64{}, producer: map[string]*node{}}
	for _, f := range fs {
		switch f.num {
		case graphNode:
			n, err := parseNode(f.val)
			if err != nil {
				return nil, fmt.Errorf("node %d: %w", len(g.nodes), err)
			}
			g.nodes = append(g.nodes, n)
			continue
		case graphInitializer:
			name, external, err := tensorInfo(f.val)
			if err != nil {
				return nil, fmt.Errorf("initializer: %w", err)
			}
			if external {
				return nil, fmt.Errorf("%w: initializer %q is stored in an external file", ErrNotPackable, name)
			}
			g.initializers[name] = true
		case graphInput, graphOutput:
			name, err := valueName(f.val)
			if err != nil {
				return nil, err
			}
			if f.num == graphInput {
				g.inputs[name] = 1 << (len(g.inputs) % 64)
			} else {
				g.outputs = append(g.outputs, name)
			}
		}
		g.fields = append(g.fields, f)
	}
	for _, n := range g.nodes {
		for _, o := range n.outputs {
			g.producer[o] = n
		}
	}
	return g, nil
}

// graphEncoding is a graph ready to be written back: the nodes first, then the other fields in
// their order; size is its length in bytes.
type graphEncoding struct {
	parts [][]byte // each node as a graph field, then the other fields as read
	size  int
}

func (g *graph) encoding() graphEncoding {
	var e graphEncoding
	for _, n := range g.nodes {
		nb := n.encode()
		field := make([]byte, 0, protowire.SizeTag(graphNode)+protowire.SizeBytes(len(nb)))
		e.parts = append(e.parts, appendBytes(field, graphNode, nb))
	}
	for _, f := range g.fields {
		if f.num == graphInitializer {
			name, _, _ := tensorInfo(f.val)
			if !g.initializers[name] && g.inputs[name] == 0 {
				continue // no live node reads it any more (one also listed as an input stays)
			}
		}
		e.parts = append(e.parts, f.raw)
	}
	for _, p := range e.parts {
		e.size += len(p)
	}
	return e
}

func (e graphEncoding) appendTo(b []byte) []byte {
	for _, p := range e.parts {
		b = append(b, p...)
	}
	return b
}

func (g *graph) pack(mask string, opset int64) error {
	maskBit := g.inputBit(mask)
	if maskBit == 0 {
		return fmt.Errorf("%w: no graph input %q", ErrNotPackable, mask)
	}
	for _, n := range g.nodes {
		if n.hasSubgraph {
			return fmt.Errorf("%w: %s node with a subgraph", ErrNotPackable, n.opType)
		}
	}

	deps := g.dependencies()
	live := g.liveNodes()

	bias, positions := prefix+"bias", prefix+"positions"
	softmaxes := 0
	for _, n := range live {
		if n.opType != "Softmax" {
			continue
		}
		if !n.isDefaultDomain() {
			return fmt.Errorf("%w: %s-domain Softmax", ErrNotPackable, n.domain)
		}
		add := g.producer[n.inputs[0]]
		if add == nil || add.opType != "Add" || len(add.inputs) != 2 {
			return fmt.Errorf("%w: a Softmax does not read scores plus a mask bias", ErrNotPackable)
		}
		// The bias is computed from the mask alone; the scores come from the token inputs.
		a, b := deps(add.inputs[0]), deps(add.inputs[1])
		switch {
		case a == maskBit && b&^maskBit != 0:
			add.inputs[0] = bias
		case b == maskBit && a&^maskBit != 0:
			add.inputs[1] = bias
		default:
			return fmt.Errorf("%w: a Softmax's scores do not take the attention-mask bias", ErrNotPackable)
		}
		softmaxes++
	}
	if softmaxes == 0 {
		return fmt.Errorf("%w: no attention Softmax", ErrNotPackable)
	}

	var gathers []*node
	for _, n := range live {
		if n.opType == "Gather" && len(n.inputs) == 2 && g.initializers[n.inputs[0]] &&
			strings.Contains(n.inputs[0], "position_embeddings") {
			gathers = append(gathers, n)
		}
	}
	if len(gathers) != 1 {
		return fmt.Errorf("%w: %d position-embedding lookups (want 1)", ErrNotPackable, len(gathers))
	}
	slice := g.producer[gathers[0].inputs[1]]
	if slice == nil || slice.opType != "Slice" || !g.initializers[slice.inputs[0]] {
		return fmt.Errorf("%w: position ids are not a slice of a constant table (computed from the input ids?)", ErrNotPackable)
	}
	gathers[0].inputs[1] = positions

	// After the rewiring nothing that still runs may read the mask's values but the new nodes.
	live = g.liveNodes()
	deps = g.dependencies()
	for _, n := range live {
		for _, in := range n.inputs {
			if in != "" && deps(in)&maskBit != 0 {
				return fmt.Errorf("%w: a %s node still reads the attention mask", ErrNotPackable, n.opType)
			}
		}
	}

	added := packNodes(mask, bias, positions, opset)
	g.nodes = append(added, live...)
	g.initializers = g.usedInitializers()
	return nil
}

// inputBit is the bit of a graph input (not an initializer listed among the inputs, as old
// exporters did) in dependencies' results.
func (g *graph) inputBit(name string) uint64 {
	if g.initializers[name] {
		return 0
	}
	return g.inputs[name]
}

// dependencies returns a function that tells which graph inputs (as inputBit bits) a tensor's
// values depend on, through the nodes as they are wired now. Shape reads no values, so the shape
// of a tensor depends on nothing.
func (g *graph) dependencies() func(string) uint64 {
	memo := map[string]uint64{}
	var deps func(string) uint64
	deps = func(name string) uint64 {
		if v, ok := memo[name]; ok {
			return v
		}
		memo[name] = 0 // a cycle would be a broken graph; do not recurse forever
		v := g.inputBit(name)
		if p := g.producer[name]; p != nil && p.opType != "Shape" {
			for _, in := range p.inputs {
				if in != "" {
					v |= deps(in)
				}
			}
		}
		memo[name] = v
		return v
	}
	return deps
}

// liveNodes are the nodes that the graph's outputs depend on, in their original order.
func (g *graph) liveNodes() []*node {
	live := map[*node]bool{}
	stack := append([]string(nil), g.outputs...)
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p := g.producer[name]
		if p == nil || live[p] {
			continue
		}
		live[p] = true
		for _, in := range p.inputs {
			if in != "" {
				stack = append(stack, in)
			}
		}
	}
	var out []*node
	for _, n := range g.nodes {
		if live[n] {
			out = append(out, n)
		}
	}
	return out
}

func (g *graph) usedInitializers() map[string]bool {
	used := map[string]bool{}
	for _, n := range g.nodes {
		for _, in := range n.inputs {
			if g.initializers[in] {
				used[in] = true
			}
		}
	}
	for _, o := range g.outputs {
		if g.initializers[o] {
			used[o] = true
		}
	}
	return used
}

// packNodes computes, from the segment mask [batch, seq]:
//
//	bias[b, 0, i, j]  = 0 where tokens i and j are in the same sequence and j is not padding,
//	                    the lowest float32 elsewhere (as transformers' extended attention mask)
//	positions[b, i]   = i − (tokens of earlier sequences in row b)
func packNodes(mask, bias, positions string, opset int64) []*node {
	var nodes []*node
	add := func(op string, inputs []string, output string, attrs ...[]byte) {
		nodes = append(nodes, newNode(op, output, inputs, []string{output}, attrs...))
	}
	t := func(s string) string { return prefix + s }
	constant := func(name string, tensor []byte) string {
		add("Constant", nil, t(name), tensorAttr("value", tensor))
		return t(name)
	}
	unsqueeze := func(in, out string, axis int64) {
		if opset < 13 {
			add("Unsqueeze", []string{in}, out, intsAttr("axes", axis))
			return
		}
		add("Unsqueeze", []string{in, constant(fmt.Sprintf("axis%d_%s", axis, out[len(prefix):]), int64Tensor([]int64{1}, axis))}, out)
	}

	unsqueeze(mask, t("query_segment"), 2) // [B, S, 1]
	unsqueeze(mask, t("key_segment"), 1)   // [B, 1, S]
	add("Equal", []string{t("query_segment"), t("key_segment")}, t("same_segment"))
	add("Cast", []string{t("key_segment")}, t("key_real"), intAttr("to", dataBool))
	add("And", []string{t("same_segment"), t("key_real")}, t("attend"))
	unsqueeze(t("attend"), t("attend_heads"), 1) // [B, 1, S, S]
	add("Where", []string{t("attend_heads"),
		constant("zero_f", float32Scalar(0)), constant("lowest_f", float32Scalar(-math.MaxFloat32))}, bias)

	add("Less", []string{t("key_segment"), t("query_segment")}, t("earlier"))
	add("And", []string{t("earlier"), t("key_real")}, t("earlier_real"))
	add("Cast", []string{t("earlier_real")}, t("earlier_count"), intAttr("to", dataInt64))
	if opset < 13 {
		add("ReduceSum", []string{t("earlier_count")}, t("start"), intsAttr("axes", 2), intAttr("keepdims", 0))
	} else {
		add("ReduceSum", []string{t("earlier_count"), constant("sum_axis", int64Tensor([]int64{1}, 2))}, t("start"),
			intAttr("keepdims", 0))
	}
	add("Shape", []string{mask}, t("shape"))
	zero, one := constant("zero", int64Tensor(nil, 0)), constant("one", int64Tensor(nil, 1))
	add("Gather", []string{t("shape"), one}, t("seq_len"), intAttr("axis", 0))
	add("Range", []string{zero, t("seq_len"), one}, t("index"))
	add("Cast", []string{t("index")}, t("index64"), intAttr("to", dataInt64))
	add("Sub", []string{t("index64"), t("start")}, positions)
	return nodes
}

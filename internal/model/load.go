package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/ort"
	"github.com/bertserve/bertserve/internal/pipeline"
	"github.com/bertserve/bertserve/internal/tokenizer"
)

var _ batch.Runner = (*ort.Session)(nil)

// Options are what every model is loaded with.
type Options struct {
	Session ort.Options
	// BusyThreads is how many intra-op threads a batch gets that runs while the model is busy:
	// other batches running or waiting. When it is below Session.IntraOpThreads, a second session
	// with that many threads runs those batches and the first runs only the batches that have the
	// model to themselves, so that a lone request gets every core while batches side by side do not
	// fight over them. 0: Session.IntraOpThreads ÷ Batch.Workers, for a graph up to
	// busySessionMaxBytes and an eighth of MemoryLimit (the second session holds the weights once
	// more).
	BusyThreads int
	// CPUs is how many cores the process may use (0: runtime.GOMAXPROCS(0), which follows a
	// container's CPU limit); the default thread counts divide them.
	CPUs int
	// MemoryLimit is the memory the process may use, in bytes (0: no limit). A model gets the
	// second session of BusyThreads by default only when its graph is at most an eighth of it.
	MemoryLimit int64
	// Batch configures each model's batcher; its FillWait applies only where every run has its
	// share of the cores (batch.Config.Spread).
	Batch   batch.Config
	Metrics *metrics.Metrics
	// Packing runs models whose graph onnxgraph.Pack can rewrite with several sequences packed
	// into each row instead of padded batches.
	Packing bool
}

// Model is one served model: its config, tokenizer, session, batcher and task pipeline.
type Model struct {
	Config Config
	Dir    string
	// Dimension is the width of the model's main output (hidden size for embeddings).
	Dimension int

	// Labels is id2label by logit index (classification and NER models).
	Labels []string

	// The pipelines this model serves; nil where its task does not allow one.
	Encoder    *pipeline.Encoder
	Embedder   *pipeline.Embedder
	Classifier *pipeline.Classifier
	Recognizer *pipeline.Recognizer
	Answerer   *pipeline.Answerer
	Filler     *pipeline.Filler
	ZeroShot   *pipeline.ZeroShot
	Reranker   *pipeline.Reranker

	// Packed says batches run as packed rows; otherwise PackingOff says why not (empty when
	// packing was not asked for).
	Packed     bool
	PackingOff string

	// AloneThreads and BusyThreads are the intra-op threads of a batch that has the model to
	// itself and of one that runs while others run or wait (see Options.BusyThreads).
	AloneThreads, BusyThreads int

	session *ort.Session // runs busy batches, and every batch when alone is nil
	alone   *ort.Session // runs the batches that have the model to themselves; nil: session does
	batcher *batch.Batcher
}

// feedRoles maps the graph inputs a model may take to what the encoder feeds them.
var feedRoles = map[string]pipeline.Feed{
	"input_ids":      pipeline.FeedInputIDs,
	"attention_mask": pipeline.FeedAttentionMask,
	"token_type_ids": pipeline.FeedTokenTypeIDs,
}

// Load reads and validates the model folder dir and starts its batcher. Errors name the file and
// the problem.
func Load(dir string, o Options) (*Model, error) {
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	onnxPath := filepath.Join(dir, "model.onnx")
	if _, err := os.Stat(onnxPath); err != nil {
		return nil, fmt.Errorf("model %s: %w", cfg.Name, err)
	}
	tokPath := filepath.Join(dir, "tokenizer.json")
	tok, err := tokenizer.FromFile(tokPath)
	if err != nil {
		return nil, fmt.Errorf("model %s: %s: %w", cfg.Name, tokPath, err)
	}
	graphIn, graphOut, err := ort.Inspect(onnxPath)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", cfg.Name, err)
	}

	// Feed every graph input; one the config cannot account for makes the model unusable.
	var inputNames []string
	var feeds []pipeline.Feed
	var pads []int64
	for _, in := range graphIn {
		role := ""
		for r := range feedRoles {
			if cfg.inputName(r) == in.Name {
				role = r
			}
		}
		if role == "" {
			return nil, fmt.Errorf("model %s: %s: graph input %q cannot be fed (the server feeds %s; map names with \"inputs\" in %s)",
				cfg.Name, onnxPath, in.Name, strings.Join(inputRoles, ", "), ConfigFile)
		}
		inputNames = append(inputNames, in.Name)
		feeds = append(feeds, feedRoles[role])
		pads = append(pads, padValue(role, tok))
	}
	if !slices.Contains(feeds, pipeline.FeedInputIDs) {
		return nil, fmt.Errorf("model %s: %s: graph has no input_ids input", cfg.Name, onnxPath)
	}

	m := &Model{Config: cfg, Dir: dir}
	m.Labels, _ = cfg.labels() // validated with the config
	outputNames, layout, err := m.outputs(graphOut)
	if err != nil {
		return nil, fmt.Errorf("model %s: %s: %w", cfg.Name, onnxPath, err)
	}
	batchCfg := o.Batch
	if cfg.Task == TaskFillMask {
		// Fill-mask outputs a vocabulary-wide row per token: cap the batch so that its output
		// buffer stays near 256 MB.
		batchCfg.MaxBatchTokens = max(cfg.MaxLength, min(batchCfg.MaxBatchTokens, (64<<20)/m.Dimension))
	}

	m.Encoder = &pipeline.Encoder{Tokenizer: tok, MaxLength: cfg.MaxLength, Feeds: feeds}
	if err := m.openSessions(onnxPath, inputNames, outputNames, layout, o, &batchCfg); err != nil {
		return nil, fmt.Errorf("model %s: %w", cfg.Name, err)
	}
	if m.alone != nil { // a nil *ort.Session would make a non-nil Runner
		batchCfg.Alone = m.alone
	}
	m.batcher, err = batch.New(m.session, layout, pads, batchCfg, cfg.Name, o.Metrics)
	if err != nil {
		m.closeSessions()
		return nil, fmt.Errorf("model %s: %w", cfg.Name, err)
	}
	if err := m.buildPipelines(tokPath, o.Metrics); err != nil {
		m.Close()
		return nil, fmt.Errorf("model %s: %w", cfg.Name, err)
	}
	return m, nil
}

// openSessions opens the model's session, and a second one for busy batches when the thread
// layout asks for it (threadLayout); batchCfg is set to match.
func (m *Model) openSessions(onnxPath string, inputs, outputs []string, layout []batch.Output,
	o Options, batchCfg *batch.Config) error {
	info, err := os.Stat(onnxPath)
	if err != nil {
		return err
	}
	m.AloneThreads, m.BusyThreads = threadLayout(o, info.Size())
	batchCfg.Spread = o.Session.Device != "cuda" && m.BusyThreads*batchCfg.Workers <= o.cpus()
	if !batchCfg.Spread {
		// The fill wait was measured where every run has its share of the cores; a GPU's runs,
		// or runs sharing every core, keep to taking what is waiting.
		batchCfg.FillWait = 0
	}
	defer debug.FreeOSMemory() // a rewritten graph's copy of the weights: ONNX Runtime holds its own

	so := o.Session
	so.IntraOpThreads = m.AloneThreads
	s, graph, err := m.openSession(onnxPath, inputs, outputs, layout, so, o.Packing, batchCfg)
	if err != nil {
		return err
	}
	if m.BusyThreads == m.AloneThreads {
		m.session = s
		return nil
	}
	so.IntraOpThreads, so.Model = m.BusyThreads, graph
	busy, err := ort.NewSession(onnxPath, inputs, outputs, so)
	if err != nil {
		s.Close()
		return fmt.Errorf("session for busy batches: %w", err)
	}
	m.session, m.alone = busy, s
	return nil
}

// busySessionMaxBytes bounds the graphs that get a second session for busy batches by default: up
// to it the second copy of the weights costs little next to what single-threaded batches gain
// (1.14–1.23× the throughput for all-MiniLM-L6-v2 on two cores, docs/benchmarks.md). Under a
// memory limit the bound is also an eighth of the limit (busySessionLimitShare): all-MiniLM-L6-v2's
// 90 MB graph runs one session in a 512 MiB container, where its second session would take a fifth
// of the memory, and two from 1 GiB up.
const (
	busySessionMaxBytes   = 256 << 20
	busySessionLimitShare = 8
)

// threadLayout gives the intra-op threads of a batch that has the model to itself (o's session
// threads, by default one per core: a lone request is fastest on every core) and of a busy one
// (o.BusyThreads, by default an even share of the cores per worker). A GPU runs every batch on one
// session.
func threadLayout(o Options, graphBytes int64) (alone, busy int) {
	alone = o.Session.IntraOpThreads
	if alone < 1 {
		alone = o.cpus()
	}
	switch {
	case o.Session.Device == "cuda":
		return alone, alone
	case o.BusyThreads > 0:
		return alone, o.BusyThreads
	case graphBytes > busySessionMaxBytes,
		o.MemoryLimit > 0 && graphBytes > o.MemoryLimit/busySessionLimitShare:
		return alone, alone
	}
	return alone, max(1, alone/max(1, o.Batch.Workers))
}

// DefaultBatchTokens is the token budget of a batch when none is given: 16384 on a GPU, and on
// a CPU 512 per thread of a busy batch (cpus ÷ workers). On two cores with all-MiniLM-L6-v2, long
// texts ran faster in small batches than in large ones, and took less memory: against 16384,
// requests of 16 texts of 256 tokens ran 1.36× faster (int8 1.22×) and mixed client batches 1.26×
// (1.09×), while the server's RSS stayed at 220–360 MiB instead of 1.3–1.4 GiB
// (scripts/bench_budget.sh). Single sentences at 16 clients never fill 512 tokens.
func DefaultBatchTokens(device string, cpus, workers int) int {
	if device == "cuda" {
		return 16384
	}
	return 512 * max(1, cpus/max(1, workers))
}

// cpus is how many cores the default thread counts divide.
func (o Options) cpus() int {
	if o.CPUs > 0 {
		return o.CPUs
	}
	return runtime.GOMAXPROCS(0)
}

// openSession opens the model's graph, rewritten for packed rows when packing is asked for and the
// rewrite both applies and passes checkPacking; batchCfg is set to match. It returns the graph it
// opened when that is not the file at onnxPath.
func (m *Model) openSession(onnxPath string, inputs, outputs []string, layout []batch.Output,
	so ort.Options, packing bool, batchCfg *batch.Config) (*ort.Session, []byte, error) {
	batchCfg.Packed = false
	if packing {
		s, graph, segments, err := m.openPacked(onnxPath, inputs, outputs, layout, so)
		if err == nil {
			m.Packed, batchCfg.Packed, batchCfg.Segments = true, true, segments
			return s, graph, nil
		}
		m.PackingOff = err.Error()
	}
	s, err := ort.NewSession(onnxPath, inputs, outputs, so)
	return s, nil, err
}

// openPacked opens the graph rewritten for packed rows and checks it; it returns the graph and the
// index of the feed that carries the segment numbers.
func (m *Model) openPacked(onnxPath string, inputs, outputs []string, layout []batch.Output,
	so ort.Options) (*ort.Session, []byte, int, error) {
	graph, segments, err := packedGraph(onnxPath, m.Config, inputs, layout)
	if err != nil {
		return nil, nil, 0, err
	}
	// The file's bytes are garbage now: return them before ONNX Runtime makes its own copies of the
	// weights, which lowers the load-time peak by one copy of the model.
	debug.FreeOSMemory()
	so.Model = graph
	s, err := ort.NewSession(onnxPath, inputs, outputs, so)
	if err != nil {
		return nil, nil, 0, err
	}
	if err := checkPacking(s, m.Encoder, segments); err != nil {
		s.Close()
		return nil, nil, 0, err
	}
	return s, graph, segments, nil
}

func (m *Model) closeSessions() error {
	err := m.session.Close()
	if m.alone != nil {
		err = errors.Join(err, m.alone.Close())
	}
	return err
}

// outputs picks the graph outputs the model's task reads, checks their shapes against the config,
// and says how the batcher splits them per sequence.
func (m *Model) outputs(graphOut []ort.TensorInfo) ([]string, []batch.Output, error) {
	cfg := m.Config
	switch cfg.Task {
	case TaskFeatureExtraction, TaskFillMask:
		role := "last_hidden_state"
		if cfg.Task == TaskFillMask {
			role = "logits"
		}
		out, err := pickOutput(cfg, graphOut, role, 3)
		if err != nil {
			return nil, nil, err
		}
		m.Dimension = int(out.Shape[2])
		return []string{out.Name}, []batch.Output{{PerToken: true, Width: m.Dimension}}, nil
	case TaskTextClassification, TaskZeroShot, TaskTokenClass:
		rank, perToken := 2, false
		if cfg.Task == TaskTokenClass {
			rank, perToken = 3, true
		}
		out, err := pickOutput(cfg, graphOut, "logits", rank)
		if err != nil {
			return nil, nil, err
		}
		m.Dimension = int(out.Shape[rank-1])
		if m.Dimension != len(m.Labels) {
			return nil, nil, fmt.Errorf("%s has %d labels in id2label but output %q has %d logits",
				ConfigFile, len(m.Labels), out.Name, m.Dimension)
		}
		return []string{out.Name}, []batch.Output{{PerToken: perToken, Width: m.Dimension}}, nil
	case TaskQuestionAnswering:
		var names []string
		for _, role := range []string{"start_logits", "end_logits"} {
			name := role
			if n, ok := cfg.Outputs[role]; ok {
				name = n
			}
			info, ok := findInfo(graphOut, name)
			if !ok {
				return nil, nil, fmt.Errorf("graph has no output %q for %s", name, role)
			}
			if len(info.Shape) != 2 {
				return nil, nil, fmt.Errorf("output %q has shape %v; %s needs [batch, sequence]", name, info.Shape, role)
			}
			names = append(names, name)
		}
		return names, []batch.Output{{PerToken: true, Width: 1}, {PerToken: true, Width: 1}}, nil
	}
	return nil, nil, fmt.Errorf("task %q has no outputs", cfg.Task)
}

func findInfo(infos []ort.TensorInfo, name string) (ort.TensorInfo, bool) {
	for _, info := range infos {
		if info.Name == name {
			return info, true
		}
	}
	return ort.TensorInfo{}, false
}

// pickOutput finds the graph output for role: the config's name for it, else the role's own name,
// else the graph's first output. It must have rank dims and a fixed last dimension.
func pickOutput(cfg Config, outs []ort.TensorInfo, role string, rank int) (ort.TensorInfo, error) {
	want, named := cfg.Outputs[role]
	if !named {
		want = role
	}
	var found *ort.TensorInfo
	for i := range outs {
		if outs[i].Name == want {
			found = &outs[i]
		}
	}
	if found == nil && !named && len(outs) > 0 {
		found = &outs[0]
	}
	if found == nil {
		return ort.TensorInfo{}, fmt.Errorf("graph has no output %q for %s", want, role)
	}
	if len(found.Shape) != rank || found.Shape[rank-1] <= 0 {
		return ort.TensorInfo{}, fmt.Errorf("output %q has shape %v; %s needs rank %d with a fixed last dimension",
			found.Name, found.Shape, role, rank)
	}
	return *found, nil
}

// padValue is what padding positions of a role's input hold. Input ids are padded with the
// tokenizer's pad id, since models such as RoBERTa derive position ids from it.
func padValue(role string, tok *tokenizer.Tokenizer) int64 {
	if role != "input_ids" {
		return 0
	}
	if p := tok.DefaultOptions().Padding; p != nil {
		return int64(p.PadID)
	}
	for _, t := range []string{"[PAD]", "<pad>"} {
		if id, ok := tok.TokenToID(t); ok {
			return int64(id)
		}
	}
	return 0
}

// Warmup runs one short input through the model, so that the first request does not pay for
// ONNX Runtime's lazy initialisation.
func (m *Model) Warmup(ctx context.Context) error {
	if err := m.Encoder.WarmUp(ctx, m.batcher, 1); err != nil {
		return err
	}
	if m.alone == nil {
		return nil
	}
	// One input ran alone; two at once, shared by the idle workers, warm the busy session.
	return m.Encoder.WarmUp(ctx, m.batcher, 2)
}

// Close stops the batcher (finishing queued work) and releases the session.
func (m *Model) Close() error {
	m.batcher.Close()
	return m.closeSessions()
}

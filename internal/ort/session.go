package ort

import (
	"context"
	"errors"
	"fmt"
	"strings"

	onnx "github.com/yalue/onnxruntime_go"
)

// Options configures a session. Zero values mean ONNX Runtime's defaults.
type Options struct {
	IntraOpThreads int    // threads one Run may use for one operator
	InterOpThreads int    // threads for running independent operators in parallel
	Device         string // "cpu" (default) or "cuda"
	DeviceID       int    // GPU ordinal with Device "cuda"
	// DisableSpinning makes idle ONNX Runtime threads sleep instead of spinning while they wait for
	// work. Spinning shaves a little off each operator's start, but on a machine with few cores it
	// burns the CPU time that the Go side needs for HTTP, JSON and tokenization.
	DisableSpinning bool
	// Model, when set, is the graph to run instead of the file at the path NewSession is given: a
	// rewritten copy of it with the same inputs and outputs, which are read from the file.
	Model []byte
}

// TensorInfo describes one graph input or output. A negative dimension is dynamic.
type TensorInfo struct {
	Name     string
	Shape    []int64
	DataType string // "int64", "int32", "float32", ...
}

// Session runs one ONNX graph. It is safe for concurrent use: ONNX Runtime allows concurrent Run
// calls on one session, and Session keeps no per-run state.
type Session struct {
	sess    *onnx.DynamicAdvancedSession
	inputs  []TensorInfo // the fed inputs, in feed order
	outputs []TensorInfo // the fetched outputs, in result order
}

// Inspect lists a graph's inputs and outputs without keeping a session open.
func Inspect(modelPath string) (inputs, outputs []TensorInfo, err error) {
	in, out, err := onnx.GetInputOutputInfo(modelPath)
	if err != nil {
		return nil, nil, fmt.Errorf("inspect %s: %w", modelPath, err)
	}
	return convertInfo(in), convertInfo(out), nil
}

func convertInfo(infos []onnx.InputOutputInfo) []TensorInfo {
	out := make([]TensorInfo, len(infos))
	for i, info := range infos {
		out[i] = TensorInfo{Name: info.Name, Shape: append([]int64(nil), info.Dimensions...), DataType: dataTypeName(info.DataType)}
	}
	return out
}

func dataTypeName(t onnx.TensorElementDataType) string {
	switch t {
	case onnx.TensorElementDataTypeInt64:
		return "int64"
	case onnx.TensorElementDataTypeInt32:
		return "int32"
	case onnx.TensorElementDataTypeFloat:
		return "float32"
	case onnx.TensorElementDataTypeFloat16:
		return "float16"
	case onnx.TensorElementDataTypeDouble:
		return "float64"
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}

// NewSession opens modelPath, feeding the named inputs (int64 or int32 graph inputs) and fetching
// the named outputs (float32 graph outputs). The names must exist in the graph.
func NewSession(modelPath string, inputs, outputs []string, o Options) (*Session, error) {
	allIn, allOut, err := Inspect(modelPath)
	if err != nil {
		return nil, err
	}
	s := &Session{}
	for _, name := range inputs {
		info, ok := find(allIn, name)
		if !ok {
			return nil, fmt.Errorf("%s: graph has no input %q (inputs: %s)", modelPath, name, names(allIn))
		}
		if info.DataType != "int64" && info.DataType != "int32" {
			return nil, fmt.Errorf("%s: input %q is %s; only int64 and int32 inputs can be fed", modelPath, name, info.DataType)
		}
		s.inputs = append(s.inputs, info)
	}
	for _, name := range outputs {
		info, ok := find(allOut, name)
		if !ok {
			return nil, fmt.Errorf("%s: graph has no output %q (outputs: %s)", modelPath, name, names(allOut))
		}
		if info.DataType != "float32" {
			return nil, fmt.Errorf("%s: output %q is %s; only float32 outputs are supported", modelPath, name, info.DataType)
		}
		s.outputs = append(s.outputs, info)
	}

	opts, err := sessionOptions(o)
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if o.Model != nil {
		s.sess, err = onnx.NewDynamicAdvancedSessionWithONNXData(o.Model, inputs, outputs, opts)
	} else {
		s.sess, err = onnx.NewDynamicAdvancedSession(modelPath, inputs, outputs, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", modelPath, err)
	}
	return s, nil
}

func sessionOptions(o Options) (*onnx.SessionOptions, error) {
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	fail := func(what string, err error) (*onnx.SessionOptions, error) {
		opts.Destroy()
		return nil, fmt.Errorf("session options: %s: %w", what, err)
	}
	if err := opts.SetGraphOptimizationLevel(onnx.GraphOptimizationLevelEnableAll); err != nil {
		return fail("optimization level", err)
	}
	if o.IntraOpThreads > 0 {
		if err := opts.SetIntraOpNumThreads(o.IntraOpThreads); err != nil {
			return fail("intra-op threads", err)
		}
	}
	if o.InterOpThreads > 0 {
		if err := opts.SetInterOpNumThreads(o.InterOpThreads); err != nil {
			return fail("inter-op threads", err)
		}
	}
	// The calling thread gets the same in Run (withoutDenormals).
	if err := opts.AddSessionConfigEntry("session.set_denormal_as_zero", "1"); err != nil {
		return fail("denormals", err)
	}
	if o.DisableSpinning {
		for _, key := range []string{"session.intra_op.allow_spinning", "session.inter_op.allow_spinning"} {
			if err := opts.AddSessionConfigEntry(key, "0"); err != nil {
				return fail(key, err)
			}
		}
	}
	switch o.Device {
	case "", "cpu":
	case "cuda":
		cuda, err := onnx.NewCUDAProviderOptions()
		if err != nil {
			return fail("cuda", fmt.Errorf("this onnxruntime library has no CUDA support: %w", err))
		}
		defer cuda.Destroy()
		if err := cuda.Update(map[string]string{"device_id": fmt.Sprint(o.DeviceID)}); err != nil {
			return fail("cuda", err)
		}
		if err := opts.AppendExecutionProviderCUDA(cuda); err != nil {
			return fail("cuda", fmt.Errorf("CUDA execution provider unavailable: %w", err))
		}
	default:
		return fail("device", fmt.Errorf("unknown device %q (want cpu or cuda)", o.Device))
	}
	return opts, nil
}

func find(infos []TensorInfo, name string) (TensorInfo, bool) {
	for _, info := range infos {
		if info.Name == name {
			return info, true
		}
	}
	return TensorInfo{}, false
}

func names(infos []TensorInfo) string {
	n := make([]string, len(infos))
	for i, info := range infos {
		n[i] = info.Name
	}
	return strings.Join(n, ", ")
}

// Inputs returns the fed inputs in feed order.
func (s *Session) Inputs() []TensorInfo { return s.inputs }

// Outputs returns the fetched outputs in result order.
func (s *Session) Outputs() []TensorInfo { return s.outputs }

// OutputShape is output i's shape for a batch: the graph's first dimension is the batch, a dynamic
// second dimension is the sequence, and any other dimension must be fixed by the graph.
func (s *Session) OutputShape(i, batch, seqLen int) []int64 {
	dims := append([]int64(nil), s.outputs[i].Shape...)
	for d := range dims {
		switch {
		case d == 0:
			dims[d] = int64(batch)
		case d == 1 && dims[d] < 0:
			dims[d] = int64(seqLen)
		}
	}
	return dims
}

// Run feeds one batch: feeds[i] holds batch*seqLen values for input i, row-major. ONNX Runtime
// writes output i straight into outputs[i], which must hold exactly OutputShape(i, batch, seqLen)
// values, so callers can reuse buffers across runs. A cancelled ctx terminates a run in progress.
func (s *Session) Run(ctx context.Context, batch, seqLen int, feeds [][]int64, outputs [][]float32) error {
	if len(feeds) != len(s.inputs) || len(outputs) != len(s.outputs) {
		return fmt.Errorf("run: %d feeds and %d outputs for a graph of %d inputs and %d outputs",
			len(feeds), len(outputs), len(s.inputs), len(s.outputs))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	values := make([]onnx.Value, 0, len(feeds)+len(outputs))
	defer func() {
		for _, v := range values {
			v.Destroy()
		}
	}()
	shape := onnx.NewShape(int64(batch), int64(seqLen))
	for i, feed := range feeds {
		if len(feed) != batch*seqLen {
			return fmt.Errorf("run: input %q has %d values, want %d×%d", s.inputs[i].Name, len(feed), batch, seqLen)
		}
		v, err := newIntTensor(shape, feed, s.inputs[i].DataType)
		if err != nil {
			return fmt.Errorf("run: input %q: %w", s.inputs[i].Name, err)
		}
		values = append(values, v)
	}
	for i, buf := range outputs {
		oshape := onnx.Shape(s.OutputShape(i, batch, seqLen))
		if err := oshape.Validate(); err != nil || int64(len(buf)) != oshape.FlattenedSize() {
			return fmt.Errorf("run: output %q buffer holds %d values, want shape %v", s.outputs[i].Name, len(buf), oshape)
		}
		v, err := onnx.NewTensor(oshape, buf)
		if err != nil {
			return fmt.Errorf("run: output %q: %w", s.outputs[i].Name, err)
		}
		values = append(values, v)
	}
	return s.run(ctx, values[:len(feeds)], values[len(feeds):])
}

func (s *Session) run(ctx context.Context, in, out []onnx.Value) error {
	if ctx.Done() == nil {
		if err := withoutDenormals(func() error { return s.sess.Run(in, out) }); err != nil {
			return fmt.Errorf("run: %w", err)
		}
		return nil
	}
	ro, err := onnx.NewRunOptions()
	if err != nil {
		return fmt.Errorf("run options: %w", err)
	}
	defer ro.Destroy()
	stop := context.AfterFunc(ctx, func() { ro.Terminate() })
	defer stop()
	if err := withoutDenormals(func() error { return s.sess.RunWithOptions(in, out, ro) }); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("run: %w", err)
	}
	return nil
}

func newIntTensor(shape onnx.Shape, feed []int64, dataType string) (onnx.Value, error) {
	if dataType == "int64" {
		return onnx.NewTensor(shape, feed)
	}
	narrow := make([]int32, len(feed))
	for i, v := range feed {
		narrow[i] = int32(v)
	}
	return onnx.NewTensor(shape, narrow)
}

// Close releases the session.
func (s *Session) Close() error {
	if s == nil || s.sess == nil {
		return errors.New("close: session not open")
	}
	err := s.sess.Destroy()
	s.sess = nil
	return err
}

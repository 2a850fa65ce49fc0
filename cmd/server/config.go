package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server is started with.
type Config struct {
	Addr            string
	ModelsDir       string
	ORTLib          string
	Threads         int
	BusyThreads     int
	Workers         int
	ORTSpin         bool
	Packing         bool
	Device          string
	MaxBatchTokens  int
	MaxBatchSize    int
	FillWait        time.Duration
	MaxQueued       int
	MaxClientBatch  int
	MaxConcurrent   int
	RequestTimeout  time.Duration
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	LogFormat       string
	LogLevel        string
	APIKey          string // comma-separated keys
	APIKeyFile      string // one key per line
	AuthMetrics     bool
	CORSOrigins     string // comma-separated origins
}

var errHelp = errors.New("help requested")

// ParseFlags fills m.Config from args, falling back to the environment (getenv) and then to the
// defaults. Flags beat environment variables.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	c := &m.Config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	specs := []struct {
		name, env, usage string
		ptr              any
		def              any
	}{
		{"addr", "BERTSERVE_ADDR", "address to listen on", &c.Addr, ":8080"},
		{"models", "BERTSERVE_MODELS", "models folder: every subfolder with a bertserve.json is served", &c.ModelsDir, "./models"},
		{"ort-lib", "BERTSERVE_ORT_LIB", "path of libonnxruntime.so (default: the one `make setup` installs in .cache/)", &c.ORTLib, ""},
		{"threads", "BERTSERVE_THREADS", "ONNX Runtime intra-op threads of a batch that has its model to itself: nothing else running or waiting (0: one per core the process may use, as GOMAXPROCS counts them)", &c.Threads, 0},
		{"busy-threads", "BERTSERVE_BUSY_THREADS", "intra-op threads of a batch that runs while its model is busy; below --threads, each model opens a second session for these batches, which holds its weights once more (0: --threads ÷ --workers, for graphs up to 256 MiB and an eighth of a memory limit)", &c.BusyThreads, 0},
		{"workers", "BERTSERVE_WORKERS", "inference batches run at once, per model", &c.Workers, 2},
		{"ort-spin", "BERTSERVE_ORT_SPIN", "let idle ONNX Runtime threads spin for work instead of sleeping (only pays on cores nothing else uses)", &c.ORTSpin, false},
		{"packing", "BERTSERVE_PACKING", "run a batch of BERT-style inputs packed end to end in a few rows instead of padding each to the longest (false: always pad)", &c.Packing, true},
		{"device", "BERTSERVE_DEVICE", "cpu or cuda", &c.Device, "cpu"},
		{"max-batch-tokens", "BERTSERVE_MAX_BATCH_TOKENS", "padded tokens per inference batch: longest × size, or rows × row length when packed (0: 16384 on a GPU; on a CPU 512 × cores ÷ --workers, which runs long texts faster than big batches)", &c.MaxBatchTokens, 0},
		{"max-batch-requests", "BERTSERVE_MAX_BATCH_REQUESTS", "sequences per inference batch", &c.MaxBatchSize, 64},
		{"batch-fill-wait", "BERTSERVE_BATCH_FILL_WAIT", "CPU: how long a worker that comes free while another batch runs waits for as many inputs as its last batch ran before it runs fewer; with clients that send their next request when an answer arrives it saves small batches (0: never wait)", &c.FillWait, 2 * time.Millisecond},
		{"max-queued", "BERTSERVE_MAX_QUEUED", "sequences waiting per model before requests are refused with 429", &c.MaxQueued, 4096},
		{"max-concurrent-requests", "BERTSERVE_MAX_CONCURRENT_REQUESTS", "POST requests handled at once; beyond it the server answers 429 with Retry-After (0: no limit)", &c.MaxConcurrent, 512},
		{"request-timeout", "BERTSERVE_REQUEST_TIMEOUT", "deadline of each POST request; inputs still queued then are dropped and the answer is 504 (0: none)", &c.RequestTimeout, 60 * time.Second},
		{"max-client-batch-size", "BERTSERVE_MAX_CLIENT_BATCH_SIZE", "inputs in one request", &c.MaxClientBatch, 512},
		{"max-body-bytes", "BERTSERVE_MAX_BODY_BYTES", "request body size limit", &c.MaxBodyBytes, int64(16 << 20)},
		{"shutdown-timeout", "BERTSERVE_SHUTDOWN_TIMEOUT", "how long shutdown waits for in-flight requests", &c.ShutdownTimeout, 30 * time.Second},
		{"log-format", "BERTSERVE_LOG_FORMAT", "json or text", &c.LogFormat, "json"},
		{"log-level", "BERTSERVE_LOG_LEVEL", "debug, info, warn or error", &c.LogLevel, "info"},
		{"api-key", "BERTSERVE_API_KEY", "API keys (comma-separated) that every route but health needs, as \"Authorization: Bearer <key>\"; none: no authentication", &c.APIKey, ""},
		{"api-key-file", "BERTSERVE_API_KEY_FILE", "file of API keys, one per line (# comments), added to --api-key", &c.APIKeyFile, ""},
		{"auth-metrics", "BERTSERVE_AUTH_METRICS", "with API keys, require one on /metrics too", &c.AuthMetrics, false},
		{"cors-allow-origins", "BERTSERVE_CORS_ALLOW_ORIGINS", "origins (comma-separated, or *) whose browser pages may call the API; none: no CORS headers", &c.CORSOrigins, ""},
	}
	for _, s := range specs {
		usage := fmt.Sprintf("%s (env %s)", s.usage, s.env)
		env := getenv(s.env)
		var err error
		switch p := s.ptr.(type) {
		case *string:
			def := s.def.(string)
			if env != "" {
				def = env
			}
			fs.StringVar(p, s.name, def, usage)
		case *int:
			def := s.def.(int)
			if env != "" {
				def, err = strconv.Atoi(env)
			}
			fs.IntVar(p, s.name, def, usage)
		case *int64:
			def := s.def.(int64)
			if env != "" {
				def, err = strconv.ParseInt(env, 10, 64)
			}
			fs.Int64Var(p, s.name, def, usage)
		case *bool:
			def := s.def.(bool)
			if env != "" {
				def, err = strconv.ParseBool(env)
			}
			fs.BoolVar(p, s.name, def, usage)
		case *time.Duration:
			def := s.def.(time.Duration)
			if env != "" {
				def, err = time.ParseDuration(env)
			}
			fs.DurationVar(p, s.name, def, usage)
		}
		if err != nil {
			return fmt.Errorf("%s=%q: %w", s.env, env, err)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c.validate()
}

func (c *Config) validate() error {
	var problems []string
	positive := map[string]int{
		"--workers": c.Workers, "--max-batch-requests": c.MaxBatchSize,
		"--max-queued": c.MaxQueued, "--max-client-batch-size": c.MaxClientBatch,
	}
	for name, v := range positive {
		if v < 1 {
			problems = append(problems, fmt.Sprintf("%s must be at least 1, not %d", name, v))
		}
	}
	if c.MaxConcurrent < 0 {
		problems = append(problems, fmt.Sprintf("--max-concurrent-requests must not be negative, not %d", c.MaxConcurrent))
	}
	if c.RequestTimeout < 0 {
		problems = append(problems, fmt.Sprintf("--request-timeout must not be negative, not %s", c.RequestTimeout))
	}
	if c.FillWait < 0 {
		problems = append(problems, fmt.Sprintf("--batch-fill-wait must not be negative, not %s", c.FillWait))
	}
	if c.MaxBatchTokens < 0 {
		problems = append(problems, fmt.Sprintf("--max-batch-tokens must not be negative, not %d", c.MaxBatchTokens))
	}
	if c.Threads < 0 {
		problems = append(problems, fmt.Sprintf("--threads must not be negative, not %d", c.Threads))
	}
	if c.BusyThreads < 0 {
		problems = append(problems, fmt.Sprintf("--busy-threads must not be negative, not %d", c.BusyThreads))
	}
	if c.MaxBodyBytes < 1 {
		problems = append(problems, "--max-body-bytes must be at least 1")
	}
	if c.Device != "cpu" && c.Device != "cuda" {
		problems = append(problems, fmt.Sprintf("--device must be cpu or cuda, not %q", c.Device))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		problems = append(problems, fmt.Sprintf("--log-format must be json or text, not %q", c.LogFormat))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

func (c *Config) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

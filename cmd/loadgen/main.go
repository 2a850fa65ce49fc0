// Command loadgen measures bertserve's throughput and latency.
//
// In http mode it drives a running server's POST /v1/embed (or, with -api openai, the OpenAI-style
// POST /v1/embeddings that bertserve and other embedding servers answer) from a fixed number of
// clients with a real corpus (../shared/data: Tatoeba sentences, and CoNLL-2003 news joined into
// long documents for -long), one text or a client batch per request, and prints requests,
// sequences and tokens per second, p50/p95/p99 latency and errors, and the CPU time it used itself
// per sequence (with -pid, also the server's CPU time per sequence and its RSS at start and end).
// With -rate it sends requests on a fixed schedule instead (open loop), latency counted from when
// each was due.
//
// In inproc mode it drives the server's embedding pipeline (tokenizer, batcher, session) in this
// process, without HTTP, from -c goroutines: set beside http and bare mode it shows how much of
// the gap to bare session.Run is batching and how much is HTTP.
//
// In bare mode it runs the same corpus, tokenized beforehand, through ONNX Runtime's session.Run
// alone at each batch size of -batches: the limit the server is held against.
//
//	loadgen -mode http -url http://127.0.0.1:8080 -c 16 -d 20s
//	loadgen -mode inproc -model models/all-MiniLM-L6-v2 -c 16 -workers 2 -threads 2 -no-spin
//	loadgen -mode bare -model models/all-MiniLM-L6-v2 -workers 1 -threads 2
//
// scripts/bench.sh (make bench) runs the whole comparison.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/bertserve/bertserve/internal/batch"
	"github.com/bertserve/bertserve/internal/model"
	"github.com/bertserve/bertserve/internal/ort"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	mode := fs.String("mode", "http", "http (drive a server), inproc (the server's pipeline without HTTP) or bare (session.Run only)")
	name := fs.String("name", "", "label of this run in the output")
	data := fs.String("data", "../shared/data", "the shared data folder (Tatoeba and CoNLL-2003 texts)")
	long := fs.Float64("long", 0, "fraction of texts that are long documents (about 512 tokens before the model's cut)")
	seed := fs.Uint64("seed", 1, "random seed of the text draw")
	duration := fs.Duration("d", 20*time.Second, "measurement time (per batch size in bare mode)")
	asJSON := fs.Bool("json", false, "print one JSON object per measurement")

	url := fs.String("url", "http://127.0.0.1:8080", "http: server base URL")
	conc := fs.Int("c", 16, "http, inproc: concurrent clients")
	clientBatch := fs.Int("batch", 1, "http: texts per request")
	api := fs.String("api", apiBertserve, "http: request format: bertserve (POST /v1/embed) or openai (POST /v1/embeddings, which other embedding servers answer too)")
	modelName := fs.String("model-name", "all-MiniLM-L6-v2", "http, -api openai: the model field of each request")
	encoding := fs.String("encoding", "", "http, -api openai: the encoding_format field of each request, float or base64 (OpenAI's client asks for base64); empty: not sent")
	requests := fs.Int("n", 0, "http: stop after this many requests instead of after -d")
	warmup := fs.Duration("warmup", 3*time.Second, "http, inproc: load before measuring, not counted")
	pid := fs.Int("pid", 0, "http: server process id whose CPU time and RSS are reported")
	rate := fs.Float64("rate", 0, "http: send this many requests a second whatever the answers' pace (open loop, at most -c in flight); 0: each client waits for its answer")

	modelDir := fs.String("model", "models/all-MiniLM-L6-v2", "bare, inproc: model folder (model.onnx, tokenizer.json; inproc also bertserve.json)")
	maxLength := fs.Int("max-length", 256, "bare: tokens per text after the cut (the model's max_length)")
	batches := fs.String("batches", "1,2,4,8,16,32,64", "bare: batch sizes to measure")
	workers := fs.Int("workers", 0, "bare: goroutines calling session.Run at once (0: 1); inproc: the batcher's workers (0: the server's default, 2)")
	threads := fs.Int("threads", 0, "bare: intra-op threads per session (0: ONNX Runtime's default); inproc: of a batch that runs alone, as the server's --threads (0: one per core)")
	batchTokens := fs.Int("max-batch-tokens", 0, "inproc: token budget of a batch, as the server's --max-batch-tokens (0: the server's default for this machine)")
	fillWait := fs.Duration("fill-wait", 2*time.Millisecond, "inproc: as the server's --batch-fill-wait")
	busyThreads := fs.Int("busy-threads", 0, "inproc: intra-op threads of a batch that runs while others run or wait, as the server's --busy-threads (0: -threads ÷ -workers)")
	sessions := fs.Int("sessions", 1, "bare: 1 to share one session between the workers, else one per worker")
	noSpin := fs.Bool("no-spin", false, "bare, inproc: idle intra-op threads sleep instead of spinning")
	packing := fs.Bool("packing", true, "inproc: pack inputs into rows as the server does by default (false: padded batches)")
	sorted := fs.Bool("sorted", false, "bare: group texts of similar length into batches instead of drawing them at random")
	gap := fs.Duration("gap", 0, "bare: pause after each run, not timed, as a server's request loop leaves the cores idle between one client's requests (0: runs back to back)")
	ortLib := fs.String("ort-lib", "", "bare, inproc: libonnxruntime.so (default: the one `make setup` installs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	*workers = workersFor(*mode, *workers)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c, err := loadCorpus(*data)
	if err != nil {
		return err
	}
	switch *mode {
	case "http":
		if *api != apiBertserve && *api != apiOpenAI {
			return fmt.Errorf("-api %q: want %s or %s", *api, apiBertserve, apiOpenAI)
		}
		switch {
		case *encoding != "" && *api != apiOpenAI:
			return fmt.Errorf("-encoding %s: only -api %s requests have an encoding_format", *encoding, apiOpenAI)
		case *encoding != "" && *encoding != "float" && *encoding != "base64":
			return fmt.Errorf("-encoding %q: want float or base64", *encoding)
		}
		h := &httpRun{url: *url, concurrency: *conc, clientBatch: *clientBatch, longFrac: *long,
			requests: *requests, duration: *duration, warmup: *warmup, pid: *pid, seed: *seed, rate: *rate,
			api: *api, modelName: *modelName, encoding: *encoding}
		rep, err := h.run(ctx, c, *name)
		if err != nil {
			return err
		}
		rep.print(os.Stdout, *asJSON)
	case "bare":
		sizes, err := parseInts(*batches)
		if err != nil {
			return fmt.Errorf("-batches: %w", err)
		}
		if err := initORT(*ortLib); err != nil {
			return err
		}
		defer ort.Shutdown()
		b := &bareRun{modelDir: *modelDir, maxLength: *maxLength, batches: sizes, workers: *workers,
			threads: *threads, sessions: *sessions, noSpin: *noSpin, sorted: *sorted, duration: *duration, gap: *gap, longFrac: *long, seed: *seed}
		reps, err := b.run(ctx, c, *name)
		if err != nil {
			return err
		}
		for _, r := range reps {
			r.print(os.Stdout, *asJSON)
		}
	case "inproc":
		if err := initORT(*ortLib); err != nil {
			return err
		}
		defer ort.Shutdown()
		r := &inprocRun{modelDir: *modelDir, concurrency: *conc, workers: *workers, threads: *threads, busyThreads: *busyThreads, noSpin: *noSpin,
			duration: *duration, warmup: *warmup, longFrac: *long, seed: *seed, packing: *packing,
			// The server's default limits.
			batch: batch.Config{MaxBatchTokens: *batchTokens, MaxBatchSize: 64, Workers: *workers, MaxQueued: 4096, FillWait: *fillWait}}
		if r.batch.MaxBatchTokens == 0 {
			r.batch.MaxBatchTokens = model.DefaultBatchTokens("cpu", runtime.GOMAXPROCS(0), *workers)
		}
		rep, err := r.run(ctx, c, *name)
		if err != nil {
			return err
		}
		rep.print(os.Stdout, *asJSON)
	default:
		return fmt.Errorf("-mode %q: want http, inproc or bare", *mode)
	}
	return nil
}

// serverWorkers is the server's default --workers, which inproc mode copies unless -workers is
// given, as it copies the server's other defaults.
const serverWorkers = 2

// workersFor is -workers as mode uses it: n when given, else one goroutine in bare mode and the
// server's default in inproc mode.
func workersFor(mode string, n int) int {
	switch {
	case n > 0:
		return n
	case mode == "inproc":
		return serverWorkers
	}
	return 1
}

// initORT loads lib, or the library `make setup` installs when lib is empty.
func initORT(lib string) error {
	if lib == "" {
		var err error
		if lib, err = ort.FindLibrary(); err != nil {
			return err
		}
	}
	return ort.Init(lib)
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

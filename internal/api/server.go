package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bertserve/bertserve/internal/metrics"
	"github.com/bertserve/bertserve/internal/pipeline"
)

// Models is what the handlers need of the model registry; *model.Registry satisfies it.
type Models interface {
	Embedder(name string) (*pipeline.Embedder, error)
	Encoder(name string) (*pipeline.Encoder, string, error)
	Classifier(name string) (*pipeline.Classifier, error)
	Recognizer(name string) (*pipeline.Recognizer, error)
	Answerer(name string) (*pipeline.Answerer, error)
	Filler(name string) (*pipeline.Filler, error)
	Reranker(name string) (*pipeline.Reranker, error)
	ZeroShot(name string) (*pipeline.ZeroShot, string, error)
}

// Config holds the HTTP layer's settings.
type Config struct {
	MaxInputs    int   // items per request
	MaxBodyBytes int64 // request body size
	Spec         []byte
	Logger       *slog.Logger
	Metrics      *metrics.Metrics

	APIKeys        []string // when set, every route but health (and metrics, unless AuthMetrics) needs one
	AuthMetrics    bool     // /metrics needs an API key too
	CORSOrigins    []string // origins browsers may call from ("*": any); none sends no CORS headers
	Version        string   // reported by /info
	MaxBatchTokens int      // reported by /info
	// MaxBatchRequests and MaxQueued are reported by /info.
	MaxBatchRequests, MaxQueued int

	MaxConcurrent  int           // POST requests handled at once, beyond which 429; 0: no limit
	RequestTimeout time.Duration // deadline of each POST request, beyond which 504; 0: none
}

// Server is the HTTP API. Build it with New; it is an http.Handler.
type Server struct {
	cfg    Config
	models Models
	ready  atomic.Bool
	router chi.Router

	keys       *apiKeys
	corsPolicy *corsPolicy
	catalog    []ModelInfo
	admission  *admission
}

// New checks cfg and builds the router.
func New(models Models, cfg Config) (*Server, error) {
	if cfg.MaxInputs < 1 {
		return nil, errors.New("api: MaxInputs must be at least 1")
	}
	if cfg.MaxBodyBytes < 1 {
		return nil, errors.New("api: MaxBodyBytes must be at least 1")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, models: models, catalog: describeModels(models)}
	var err error
	if s.keys, err = newAPIKeys(cfg.APIKeys, cfg.AuthMetrics); err != nil {
		return nil, err
	}
	if s.corsPolicy, err = newCORS(cfg.CORSOrigins); err != nil {
		return nil, err
	}
	if s.admission, err = newAdmission(cfg.MaxConcurrent, cfg.RequestTimeout); err != nil {
		return nil, err
	}
	s.router = s.routes()
	return s, nil
}

// SetReady flips /readyz; the server reports ready once models are loaded and warmed up.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// routes declares every route of the server.
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(RequestID, stageTimes, s.accessLog, s.recoverer, s.cors, s.requireAPIKey, MaxBodyBytes(s.cfg.MaxBodyBytes), s.admission.admit(s.writeError))
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.metricsRegistry(), promhttp.HandlerOpts{}))
	r.Get("/openapi.yaml", s.openapi)
	r.Get("/docs", s.docsPage)
	r.Get("/docs/{asset}", s.docsAsset)
	r.Get("/v1/models", s.listModels)

	r.Post("/v1/embed", serve(s, s.embed))
	r.Post("/v1/tokenize", serve(s, s.tokenize))
	r.Post("/v1/detokenize", serve(s, s.detokenize))
	r.Post("/v1/classify", serve(s, s.classify))
	r.Post("/v1/ner", serve(s, s.ner))
	r.Post("/v1/qa", serve(s, s.qa))
	r.Post("/v1/fill-mask", serve(s, s.fillMask))
	r.Post("/v1/rerank", serve(s, s.rerank))
	r.Post("/v1/zero-shot", serve(s, s.zeroShot))

	// OpenAI's embeddings API.
	r.Post("/v1/embeddings", s.openaiEmbeddings)

	// Hugging Face text-embeddings-inference's API (tei.go).
	r.Get("/health", s.teiHealth)
	r.Get("/info", s.teiInfo)
	r.Post("/", s.teiEmbedHandler) // TEI's default route, where its clients post given just the base URL
	r.Post("/embed", s.teiEmbedHandler)
	r.Post("/embed_all", s.teiEmbedAll)
	r.Post("/predict", s.teiPredict)
	r.Post("/rerank", s.teiRerank)
	r.Post("/tokenize", s.teiTokenize)
	r.Post("/decode", s.teiDecode)
	return r
}

// Routes lists every "METHOD /path" the router serves, for the spec test.
func (s *Server) Routes() ([]string, error) {
	var out []string
	err := chi.Walk(s.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out = append(out, method+" "+route)
		return nil
	})
	return out, err
}

func fieldIndex(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

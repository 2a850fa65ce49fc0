package api

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/bertserve/bertserve/internal/model"
)

// catalog is the optional part of Models that lists what is served; *model.Registry has it.
type catalog interface {
	Models() []*model.Model
}

// ModelInfo describes one served model in GET /v1/models.
type ModelInfo struct {
	ID           string       `json:"id"` // the name clients pass as "model"
	Object       string       `json:"object"`
	OwnedBy      string       `json:"owned_by"`
	Task         string       `json:"task"`
	Labels       []string     `json:"labels,omitempty"` // by class id, for classification heads
	MaxLength    int          `json:"max_length"`
	Dimension    int          `json:"dimension"`
	Pooling      string       `json:"pooling,omitempty"`
	Normalize    bool         `json:"normalize"`
	Quantization string       `json:"quantization"`
	Source       model.Source `json:"source"`
}

// ModelList answers GET /v1/models, in OpenAI's list shape with bertserve's details per model.
type ModelList struct {
	Object string      `json:"object"` // "list"
	Data   []ModelInfo `json:"data"`
}

// describeModels reads what /v1/models and /info report, once, when the server is built:
// telling quantization reads each model.onnx.
func describeModels(models Models) []ModelInfo {
	c, ok := models.(catalog)
	if !ok {
		return nil
	}
	var out []ModelInfo
	for _, m := range c.Models() {
		out = append(out, ModelInfo{
			ID: m.Config.Name, Object: "model", OwnedBy: "bertserve", Task: m.Config.Task,
			Labels: labels(m.Config.ID2Label), MaxLength: m.Config.MaxLength, Dimension: m.Dimension,
			Pooling: m.Config.Pooling, Normalize: m.Config.Normalize, Quantization: m.Quantization(),
			Source: m.Config.Source,
		})
	}
	return out
}

// labels orders an id2label map by class id.
func labels(id2label map[string]string) []string {
	if len(id2label) == 0 {
		return nil
	}
	ids := make([]int, 0, len(id2label))
	for k := range id2label {
		if id, err := strconv.Atoi(k); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id2label[strconv.Itoa(id)]
	}
	return out
}

func (s *Server) listModels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, ModelList{Object: "list", Data: s.catalog})
}

// TEIInfo answers GET /info as TEI does, describing the default model (the first embedding
// model, else the first model).
type TEIInfo struct {
	ModelID             string         `json:"model_id"`
	ModelSHA            *string        `json:"model_sha"`
	ModelDtype          string         `json:"model_dtype"`
	ServedModelName     string         `json:"served_model_name"`
	ModelType           map[string]any `json:"model_type"`
	MaxConcurrent       int            `json:"max_concurrent_requests"`
	MaxInputLength      int            `json:"max_input_length"`
	MaxBatchTokens      int            `json:"max_batch_tokens"`
	MaxBatchRequests    *int           `json:"max_batch_requests"`
	MaxClientBatchSize  int            `json:"max_client_batch_size"`
	AutoTruncate        bool           `json:"auto_truncate"`
	TokenizationWorkers int            `json:"tokenization_workers"`
	Version             string         `json:"version"`
	SHA                 *string        `json:"sha"`
	DockerLabel         *string        `json:"docker_label"`
}

func (s *Server) teiInfo(w http.ResponseWriter, _ *http.Request) {
	var m ModelInfo
	for i := len(s.catalog) - 1; i >= 0; i-- {
		if i == 0 || s.catalog[i].Task == model.TaskFeatureExtraction {
			m = s.catalog[i]
		}
	}
	modelID := m.ID
	if m.Source.Upstream != "" {
		modelID = m.Source.Upstream
	}
	dtype := "float32"
	if m.Quantization == "int8" {
		dtype = "int8"
	}
	var kind map[string]any
	switch {
	case m.Task == model.TaskFeatureExtraction:
		kind = map[string]any{"embedding": map[string]any{"pooling": m.Pooling}}
	default:
		id2label, label2id := map[string]string{}, map[string]int{}
		for i, l := range m.Labels {
			id2label[strconv.Itoa(i)], label2id[l] = l, i
		}
		key := "classifier"
		if len(m.Labels) == 1 {
			key = "reranker"
		}
		kind = map[string]any{key: map[string]any{"id2label": id2label, "label2id": label2id}}
	}
	batch := s.cfg.MaxBatchRequests
	writeJSON(w, http.StatusOK, TEIInfo{
		ModelID: modelID, ModelDtype: dtype, ServedModelName: m.ID, ModelType: kind,
		MaxConcurrent: s.cfg.MaxQueued, MaxInputLength: m.MaxLength, MaxBatchTokens: s.cfg.MaxBatchTokens,
		MaxBatchRequests: &batch, MaxClientBatchSize: s.cfg.MaxInputs, AutoTruncate: true,
		TokenizationWorkers: 1, Version: s.cfg.Version,
	})
}

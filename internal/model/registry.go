package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bertserve/bertserve/internal/errs"
	"github.com/bertserve/bertserve/internal/pipeline"
)

// Registry holds every served model by name.
type Registry struct {
	models []*Model // sorted by name
	byName map[string]*Model
}

// LoadAll loads every subfolder of root that holds a bertserve.json. One broken folder fails the
// whole load: serving a subset silently would hide the problem until a client asks for it.
func LoadAll(root string, o Options) (*Registry, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("models folder: %w", err)
	}
	r := &Registry{byName: map[string]*Model{}}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() { // Stat follows links to model folders
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, ConfigFile)); errors.Is(err, os.ErrNotExist) {
			continue
		}
		m, err := Load(dir, o)
		if err != nil {
			r.Close()
			return nil, err
		}
		if other, dup := r.byName[m.Config.Name]; dup {
			m.Close()
			r.Close()
			return nil, fmt.Errorf("model name %q is used by both %s and %s", m.Config.Name, other.Dir, dir)
		}
		r.byName[m.Config.Name] = m
		r.models = append(r.models, m)
	}
	if len(r.models) == 0 {
		return nil, fmt.Errorf("models folder %s has no model (a subfolder with %s); run `make setup`", root, ConfigFile)
	}
	sort.Slice(r.models, func(i, j int) bool { return r.models[i].Config.Name < r.models[j].Config.Name })
	return r, nil
}

// Models lists the served models by name.
func (r *Registry) Models() []*Model { return r.models }

// Get returns the named model, or errs.NotFound listing the served ones.
func (r *Registry) Get(name string) (*Model, error) {
	if m, ok := r.byName[name]; ok {
		return m, nil
	}
	return nil, errs.Field(errs.NotFound, "model", "no model named %q (served: %s)", name, strings.Join(r.names(), ", "))
}

// pick returns the named model, or the first one that has the pipeline when name is empty. A
// model without it is an errs.WrongTask naming the models that have it.
func (r *Registry) pick(name, verb string, has func(*Model) bool) (*Model, error) {
	if name == "" {
		for _, m := range r.models {
			if has(m) {
				return m, nil
			}
		}
		return nil, errs.Field(errs.WrongTask, "model", "no served model can %s", verb)
	}
	m, err := r.Get(name)
	if err != nil {
		return nil, err
	}
	if !has(m) {
		var can []string
		for _, o := range r.models {
			if has(o) {
				can = append(can, o.Config.Name)
			}
		}
		list := "none"
		if len(can) > 0 {
			list = strings.Join(can, ", ")
		}
		return nil, errs.Field(errs.WrongTask, "model", "%s is a %s model and cannot %s; models that can: %s",
			name, m.Config.Task, verb, list)
	}
	return m, nil
}

// Embedder returns the embedding pipeline of the named (or default) feature-extraction model.
func (r *Registry) Embedder(name string) (*pipeline.Embedder, error) {
	m, err := r.pick(name, "embed", func(m *Model) bool { return m.Embedder != nil })
	if err != nil {
		return nil, err
	}
	return m.Embedder, nil
}

// Classifier returns the named (or default) sequence classifier.
func (r *Registry) Classifier(name string) (*pipeline.Classifier, error) {
	m, err := r.pick(name, "classify", func(m *Model) bool { return m.Classifier != nil })
	if err != nil {
		return nil, err
	}
	return m.Classifier, nil
}

// Recognizer returns the named (or default) token-classification model's NER pipeline.
func (r *Registry) Recognizer(name string) (*pipeline.Recognizer, error) {
	m, err := r.pick(name, "recognize entities", func(m *Model) bool { return m.Recognizer != nil })
	if err != nil {
		return nil, err
	}
	return m.Recognizer, nil
}

// Answerer returns the named (or default) question-answering pipeline.
func (r *Registry) Answerer(name string) (*pipeline.Answerer, error) {
	m, err := r.pick(name, "answer questions", func(m *Model) bool { return m.Answerer != nil })
	if err != nil {
		return nil, err
	}
	return m.Answerer, nil
}

// Filler returns the named (or default) fill-mask pipeline.
func (r *Registry) Filler(name string) (*pipeline.Filler, error) {
	m, err := r.pick(name, "fill masks", func(m *Model) bool { return m.Filler != nil })
	if err != nil {
		return nil, err
	}
	return m.Filler, nil
}

// ZeroShot returns the named (or default) NLI model's zero-shot pipeline.
func (r *Registry) ZeroShot(name string) (*pipeline.ZeroShot, string, error) {
	m, err := r.pick(name, "classify zero-shot", func(m *Model) bool { return m.ZeroShot != nil })
	if err != nil {
		return nil, "", err
	}
	return m.ZeroShot, m.Config.Name, nil
}

// Reranker returns the named reranker, or by default the first cross-encoder (else the first
// embedding model).
func (r *Registry) Reranker(name string) (*pipeline.Reranker, error) {
	if name == "" {
		if m, err := r.pick("", "rerank", func(m *Model) bool { return m.Reranker != nil && m.Reranker.Cross != nil }); err == nil {
			return m.Reranker, nil
		}
	}
	m, err := r.pick(name, "rerank (it needs a single-logit cross-encoder or an embedding model)", func(m *Model) bool { return m.Reranker != nil })
	if err != nil {
		return nil, err
	}
	return m.Reranker, nil
}

// Encoder returns the tokenizer side of the named model, or of the first model when name is empty.
func (r *Registry) Encoder(name string) (*pipeline.Encoder, string, error) {
	if name == "" {
		return r.models[0].Encoder, r.models[0].Config.Name, nil
	}
	m, err := r.Get(name)
	if err != nil {
		return nil, "", err
	}
	return m.Encoder, name, nil
}

func (r *Registry) names() []string {
	names := make([]string, len(r.models))
	for i, m := range r.models {
		names[i] = m.Config.Name
	}
	return names
}

// Warmup runs each model once.
func (r *Registry) Warmup(ctx context.Context) error {
	for _, m := range r.models {
		if err := m.Warmup(ctx); err != nil {
			return fmt.Errorf("warm up %s: %w", m.Config.Name, err)
		}
	}
	return nil
}

// Close releases every model.
func (r *Registry) Close() {
	for _, m := range r.models {
		m.Close()
	}
}

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
		if !e.IsDir() {
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
	return nil, errs.Field(errs.NotFound, "model", "no model named %q (served: %s)", name, strings.Join(r.names(""), ", "))
}

// forTask returns the named model, or the first model doing task when name is empty. A model that
// cannot do task is an errs.WrongTask naming the models that can.
func (r *Registry) forTask(name, task, verb string) (*Model, error) {
	if name == "" {
		for _, m := range r.models {
			if m.Config.Task == task {
				return m, nil
			}
		}
		return nil, errs.Field(errs.WrongTask, "model", "no served model can %s (none has task %s)", verb, task)
	}
	m, err := r.Get(name)
	if err != nil {
		return nil, err
	}
	if m.Config.Task != task {
		can := "none"
		if names := r.names(task); len(names) > 0 {
			can = strings.Join(names, ", ")
		}
		return nil, errs.Field(errs.WrongTask, "model", "%s is a %s model and cannot %s; models that can: %s",
			name, m.Config.Task, verb, can)
	}
	return m, nil
}

// Embedder returns the embedding pipeline of the named (or default) feature-extraction model.
func (r *Registry) Embedder(name string) (*pipeline.Embedder, error) {
	m, err := r.forTask(name, TaskFeatureExtraction, "embed")
	if err != nil {
		return nil, err
	}
	return m.Embedder, nil
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

func (r *Registry) names(task string) []string {
	var names []string
	for _, m := range r.models {
		if task == "" || m.Config.Task == task {
			names = append(names, m.Config.Name)
		}
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

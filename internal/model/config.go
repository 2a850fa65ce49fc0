package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bertserve/bertserve/internal/postprocess"
)

// ConfigFile is the name of a model folder's server config.
const ConfigFile = "bertserve.json"

// Task names, as in Hugging Face pipelines.
const (
	TaskFeatureExtraction  = "feature-extraction"
	TaskTextClassification = "text-classification"
	TaskTokenClass         = "token-classification"
	TaskQuestionAnswering  = "question-answering"
	TaskFillMask           = "fill-mask"
	TaskZeroShot           = "zero-shot-classification"
)

var tasks = []string{TaskFeatureExtraction, TaskTextClassification, TaskTokenClass, TaskQuestionAnswering, TaskFillMask, TaskZeroShot}

// Config is a model folder's bertserve.json (documented in models/README.md).
type Config struct {
	Name        string            `json:"name"`
	Task        string            `json:"task"`
	MaxLength   int               `json:"max_length"`
	Pooling     string            `json:"pooling"`
	Normalize   bool              `json:"normalize"`
	Inputs      map[string]string `json:"inputs"`
	Outputs     map[string]string `json:"outputs"`
	ID2Label    map[string]string `json:"id2label"`
	ProblemType string            `json:"problem_type"`
	MaskToken   string            `json:"mask_token"`
	// EntailmentID is the NLI model's entailment label index (zero-shot-classification).
	EntailmentID *int   `json:"entailment_id"`
	Source       Source `json:"source"`
}

// Source says where a model's files came from.
type Source struct {
	Package  string `json:"package,omitempty"`
	Version  string `json:"version,omitempty"`
	Licence  string `json:"licence,omitempty"`
	Upstream string `json:"upstream,omitempty"`
}

// Input roles a config may name, and the graph names they default to.
var inputRoles = []string{"input_ids", "attention_mask", "token_type_ids"}

// readConfig reads and checks dir's bertserve.json; the name defaults to the folder's.
func readConfig(dir string) (Config, error) {
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if c.Name == "" {
		c.Name = filepath.Base(dir)
	}
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func (c *Config) validate() error {
	var problems []string
	switch c.Task {
	case TaskFeatureExtraction:
		if _, err := postprocess.ParsePooling(c.Pooling); err != nil {
			problems = append(problems, "pooling: "+err.Error())
		}
	case TaskTextClassification, TaskTokenClass, TaskZeroShot:
		if len(c.ID2Label) == 0 {
			problems = append(problems, "id2label: required for "+c.Task)
		}
		if _, err := c.labels(); err != nil {
			problems = append(problems, "id2label: "+err.Error())
		}
		if c.Task == TaskZeroShot {
			if c.EntailmentID == nil {
				problems = append(problems, "entailment_id: required for "+c.Task)
			} else if *c.EntailmentID < 0 || *c.EntailmentID >= len(c.ID2Label) {
				problems = append(problems, fmt.Sprintf("entailment_id: %d is not a label index", *c.EntailmentID))
			}
		}
		switch c.ProblemType {
		case "", "single_label_classification", "multi_label_classification", "regression":
		default:
			problems = append(problems, fmt.Sprintf("problem_type: unknown %q", c.ProblemType))
		}
	case TaskQuestionAnswering:
	case TaskFillMask:
		if c.MaskToken == "" {
			problems = append(problems, "mask_token: required for fill-mask")
		}
	case "":
		problems = append(problems, "task: missing")
	default:
		problems = append(problems, fmt.Sprintf("task: unknown task %q (supported: %s)", c.Task, strings.Join(tasks, ", ")))
	}
	if c.MaxLength < 2 {
		problems = append(problems, fmt.Sprintf("max_length: %d is too small (it includes special tokens)", c.MaxLength))
	}
	for role := range c.Inputs {
		if !slices.Contains(inputRoles, role) {
			problems = append(problems, fmt.Sprintf("inputs: unknown role %q (want %s)", role, strings.Join(inputRoles, ", ")))
		}
	}
	if strings.ContainsAny(c.Name, "/ \t\n") {
		problems = append(problems, fmt.Sprintf("name: %q must not contain spaces or slashes", c.Name))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// labels returns id2label as a slice indexed by logit; the keys must be 0..n-1.
func (c *Config) labels() ([]string, error) {
	out := make([]string, len(c.ID2Label))
	for k, v := range c.ID2Label {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(out) {
			return nil, fmt.Errorf("key %q is not an index from 0 to %d", k, len(out)-1)
		}
		out[i] = v
	}
	return out, nil
}

// inputName is the graph input a role maps to.
func (c *Config) inputName(role string) string {
	if n, ok := c.Inputs[role]; ok && n != "" {
		return n
	}
	return role
}

// Package model reads model folders (bertserve.json, model.onnx, tokenizer.json), validates them
// against the graph they describe, and builds each one's tokenizer, session, batcher and pipeline.
// The Registry serves them by name, with a default per task.
package model

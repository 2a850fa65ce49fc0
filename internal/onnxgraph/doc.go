// Package onnxgraph rewrites ONNX model files at the protobuf level, without cgo: it makes a
// BERT-style encoder accept several sequences packed into one row, so that a batch of texts of
// different lengths runs without padding.
package onnxgraph

// Package ort is the server's only cgo: it loads the ONNX Runtime shared library once, opens model
// sessions, and runs padded integer batches through them, returning float32 outputs as Go slices.
package ort

// Package pipeline turns requests into model work and model outputs into answers, one file per
// task: it tokenizes inputs (checking them against the model's length), queues them on the model's
// batcher, and decodes the rows that come back with the pure functions of package postprocess.
package pipeline

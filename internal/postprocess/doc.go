// Package postprocess holds the pure maths that turns model outputs into answers: pooling token
// states into sentence vectors, normalisation, and (per task) softmax, entity grouping and span
// search. Nothing here knows about tokenizers, sessions or HTTP.
package postprocess

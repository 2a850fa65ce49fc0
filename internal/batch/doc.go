// Package batch merges the sequences of many concurrent requests into padded batches under a token
// budget, runs them on a Runner with a fixed number of workers, and hands each request its rows back.
//
// A worker forms its batch when it becomes free: the oldest waiting sequence anchors the batch (so
// nothing starves), and the waiting sequences closest to it in length join while the padded cost
// (longest × count) fits the budget, no sequence is padded to more than about twice its length,
// and padding stays under a fifth of the batch. That keeps padding low when long and short inputs
// mix: a short sequence never rides along in a long batch.
// Sequences whose request was cancelled are dropped before they reach the model, and a full queue
// fails at once with errs.Overloaded instead of growing without bound.
package batch

// Package batch merges the sequences of many concurrent requests into batches under a token budget,
// runs them on a Runner with a fixed number of workers, and hands each request its rows back.
//
// A worker forms its batch when it becomes free: the oldest waiting sequence anchors the batch (so
// nothing starves). In a padded batch (one sequence per row) the waiting sequences closest to it in
// length join while the padded cost (longest × count) fits the budget, no sequence is padded to more
// than about twice its length, and padding stays under a tenth of the batch. In a packed batch (a
// graph that takes several sequences per row, Config.Packed) padding costs next to nothing, so the
// waiting sequences join in arrival order, and packRows lays them out in a few even rows. Either way
// a short sequence never rides along in a long one's batch, so long inputs do not hold short ones
// up.
//
// When every run gets only a share of the cores (Config.Spread), a worker that finds other workers
// idle takes only its share of the waiting tokens and leaves the rest to them, and a batch that
// has the model to itself (nothing else running or waiting) can run on a second Runner with more
// threads (Config.Alone): a lone request gets every core, busy batches one core each.
//
// A worker that comes free while another batch runs waits briefly (Config.FillWait) until as many
// sequences are waiting as its last batch ran: clients that send their next request when an
// answer arrives would otherwise have their requests split into a batch of the first arrival and
// a batch of the rest, and on a CPU every run costs a fixed amount however small.
//
// Sequences whose request was cancelled are dropped before they reach the model, and a full queue
// fails at once with errs.Overloaded instead of growing without bound.
package batch

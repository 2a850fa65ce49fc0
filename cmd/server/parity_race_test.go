//go:build race

package main

// raceEnabled makes the parity tests sample their cases: the race detector is there for the
// concurrent paths, which a fraction of the cases exercises as well as all of them, and
// `make test-parity` runs every case without it.
const raceEnabled = true

//go:build race

package tokenizer

// raceEnabled makes the golden test sample its cases: the race detector is there for the
// concurrent paths, which a fraction of the corpus exercises as well as all of it.
const raceEnabled = true

package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// corpus holds the texts requests are drawn from: short sentences (the English side of the
// Tatoeba sample) and long documents (CoNLL-2003 news sentences joined to about longWords words,
// which the model cuts at its maximum length).
type corpus struct {
	short []string
	long  []string
}

const longWords = 400 // about 512 word-piece tokens of news text

func loadCorpus(dataDir string) (*corpus, error) {
	c := &corpus{}
	tatoeba := filepath.Join(dataDir, "multilingual", "tatoeba_sample.tsv")
	err := eachLine(tatoeba, func(i int, line string) {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 4 || strings.TrimSpace(f[3]) == "" {
			return
		}
		c.short = append(c.short, f[3])
	})
	if err != nil {
		return nil, err
	}

	// CoNLL files hold one token per line and a blank line between sentences.
	conll := filepath.Join(dataDir, "conll2003", "eng.testa")
	var doc, sent []string
	flush := func() {
		if len(sent) > 0 {
			doc = append(doc, strings.Join(sent, " "))
			sent = sent[:0]
		}
		if n := countWords(doc); n >= longWords {
			c.long = append(c.long, strings.Join(doc, " "))
			doc = doc[:0]
		}
	}
	err = eachLine(conll, func(_ int, line string) {
		if strings.HasPrefix(line, "-DOCSTART-") {
			return
		}
		if strings.TrimSpace(line) == "" {
			flush()
			return
		}
		sent = append(sent, strings.Fields(line)[0])
	})
	if err != nil {
		return nil, err
	}
	if len(c.short) == 0 || len(c.long) == 0 {
		return nil, fmt.Errorf("corpus under %s: %d short and %d long texts", dataDir, len(c.short), len(c.long))
	}
	return c, nil
}

func countWords(doc []string) int {
	n := 0
	for _, s := range doc {
		n += strings.Count(s, " ") + 1
	}
	return n
}

func eachLine(path string, fn func(i int, line string)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("corpus: %w (the shared data lives in ../shared/data; pass -data)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; sc.Scan(); i++ {
		fn(i, sc.Text())
	}
	return sc.Err()
}

// draw picks n texts: each is long with probability longFrac, short otherwise. long reports
// whether any was long.
func (c *corpus) draw(rng *rand.Rand, n int, longFrac float64) (texts []string, long bool) {
	texts = make([]string, n)
	for i := range texts {
		if longFrac > 0 && rng.Float64() < longFrac {
			texts[i], long = c.long[rng.IntN(len(c.long))], true
			continue
		}
		texts[i] = c.short[rng.IntN(len(c.short))]
	}
	return texts, long
}

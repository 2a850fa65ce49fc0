"""--optimize, --quantize int8, --fp16 and external data each produce a folder that validates."""

import json

import onnx
import pytest

import export_onnx
import tiny_models


@pytest.fixture(scope="module")
def bert_classifier(checkpoints):
    return tiny_models.make_checkpoint("bert", "text-classification", checkpoints / "bert-options")


def export(ckpt, out, *extra):
    return export_onnx.run(
        export_onnx.parse_args(["--from-pretrained", str(ckpt), "--output", str(out), *extra])
    )


def op_types(folder):
    return {n.op_type for n in onnx.load(str(folder / "model.onnx")).graph.node}


def test_optimize_fuses_layernorm_and_gelu(bert_classifier, tmp_path):
    result = export(bert_classifier, tmp_path, "--optimize")
    ops = op_types(tmp_path)
    assert {"SkipLayerNormalization", "BiasGelu"} <= ops
    assert result["max_abs_diff"]["logits"] < 1e-4


def test_int8_quantization_uses_integer_matmuls(bert_classifier, tmp_path):
    result = export(bert_classifier, tmp_path, "--quantize", "int8")
    assert "MatMulInteger" in op_types(tmp_path) or "DynamicQuantizeLinear" in op_types(tmp_path)
    assert result["max_abs_diff"]["logits"] < 0.05


def test_fp16_keeps_float32_inputs_and_outputs(bert_classifier, tmp_path):
    result = export(bert_classifier, tmp_path, "--optimize", "--fp16")
    graph = onnx.load(str(tmp_path / "model.onnx")).graph
    assert graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert any(
        t.data_type == onnx.TensorProto.FLOAT16 for t in graph.initializer
    ), "weights were not converted"
    assert result["max_abs_diff"]["logits"] < 5e-2


def test_external_data_is_one_file_beside_the_graph(bert_classifier, tmp_path):
    result = export(bert_classifier, tmp_path, "--external-data", "always")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bertserve.json", "model.onnx", "model.onnx_data", "tokenizer.json"
    ]
    graph_bytes = (tmp_path / "model.onnx").stat().st_size
    assert graph_bytes * 4 < (tmp_path / "model.onnx_data").stat().st_size
    assert result["max_abs_diff"]["logits"] < 1e-4


def test_no_validate_skips_the_comparison(bert_classifier, tmp_path):
    result = export(bert_classifier, tmp_path, "--no-validate")
    assert result["max_abs_diff"] == {}
    assert json.loads((tmp_path / "bertserve.json").read_text())["task"] == "text-classification"


def test_fp16_and_int8_are_exclusive():
    with pytest.raises(SystemExit):
        export_onnx.parse_args(["--from-pretrained", "x", "--output", "y", "--fp16", "--quantize", "int8"])

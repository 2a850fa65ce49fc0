"""bertserve.json is derived correctly from the checkpoint, and bad checkpoints fail clearly."""

import json

import pytest

import export_onnx
import tiny_models


def export(ckpt, out, *extra):
    return export_onnx.run(
        export_onnx.parse_args(["--from-pretrained", str(ckpt), "--output", str(out), *extra])
    )


def config_of(folder):
    return json.loads((folder / "bertserve.json").read_text())


def make_sentence_transformer(folder, pooling_flag, normalize, max_seq_length):
    tiny_models.make_checkpoint("bert", "feature-extraction", folder)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
        (folder / "2_Normalize").mkdir()
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_seq_length, "do_lower_case": False}))
    (folder / "1_Pooling").mkdir()
    flags = {f: f == pooling_flag for f, _ in export_onnx.ST_POOLING}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **flags}))
    (folder / "README.md").write_text("---\nlicense: mit\ntags:\n- test\n---\n# tiny\n")
    return folder


@pytest.mark.parametrize(
    "flag,pooling,normalize",
    [("pooling_mode_cls_token", "cls", True), ("pooling_mode_mean_tokens", "mean", False)],
)
def test_sentence_transformers_pooling_normalize_and_length(tmp_path, flag, pooling, normalize):
    ckpt = make_sentence_transformer(tmp_path / "st", flag, normalize, max_seq_length=128)
    # run() also checks pooled ONNX output against SentenceTransformer.encode().
    export(ckpt, tmp_path / "out")
    cfg = config_of(tmp_path / "out")
    assert cfg["task"] == "feature-extraction"
    assert (cfg["pooling"], cfg["normalize"], cfg["max_length"]) == (pooling, normalize, 128)
    assert cfg["source"]["licence"] == "mit"


def test_pooling_and_normalize_flags_override(tmp_path):
    ckpt = tiny_models.make_checkpoint("distilbert", "feature-extraction", tmp_path / "ckpt")
    export(ckpt, tmp_path / "out", "--pooling", "cls", "--normalize", "--max-length", "64", "--name", "emb")
    cfg = config_of(tmp_path / "out")
    assert (cfg["name"], cfg["pooling"], cfg["normalize"], cfg["max_length"]) == ("emb", "cls", True, 64)


def test_multi_label_problem_type_is_kept(tmp_path):
    ckpt = tiny_models.make_checkpoint("roberta", "text-classification", tmp_path / "ckpt",
                                       labels=["toxic", "insult", "threat"],
                                       problem_type="multi_label_classification")
    export(ckpt, tmp_path / "out")
    cfg = config_of(tmp_path / "out")
    assert cfg["problem_type"] == "multi_label_classification"
    assert cfg["id2label"] == {"0": "toxic", "1": "insult", "2": "threat"}


def test_one_logit_cross_encoder_leaves_problem_type_unset(tmp_path):
    ckpt = tiny_models.make_checkpoint("bert", "text-classification", tmp_path / "ckpt", labels=["LABEL_0"])
    export(ckpt, tmp_path / "out")
    cfg = config_of(tmp_path / "out")
    assert cfg["task"] == "text-classification"
    # No problem_type: the server applies a sigmoid to the one logit, as the HF pipeline does.
    assert "problem_type" not in cfg
    assert cfg["inputs"]["token_type_ids"] == "token_type_ids"


def test_nli_model_can_be_exported_as_plain_classifier(tmp_path):
    ckpt = tiny_models.make_checkpoint("bert", "zero-shot-classification", tmp_path / "ckpt")
    export(ckpt, tmp_path / "out", "--task", "text-classification")
    cfg = config_of(tmp_path / "out")
    assert cfg["task"] == "text-classification" and "entailment_id" not in cfg


def test_zero_shot_needs_an_entailment_label(tmp_path):
    ckpt = tiny_models.make_checkpoint("bert", "text-classification", tmp_path / "ckpt")
    with pytest.raises(export_onnx.ExportError, match="entailment"):
        export(ckpt, tmp_path / "out", "--task", "zero-shot-classification")


def test_decoder_models_are_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(
        {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": 1}))
    with pytest.raises(export_onnx.ExportError, match="unsupported architecture GPT2LMHeadModel"):
        export(tmp_path, tmp_path / "out")


def test_unknown_heads_are_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(
        {"model_type": "bert", "architectures": ["BertForMultipleChoice"]}))
    with pytest.raises(export_onnx.ExportError, match="unsupported architecture BertForMultipleChoice"):
        export(tmp_path, tmp_path / "out")


def test_main_prints_one_line_errors(tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "t5", "architectures": ["T5Model"]}))
    assert export_onnx.main(["--from-pretrained", str(tmp_path), "--output", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("export_onnx: unsupported architecture T5Model") and "Traceback" not in err

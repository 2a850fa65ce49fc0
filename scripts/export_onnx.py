#!/usr/bin/env python3
"""Export a Hugging Face encoder checkpoint to a bertserve model folder.

The folder it writes is exactly what the server loads (see models/README.md):

    model.onnx        the graph (weights in model.onnx_data beside it when over 2 GB)
    tokenizer.json    a fast tokenizer, converted from a slow one when needed
    bertserve.json    task, lengths, graph input/output names, labels, provenance

Examples:

    scripts/export_onnx.py --from-pretrained sentence-transformers/all-MiniLM-L6-v2 \
        --output models/all-MiniLM-L6-v2
    scripts/export_onnx.py --from-pretrained ./my-ner-checkpoint --output models/ner \
        --optimize --quantize int8

The task is read from config.architectures and can be forced with --task. By
default the exported graph is run against PyTorch on sample inputs (a batch with
padding, a sentence pair and a text that fills max_length) and the export fails
when they disagree by more than the tolerance.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TASKS = (
    "feature-extraction",
    "text-classification",
    "token-classification",
    "question-answering",
    "fill-mask",
    "zero-shot-classification",
)

# Encoder families whose export is known to work. Decoder and encoder-decoder
# models are refused: the server only runs bidirectional encoders.
SUPPORTED_MODEL_TYPES = (
    "bert",
    "distilbert",
    "roberta",
    "xlm-roberta",
    "camembert",
    "electra",
    "mpnet",
    "albert",
)

# Architecture suffix -> task, checked in order.
ARCHITECTURE_TASKS = (
    ("ForSequenceClassification", "text-classification"),
    ("ForTokenClassification", "token-classification"),
    ("ForQuestionAnswering", "question-answering"),
    ("ForMaskedLM", "fill-mask"),
    ("ForPreTraining", "fill-mask"),
    ("Model", "feature-extraction"),
)

# sentence-transformers pooling flags -> bertserve pooling names.
ST_POOLING = (
    ("pooling_mode_cls_token", "cls"),
    ("pooling_mode_mean_tokens", "mean"),
    ("pooling_mode_max_tokens", "max"),
    ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len"),
    ("pooling_mode_lasttoken", "last"),
)

# Graph outputs by task, in the order the wrapper returns them.
TASK_OUTPUTS = {
    "feature-extraction": ("last_hidden_state",),
    "text-classification": ("logits",),
    "zero-shot-classification": ("logits",),
    "token-classification": ("logits",),
    "question-answering": ("start_logits", "end_logits"),
    "fill-mask": ("logits",),
}

TWO_GB = 2 * 1024**3
DEFAULT_OPSET = 18  # the lowest opset torch's exporter writes


class ExportError(Exception):
    """A problem the user can fix: shown as one line, without a traceback."""


@dataclass
class SentenceTransformerInfo:
    """What a sentence-transformers folder says about serving it."""

    transformer_path: Path
    pooling: str | None = None
    normalize: bool = False
    max_seq_length: int | None = None


@dataclass
class Plan:
    """Everything decided before exporting."""

    source_dir: Path
    task: str
    model_type: str
    config: object
    tokenizer: object
    input_names: list[str]
    output_names: list[str]
    max_length: int
    st: SentenceTransformerInfo | None
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- locating ---


def resolve_source(spec: str, revision: str | None) -> Path:
    """A local folder as is; anything else is a Hub id, downloaded."""
    path = Path(spec)
    if path.is_dir():
        return path
    if path.exists():
        raise ExportError(f"{spec} is a file; --from-pretrained takes a folder or a model id")
    try:
        from huggingface_hub import snapshot_download
    except ImportError as err:  # pragma: no cover - transformers brings it
        raise ExportError(f"{spec} is no local folder and huggingface_hub is missing") from err
    try:
        return Path(
            snapshot_download(
                spec,
                revision=revision,
                # Configs, tokenizer files, model card and PyTorch weights, also in
                # sentence-transformers' module folders; no TF/Flax/ONNX copies.
                allow_patterns=[
                    pattern
                    for top in ("", "*/")
                    for pattern in (
                        f"{top}*.json",
                        f"{top}*.txt",
                        f"{top}*.model",
                        f"{top}*.md",
                        f"{top}*.safetensors",
                        f"{top}pytorch_model*.bin",
                    )
                ],
            )
        )
    except Exception as err:
        raise ExportError(f"cannot download {spec}: {err}") from err


def read_sentence_transformers(source: Path) -> SentenceTransformerInfo | None:
    """Reads modules.json, the Pooling config and sentence_bert_config.json."""
    modules_file = source / "modules.json"
    if not modules_file.is_file():
        return None
    modules = json.loads(modules_file.read_text())
    info = SentenceTransformerInfo(transformer_path=source)
    for module in modules:
        kind = module.get("type", "").rsplit(".", 1)[-1]
        folder = source / module.get("path", "")
        if kind == "Transformer":
            info.transformer_path = folder
            for name in ("sentence_bert_config.json", "sentence_xlnet_config.json"):
                cfg = folder / name
                if cfg.is_file():
                    info.max_seq_length = json.loads(cfg.read_text()).get("max_seq_length")
        elif kind == "Pooling":
            info.pooling = read_st_pooling(folder / "config.json")
        elif kind == "Normalize":
            info.normalize = True
        else:
            raise ExportError(
                f"{modules_file}: module {module.get('type')} ({module.get('path')}) changes the "
                "sentence vector in a way bertserve.json cannot describe; "
                "only Transformer, Pooling and Normalize are supported"
            )
    return info


def read_st_pooling(config_file: Path) -> str:
    cfg = json.loads(config_file.read_text())
    chosen = [name for flag, name in ST_POOLING if cfg.get(flag)]
    if cfg.get("pooling_mode_weightedmean_tokens"):
        raise ExportError(f"{config_file}: weighted-mean pooling is not supported by the server")
    if len(chosen) != 1:
        raise ExportError(
            f"{config_file}: expected exactly one pooling mode, found {chosen or 'none'}"
        )
    return chosen[0]


def read_licence(source: Path) -> str | None:
    """The `license:` of a model card's YAML front matter, if any."""
    card = source / "README.md"
    if not card.is_file():
        return None
    text = card.read_text(errors="replace")
    if not text.startswith("---"):
        return None
    front = text.split("---", 2)[1]
    match = re.search(r"^licen[sc]e:\s*(.+)$", front, re.MULTILINE)
    return match.group(1).strip().strip("'\"") if match else None


# ---------------------------------------------------------------- planning ---


def detect_task(config) -> str:
    architectures = getattr(config, "architectures", None) or []
    for arch in architectures:
        for suffix, task in ARCHITECTURE_TASKS:
            if arch.endswith(suffix):
                if task == "text-classification" and entailment_id(config) is not None:
                    return "zero-shot-classification"
                return task
    if not architectures:
        return "feature-extraction"
    raise ExportError(
        f"unsupported architecture {', '.join(architectures)}: bertserve serves "
        + ", ".join(TASKS)
        + " (heads *ForSequenceClassification, *ForTokenClassification, "
        "*ForQuestionAnswering, *ForMaskedLM or a bare encoder)"
    )


def id2label(config) -> dict[str, str]:
    return {str(int(k)): str(v) for k, v in sorted(config.id2label.items(), key=lambda kv: int(kv[0]))}


def entailment_id(config) -> int | None:
    for key, label in (getattr(config, "id2label", None) or {}).items():
        if str(label).lower().startswith("entail"):
            return int(key)
    return None


def problem_type(config) -> str | None:
    """The checkpoint's problem_type, or None when it sets none: the server then scores as the
    Hugging Face pipeline does (sigmoid for one logit, softmax for several)."""
    return config.problem_type or None


def load_tokenizer(source: Path):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(source))
    except Exception as err:
        raise ExportError(f"cannot load a tokenizer from {source}: {err}") from err
    if not getattr(tok, "is_fast", False):
        # Older transformers keep slow tokenizers; convert them the way
        # PreTrainedTokenizerFast does when it loads a slow-only folder.
        from transformers import PreTrainedTokenizerFast
        from transformers.convert_slow_tokenizer import convert_slow_tokenizer

        backend = convert_slow_tokenizer(tok)
        tok = PreTrainedTokenizerFast(tokenizer_object=backend, **tok.special_tokens_map)
    return tok


def graph_inputs(tokenizer, model) -> list[str]:
    """input_ids, attention_mask, and token_type_ids only when the model uses them."""
    accepted = inspect.signature(model.forward).parameters
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in tokenizer.model_input_names and "token_type_ids" in accepted:
        names.append("token_type_ids")
    return names


def max_length_of(config, tokenizer, st: SentenceTransformerInfo | None, model_type: str) -> int:
    candidates = []
    positions = getattr(config, "max_position_embeddings", None)
    if positions:
        # RoBERTa-style models offset positions by padding_idx + 1.
        if model_type in ("roberta", "xlm-roberta", "camembert"):
            positions -= (config.pad_token_id or 0) + 1
        candidates.append(positions)
    tok_max = getattr(tokenizer, "model_max_length", None)
    if tok_max and tok_max < 1_000_000:
        candidates.append(tok_max)
    if st and st.max_seq_length:
        candidates.append(st.max_seq_length)
    if not candidates:
        raise ExportError("cannot tell the maximum length: set --max-length")
    return int(min(candidates))


def make_plan(args) -> Plan:
    from transformers import AutoConfig

    source = resolve_source(args.from_pretrained, args.revision)
    st = read_sentence_transformers(source)
    model_dir = st.transformer_path if st else source
    try:
        config = AutoConfig.from_pretrained(str(model_dir))
    except Exception as err:
        raise ExportError(f"cannot read a model config from {model_dir}: {err}") from err
    model_type = config.model_type
    if model_type not in SUPPORTED_MODEL_TYPES:
        archs = ", ".join(getattr(config, "architectures", None) or ["?"])
        raise ExportError(
            f"unsupported architecture {archs} (model_type {model_type!r}): "
            f"export supports {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
    task = args.task or ("feature-extraction" if st else detect_task(config))
    if task == "zero-shot-classification" and entailment_id(config) is None:
        raise ExportError(
            f"zero-shot-classification needs an NLI model with an 'entailment' label; "
            f"id2label is {dict(config.id2label)}"
        )
    tokenizer = load_tokenizer(model_dir)
    if task == "fill-mask" and tokenizer.mask_token is None:
        raise ExportError("fill-mask needs a tokenizer with a mask token")
    max_length = args.max_length or max_length_of(config, tokenizer, st, model_type)
    return Plan(
        source_dir=model_dir,
        task=task,
        model_type=model_type,
        config=config,
        tokenizer=tokenizer,
        input_names=[],  # filled once the model is loaded
        output_names=list(TASK_OUTPUTS[task]),
        max_length=max_length,
        st=st,
        extra={"root": source},
    )


# ---------------------------------------------------------------- exporting --


def load_model(plan: Plan):
    import torch
    import transformers

    classes = {
        "feature-extraction": transformers.AutoModel,
        "text-classification": transformers.AutoModelForSequenceClassification,
        "zero-shot-classification": transformers.AutoModelForSequenceClassification,
        "token-classification": transformers.AutoModelForTokenClassification,
        "question-answering": transformers.AutoModelForQuestionAnswering,
        "fill-mask": transformers.AutoModelForMaskedLM,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # Eager attention traces into plain MatMul/Softmax, which ONNX
            # Runtime's optimizer knows how to fuse.
            model = classes[plan.task].from_pretrained(
                str(plan.source_dir), attn_implementation="eager", dtype=torch.float32
            )
        except Exception as err:
            raise ExportError(f"cannot load {plan.source_dir} for {plan.task}: {err}") from err
    model.eval()
    return model


class _Wrapper:
    """Builds a torch module whose forward takes the graph inputs positionally."""

    @staticmethod
    def build(model, input_names, output_names):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, *tensors):
                out = self.model(**dict(zip(input_names, tensors)), return_dict=True)
                return tuple(out[name] for name in output_names)

        return Wrapped().eval()


def export_graph(model, plan: Plan, path: Path, opset: int) -> None:
    import torch

    wrapped = _Wrapper.build(model, plan.input_names, plan.output_names)
    sample = plan.tokenizer(
        ["a short sentence", "a slightly longer second sentence for the batch"],
        padding=True,
        return_tensors="pt",
    )
    args = tuple(sample[name] for name in plan.input_names)
    batch = torch.export.Dim("batch")
    sequence = torch.export.Dim("sequence", max=max(plan.max_length, 2))
    shapes = tuple({0: batch, 1: sequence} for _ in plan.input_names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            wrapped,
            args,
            dynamo=True,
            input_names=plan.input_names,
            output_names=plan.output_names,
            dynamic_shapes=(shapes,),
            opset_version=opset,
            verbose=False,
        )
    program.save(str(path), external_data=True)
    name_dynamic_axes(path)


def name_dynamic_axes(path: Path) -> None:
    """Renames the exporter's symbolic dims (s0, s1, ...) to batch and sequence."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    graph_input = model.graph.input[0]
    dims = graph_input.type.tensor_type.shape.dim
    rename = {}
    if len(dims) == 2:
        if dims[0].dim_param:
            rename[dims[0].dim_param] = "batch"
        if dims[1].dim_param:
            rename[dims[1].dim_param] = "sequence"
    for value in list(model.graph.input) + list(model.graph.output):
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param in rename:
                dim.dim_param = rename[dim.dim_param]
    onnx.save(model, str(path))


def optimize(src: Path, dst: Path, plan: Plan) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    cfg = plan.config
    heads = getattr(cfg, "num_attention_heads", None) or getattr(cfg, "n_heads", 0)
    hidden = getattr(cfg, "hidden_size", None) or getattr(cfg, "dim", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = optimize_model(
            str(src), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1
        )
    stats = opt.get_fused_operator_statistics()
    fused = {k: v for k, v in stats.items() if v}
    print(f"optimize: fused operators {fused}")
    opt.save_model_to_file(str(dst), use_external_data_format=True)


def to_fp16(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.transformers.onnx_model import OnnxModel

    model = OnnxModel(onnx.load(str(src)))
    # Inputs and outputs stay float32/int64 so the server feeds the graph the same way.
    model.convert_float_to_float16(keep_io_types=True)
    model.save_model_to_file(str(dst), use_external_data_format=True)


def quantize_int8(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType.QInt8, use_external_data_format=True
    )


def write_model(src: Path, out_dir: Path, external: str) -> None:
    """Saves model.onnx, with one model.onnx_data beside it when over 2 GB."""
    import onnx

    model = onnx.load(str(src))
    size = sum(len(t.raw_data) for t in model.graph.initializer)
    target = out_dir / "model.onnx"
    for stale in (target, out_dir / "model.onnx_data"):
        stale.unlink(missing_ok=True)
    if external == "always" or (external == "auto" and size > TWO_GB):
        onnx.save_model(
            model,
            str(target),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location="model.onnx_data",
            size_threshold=1024,
        )
    else:
        onnx.save_model(model, str(target))


# ---------------------------------------------------------------- config -----


def build_config(plan: Plan, args) -> dict:
    cfg: dict = {"name": args.name or Path(args.output).resolve().name, "task": plan.task}
    cfg["max_length"] = plan.max_length
    if plan.task == "feature-extraction":
        pooling = args.pooling or (plan.st.pooling if plan.st else None) or "mean"
        normalize = args.normalize if args.normalize is not None else bool(plan.st and plan.st.normalize)
        cfg["pooling"] = pooling
        cfg["normalize"] = normalize
    cfg["inputs"] = {name: name for name in plan.input_names}
    cfg["outputs"] = {name: name for name in plan.output_names}
    if plan.task in ("text-classification", "zero-shot-classification", "token-classification"):
        cfg["id2label"] = id2label(plan.config)
    if plan.task in ("text-classification", "zero-shot-classification"):
        if problem_type(plan.config):
            cfg["problem_type"] = problem_type(plan.config)
    if plan.task == "fill-mask":
        cfg["mask_token"] = plan.tokenizer.mask_token
    if plan.task == "zero-shot-classification":
        cfg["entailment_id"] = entailment_id(plan.config)
    licence = args.licence or read_licence(plan.extra["root"]) or read_licence(plan.source_dir)
    source = {
        "package": args.source_package,
        "version": args.source_version,
        "licence": licence,
        "upstream": args.upstream or args.from_pretrained,
    }
    cfg["source"] = {k: v for k, v in source.items() if v}
    return cfg


# ---------------------------------------------------------------- validating -


SAMPLE_TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Paris is the capital of France.",
]
SAMPLE_PAIR = ("Where is the Eiffel Tower?", "The Eiffel Tower is in Paris, the capital of France.")
LONG_TEXT = (
    "Transformers read every token of a sentence at once, and a long document "
    "fills the whole context window of the encoder. "
)


def sample_batches(plan: Plan) -> list[tuple[str, dict]]:
    """Named batches of numpy inputs: padding, a pair, and one of max_length tokens."""
    tok = plan.tokenizer
    long_text = LONG_TEXT * (plan.max_length // 8 + 4)
    texts = list(SAMPLE_TEXTS)
    if plan.task == "fill-mask":
        texts = [t.replace("capital", tok.mask_token) for t in texts]
    batches = [
        ("batch", tok(texts, padding=True, return_tensors="np")),
        ("pair", tok([SAMPLE_PAIR[0]], [SAMPLE_PAIR[1]], padding=True, return_tensors="np")),
        (
            f"{plan.max_length}-token",
            tok([long_text], truncation=True, max_length=plan.max_length, return_tensors="np"),
        ),
    ]
    out = []
    for label, enc in batches:
        out.append((label, {name: enc[name].astype(np.int64) for name in plan.input_names}))
    return out


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    denom = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / denom) if denom else 1.0


def validate(model, plan: Plan, model_path: Path, atol: float, min_cosine: float) -> dict:
    """Runs ONNX Runtime and PyTorch on the samples; returns the max abs diff per output."""
    import onnxruntime as ort
    import torch

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    fed = {i.name for i in session.get_inputs()}
    if fed != set(plan.input_names):
        raise ExportError(f"graph inputs {sorted(fed)} differ from {plan.input_names}")
    worst = {name: 0.0 for name in plan.output_names}
    worst_cos = {name: 1.0 for name in plan.output_names}
    for label, feeds in sample_batches(plan):
        onnx_out = session.run(plan.output_names, feeds)
        with torch.no_grad():
            torch_out = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}, return_dict=True)
        for name, got in zip(plan.output_names, onnx_out):
            want = torch_out[name].float().numpy()
            if got.shape != want.shape:
                raise ExportError(f"{label}: output {name} has shape {got.shape}, PyTorch {want.shape}")
            diff = float(np.abs(got.astype(np.float32) - want).max())
            worst[name] = max(worst[name], diff)
            worst_cos[name] = min(worst_cos[name], cosine(got, want))
    failed = []
    for name in plan.output_names:
        print(
            f"validate {name}: max abs diff {worst[name]:.2e}, min cosine {worst_cos[name]:.6f} "
            f"(tolerance {atol:g}" + (f", cosine >= {min_cosine}" if min_cosine else "") + ")"
        )
        if worst[name] > atol or (min_cosine and worst_cos[name] < min_cosine):
            failed.append(name)
    if failed:
        raise ExportError(f"validation failed for {', '.join(failed)}: ONNX and PyTorch disagree")
    if plan.st and plan.task == "feature-extraction":
        validate_sentence_embeddings(plan, session, atol)
    return worst


def pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """The server's pooling, restated in numpy to check the config against sentence-transformers."""
    m = mask[..., None].astype(hidden.dtype)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "mean":
        return (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    if mode == "mean_sqrt_len":
        return (hidden * m).sum(1) / np.sqrt(np.clip(m.sum(1), 1e-9, None))
    if mode == "max":
        return np.where(m > 0, hidden, -1e9).max(1)
    if mode == "last":
        last = mask.sum(1) - 1
        return hidden[np.arange(len(hidden)), last]
    raise ExportError(f"unknown pooling {mode}")


def validate_sentence_embeddings(plan: Plan, session, atol: float) -> None:
    """Checks that pooling + normalize in bertserve.json reproduce sentence-transformers."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("validate sentence embeddings: skipped, sentence-transformers is not installed")
        return
    st_model = SentenceTransformer(str(plan.extra["root"]), device="cpu")
    want = st_model.encode(SAMPLE_TEXTS, convert_to_numpy=True)
    feeds = {
        k: v.astype(np.int64)
        for k, v in plan.tokenizer(SAMPLE_TEXTS, padding=True, return_tensors="np").items()
        if k in plan.input_names
    }
    hidden = session.run([plan.output_names[0]], feeds)[0].astype(np.float32)
    got = pool(hidden, feeds["attention_mask"], plan.st.pooling or "mean")
    if plan.st.normalize:
        got = got / np.linalg.norm(got, axis=1, keepdims=True)
    diff = float(np.abs(got - want).max())
    print(f"validate sentence embeddings ({plan.st.pooling}, normalize={plan.st.normalize}): max abs diff {diff:.2e}")
    if diff > atol:
        raise ExportError("pooled ONNX output differs from sentence-transformers' encode()")


# ---------------------------------------------------------------- main -------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from-pretrained", required=True, help="Hugging Face model id or local folder")
    p.add_argument("--output", required=True, help="model folder to write (models/<name>)")
    p.add_argument("--task", choices=TASKS, help="override the task read from config.architectures")
    p.add_argument("--name", help="model name clients use (default: the output folder's name)")
    p.add_argument("--revision", help="Hub revision when --from-pretrained is an id")
    p.add_argument("--max-length", type=int, help="override max_length")
    p.add_argument("--pooling", choices=("mean", "cls", "max", "mean_sqrt_len", "last"),
                   help="feature-extraction pooling (default: from sentence-transformers, else mean)")
    p.add_argument("--normalize", action=argparse.BooleanOptionalAction, default=None,
                   help="feature-extraction default normalize (default: from sentence-transformers)")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset (default {DEFAULT_OPSET})")
    p.add_argument("--optimize", action="store_true",
                   help="fuse attention, LayerNorm and GELU with onnxruntime.transformers")
    p.add_argument("--quantize", choices=("int8",), help="dynamic int8 quantization of the weights")
    p.add_argument("--fp16", action="store_true", help="convert weights to float16 (inputs/outputs stay float32)")
    p.add_argument("--external-data", choices=("auto", "always", "never"), default="auto",
                   help="write weights to model.onnx_data: auto = only when over 2 GB")
    p.add_argument("--validate", action=argparse.BooleanOptionalAction, default=True,
                   help="compare ONNX Runtime with PyTorch on sample inputs (default on)")
    p.add_argument("--atol", type=float,
                   help="max abs difference allowed (default 1e-3 fp32, 5e-2 fp16, unbounded for int8)")
    p.add_argument("--min-cosine", type=float,
                   help="least cosine similarity per output (default 0.99 for int8 and fp16, else off)")
    p.add_argument("--source-package", help="bertserve.json source.package, e.g. pypi:name")
    p.add_argument("--source-version", help="bertserve.json source.version")
    p.add_argument("--licence", help="bertserve.json source.licence (default: the model card's)")
    p.add_argument("--upstream", help="bertserve.json source.upstream (default: --from-pretrained)")
    args = p.parse_args(argv)
    if args.fp16 and args.quantize:
        p.error("--fp16 and --quantize int8 are alternatives; choose one")
    return args


def run(args) -> dict:
    import torch

    torch.manual_seed(0)
    out_dir = Path(args.output)
    plan = make_plan(args)
    model = load_model(plan)
    plan.input_names = graph_inputs(plan.tokenizer, model)
    print(
        f"export {plan.source_dir} as {plan.task} ({plan.model_type}); inputs {plan.input_names}, "
        f"outputs {plan.output_names}, max_length {plan.max_length}"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="export_onnx_") as tmp:
        work = Path(tmp) / "fp32.onnx"
        export_graph(model, plan, work, args.opset)
        if args.optimize:
            nxt = Path(tmp) / "optimized.onnx"
            optimize(work, nxt, plan)
            work = nxt
        if args.fp16:
            nxt = Path(tmp) / "fp16.onnx"
            to_fp16(work, nxt)
            work = nxt
        if args.quantize == "int8":
            nxt = Path(tmp) / "int8.onnx"
            quantize_int8(work, nxt)
            work = nxt
        write_model(work, out_dir, args.external_data)
    plan.tokenizer.backend_tokenizer.save(str(out_dir / "tokenizer.json"))
    cfg = build_config(plan, args)
    (out_dir / "bertserve.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n")
    diffs = {}
    if args.validate:
        lossy = args.fp16 or args.quantize
        atol = args.atol if args.atol is not None else (
            float("inf") if args.quantize else 5e-2 if args.fp16 else 1e-3
        )
        min_cos = args.min_cosine if args.min_cosine is not None else (0.99 if lossy else 0.0)
        diffs = validate(model, plan, out_dir / "model.onnx", atol, min_cos)
    print(f"wrote {out_dir}: {', '.join(sorted(os.listdir(out_dir)))}")
    return {"config": cfg, "max_abs_diff": diffs}


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except ExportError as err:
        print(f"export_onnx: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Make the int8 variant of a model folder with ONNX Runtime's dynamic quantization.

Weights of MatMul/Gemm become int8 (per tensor), activations are quantized to uint8 at run time:
the usual CPU recipe, which uses VNNI instructions where the processor has them. The folder is
written outside models/ by default so that `make run` keeps serving only the fp32 model; point
--models at its parent to serve it.

    .venv/bin/python scripts/quantize.py                      # models/all-MiniLM-L6-v2 ->
                                                               # .cache/bench/models-int8/all-MiniLM-L6-v2-int8
    .venv/bin/python scripts/quantize.py --src DIR --dst DIR

Prints the sha256 of the input and output graphs (docs/benchmarks.md records them). Needs
scripts/requirements-bench.txt.
"""
import argparse
import hashlib
import json
import pathlib
import shutil

import onnxruntime
from onnxruntime.quantization import QuantType, quantize_dynamic

ROOT = pathlib.Path(__file__).resolve().parent.parent


def sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=str(ROOT / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--dst", default=None)
    args = ap.parse_args()
    src = pathlib.Path(args.src)
    cfg = json.loads((src / "bertserve.json").read_text())
    name = cfg["name"] + "-int8"
    dst = pathlib.Path(args.dst) if args.dst else ROOT / ".cache" / "bench" / "models-int8" / name
    dst.mkdir(parents=True, exist_ok=True)

    quantize_dynamic(str(src / "model.onnx"), str(dst / "model.onnx"), weight_type=QuantType.QInt8)
    shutil.copyfile(src / "tokenizer.json", dst / "tokenizer.json")
    cfg["name"] = name
    (dst / "bertserve.json").write_text(json.dumps(cfg, indent=2) + "\n")
    print(f"onnxruntime {onnxruntime.__version__} quantize_dynamic (weights QInt8)")
    print(f"fp32 {sha256(src / 'model.onnx')}  {src / 'model.onnx'}")
    print(f"int8 {sha256(dst / 'model.onnx')}  {dst / 'model.onnx'}")


if __name__ == "__main__":
    main()

"""Exported test model folders, left in one known place for other test suites.

Every (architecture, task) pair is exported into EXPORT_DIR/<arch>-<task>/, a
folder the server can load as it is (bertserve.json, model.onnx,
tokenizer.json), and EXPORT_DIR/manifest.json lists them:

    {"models": [{"name": "bert-fill-mask", "arch": "bert", "task": "fill-mask",
                 "path": "/tmp/bertserve-test-exports/bert-fill-mask"}, ...]}

EXPORT_DIR is $BERTSERVE_TEST_EXPORTS, default <system temp>/bertserve-test-exports.
A server test can point --models at it after `pytest scripts/tests`, or build
the folders without pytest:

    .venv/bin/python scripts/tests/exports.py [DIR]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import export_onnx  # noqa: E402
import tiny_models  # noqa: E402

TASKS = export_onnx.TASKS
ARCHS = tiny_models.ARCHS


def export_dir() -> Path:
    default = Path(tempfile.gettempdir()) / "bertserve-test-exports"
    return Path(os.environ.get("BERTSERVE_TEST_EXPORTS", default))


def export_one(arch: str, task: str, checkpoints: Path, root: Path | None = None,
               extra_args: tuple[str, ...] = ()) -> dict:
    """Builds the tiny checkpoint and exports it to root/<arch>-<task>; returns run()'s result."""
    root = root or export_dir()
    name = f"{arch}-{task}"
    ckpt = tiny_models.make_checkpoint(arch, task, checkpoints / name)
    args = export_onnx.parse_args(
        ["--from-pretrained", str(ckpt), "--output", str(root / name), "--name", name,
         "--source-package", "test:tiny-random", "--licence", "Apache-2.0",
         "--upstream", f"tiny random {arch}", *extra_args]
    )
    result = export_onnx.run(args)
    record_in_manifest(root, {"name": name, "arch": arch, "task": task, "path": str(root / name)})
    return result


def record_in_manifest(root: Path, entry: dict) -> None:
    manifest = root / "manifest.json"
    data = json.loads(manifest.read_text()) if manifest.is_file() else {"models": []}
    data["models"] = [m for m in data["models"] if m["name"] != entry["name"]] + [entry]
    data["models"].sort(key=lambda m: m["name"])
    manifest.write_text(json.dumps(data, indent=2) + "\n")


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else export_dir()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bertserve-ckpt-") as tmp:
        for arch in ARCHS:
            for task in TASKS:
                export_one(arch, task, Path(tmp), root)
    print(f"exported {len(ARCHS) * len(TASKS)} folders to {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory) -> Path:
    """Where tiny random checkpoints are written (pytest's temp dir, cleaned by pytest)."""
    return tmp_path_factory.mktemp("checkpoints")

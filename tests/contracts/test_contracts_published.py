"""The OpenAPI and AsyncAPI documents in docs/api/ are the contracts partners read: they must be current."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_the_committed_api_documents_match_the_code(tmp_path):
    result = subprocess.run([sys.executable, "deploy/local/docs.py", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    generated = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in (ROOT / "docs/api").iterdir())
    assert generated == committed
    stale = [name for name in generated
             if (tmp_path / name).read_text(encoding="utf-8") != (ROOT / "docs/api" / name).read_text(encoding="utf-8")]
    assert not stale, f"run `make docs` and commit docs/api/: {stale} changed"

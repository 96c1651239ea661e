"""Write each service's OpenAPI (from FastAPI) and AsyncAPI (from its FastStream broker) document.

The documents are committed (docs/api/, the contracts partners read); keys are sorted so a run is
reproducible, and tests/contracts/test_contracts_published.py fails when they are out of date.

Usage: python deploy/local/docs.py OUT_DIR   (what `make docs` runs; needs no running infrastructure)
"""

import importlib
import json
import os
import sys
from pathlib import Path

from faststream.specification import AsyncAPI

SERVICES = ("intake", "assessment", "registry", "network", "notify")


def as_json(document: object) -> str:
    """Sorted keys and a final newline, so a run is reproducible and a diff is small."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(out_dir: str) -> int:
    # The documents describe the defaults, not this shell's broker, prefix or ports.
    for key in [k for k in os.environ if k.upper().startswith(("KAFKA_", "OPA_", "DATABASE_", "INFOHUS_", "OIDC_"))]:
        del os.environ[key]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        app = importlib.import_module(f"infohus_{name}.app").create_app()
        runtime = app.state.runtime
        (out / f"{name}.openapi.json").write_text(as_json(app.openapi()))
        spec = AsyncAPI(runtime.broker, title=f"Infohus {name}", version="1.0.0").to_specification()
        (out / f"{name}.asyncapi.json").write_text(as_json(spec.to_jsonable()))
        print(f"wrote {out}/{name}.openapi.json and {out}/{name}.asyncapi.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/api"))

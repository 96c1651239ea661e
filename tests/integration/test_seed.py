"""The demo seed loads a realistic data set into a running stack."""

import subprocess
import sys

from support import DEV_IDP_DIR, ROOT, eventually, query

REGISTERED = "SELECT count(*) AS n FROM registration WHERE municipality_code = '820'"


def test_seed_loads_a_demo_data_set(stack):
    before = query(stack, "registry", REGISTERED)[0]["n"]
    base = stack["intake"].port - 1
    result = subprocess.run([sys.executable, str(ROOT / "deploy/local/seed.py"), "--port-base", str(base),
                             "--idp-dir", str(DEV_IDP_DIR)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Seeded 25 concerns" in result.stdout

    # The stack serves Vesthimmerland (820) only, as make run does: every seeded concern is registered there.
    eventually(lambda: query(stack, "registry", REGISTERED)[0]["n"] >= before + 25, timeout=60)
    stages = query(stack, "assessment", "SELECT DISTINCT stage FROM case_file WHERE municipality_code = '820'")
    assert {"closed", "enrichment", "effort", "follow_up"} <= {r["stage"] for r in stages}

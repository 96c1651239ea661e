"""The demo seed loads a realistic data set into a running stack."""

import subprocess
import sys

from support import DEV_IDP_DIR, ROOT, eventually, query


def test_seed_loads_a_demo_data_set(stack):
    base = stack["intake"].port - 1
    result = subprocess.run([sys.executable, str(ROOT / "deploy/local/seed.py"), "--port-base", str(base),
                             "--idp-dir", str(DEV_IDP_DIR)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Seeded 25 concerns" in result.stdout

    def registered() -> bool:
        rows = query(stack, "registry", "SELECT municipality_code, count(*) AS n FROM registration "
                                        "WHERE municipality_code IN ('849', '810') GROUP BY municipality_code")
        return {r["municipality_code"]: r["n"] for r in rows} == {"849": 6, "810": 5}

    eventually(registered, timeout=60)
    stages = query(stack, "assessment", "SELECT DISTINCT stage FROM case_file WHERE municipality_code = '820'")
    assert {"closed", "enrichment", "effort", "follow_up"} <= {r["stage"] for r in stages}

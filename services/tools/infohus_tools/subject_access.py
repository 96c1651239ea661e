"""Export one person's data for an art. 15 request, from every service of a running instance.

    python -m infohus_tools.subject_access --out export.json     # asks for the CPR number on stdin
"""

import argparse
import asyncio
import getpass
import json
import os
import sys
from typing import Any

import httpx

from infohus_platform.audit.subject_access import gather


async def _gather_over_http(cpr: str, token: str, base: str, port_base: int) -> dict[str, Any]:
    offsets = {"intake": 1, "assessment": 2, "registry": 3, "notify": 5}  # as in make run
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        async def ask(service: str, body: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(f"{base}:{port_base + offsets[service]}/api/v1/subject-access", json=body)
            response.raise_for_status()
            return response.json()

        return await gather(cpr, ask)


def main() -> int:
    parser = argparse.ArgumentParser(description="Export one person's data for an art. 15 request.")
    parser.add_argument("--out", required=True, help="where to write the JSON export")
    parser.add_argument("--base", default="http://127.0.0.1", help="where the services run (ports 8001-8005)")
    parser.add_argument("--port-base", type=int, default=8000, help="intake listens on base+1, and so on")
    parser.add_argument("--token", default=os.environ.get("INFOHUS_TOKEN"), help="a compliance officer's token")
    args = parser.parse_args()
    cpr = (sys.stdin.readline() if not sys.stdin.isatty() else getpass.getpass("CPR-nummer: ")).strip()
    token = args.token
    if not token:
        from infohus_platform.devidp import issue_token

        token = issue_token("compliance_officer")
    export = asyncio.run(_gather_over_http(cpr, token, args.base, args.port_base))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(export, out, indent=2, ensure_ascii=False)
    records = sum(len(a["records"]) for a in export["services"].values())
    entries = sum(len(a["processing_log"]) for a in export["services"].values())
    print(f"{len(export['concern_ids'])} concern(s), {records} record(s), {entries} log entries -> {args.out}")
    for data_class, reasons in export["exemptions"].items():
        print(f"withheld {data_class}: {'; '.join(reasons)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Load a realistic Danish demo data set into a running stack (``make seed`` after ``make run``).

Concerns for Vesthimmerland (820), the municipality ``make run`` serves (an instance refuses any other's),
walked through the process: every initial outcome, enrichment requests and answers, assessments, decisions
with leadership approval and a PET report with its second sign-off, follow-ups and a closed case. Uses the
development identity provider's demo users, so it talks to the services exactly as the UI does.
"""

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

import samples  # the same sample generator the tests use
from infohus_platform.devidp import issue_token

NECESSITY = "Oplysningerne er nødvendige for at vurdere, hvilken forebyggende indsats der skal tilbydes."


class Seeder:
    def __init__(self, base: str, port_base: int, idp_dir: Path) -> None:
        self.idp_dir = idp_dir
        self.clients = {name: httpx.Client(base_url=f"{base}:{port_base + offset}", timeout=15)
                        for name, offset in (("intake", 1), ("assessment", 2), ("registry", 3))}

    def auth(self, user: str, code: str = "820") -> dict[str, str]:
        claims = {} if user.startswith("police") else {"municipality_code": code, "org": f"kommune-{code}"}
        return {"Authorization": f"Bearer {issue_token(user, self.idp_dir, **claims)}"}

    def call(self, service: str, method: str, path: str, user: str = "ssp_coordinator", code: str = "820",
             **kwargs) -> dict:
        response = self.clients[service].request(method, path, headers=self.auth(user, code), **kwargs)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def case_for(self, concern_id: str, code: str) -> dict:
        for _ in range(100):
            response = self.clients["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                      headers=self.auth("ssp_coordinator", code))
            if response.status_code == 200:
                return response.json()
            time.sleep(0.2)
        raise SystemExit("a case was not opened within 20 s: is assessment running?")

    def concern(self, rng: random.Random, code: str, **overrides) -> dict:
        body = samples.concern(municipality_code=code, rng=rng, age=rng.choice([14, 15, 16, 17, 19, 23, 31]),
                               **overrides)
        concern_id = self.call("intake", "POST", "/api/v1/concerns", code=code, json=body)["concern_id"]
        return self.case_for(concern_id, code)

    def walk(self, rng: random.Random, code: str, path: str) -> None:
        case = self.concern(rng, code, flags={"imminent_risk": path == "imminent_risk"})
        base = f"/api/v1/cases/{case['case_id']}"
        initial = {"approach": rng.choice(["internal", "ssp_meeting", "joint_with_police_coordinator"])}
        if path in ("unfounded", "not_radicalisation", "imminent_risk", "honour_related"):
            initial |= {"outcome": path, "reason": "Vurderet på infohusmødet.", "forwarded_to": "Jobcentret"}
            self.call("assessment", "POST", f"{base}/initial-assessment", code=code, json=initial)
            return
        self.call("assessment", "POST", f"{base}/initial-assessment", code=code, json=initial | {"outcome": "upheld"})
        if path == "received":
            return
        deadline = (date.today() + timedelta(days=14)).isoformat()
        authority = "social_services_u18" if case["under_18"] else "employment_education"
        request = self.call("assessment", "POST", f"{base}/enrichment-requests", code=code, json={
            "authority": authority, "necessity_reason": NECESSITY, "deadline": deadline})
        if path == "enrichment":
            return
        if authority == "social_services_u18":
            self.call("assessment", "POST", f"/api/v1/enrichment-requests/{request['request_id']}/answer",
                      user="authority_caseworker", code=code,
                      json={"answer": "Familien er kendt; der er tidligere givet familiebehandling."})
        level = rng.choice(["lav", "moderat", "hoej"]) if path != "pet" else "akut"
        self.call("assessment", "POST", f"{base}/assessments", code=code, json={
            "dimensions": [{"dimension": "convictions_rhetoric", "tag": "risk", "note": "Udtrykker had mod grupper."},
                           {"dimension": "family", "tag": "resource", "note": "Stærk relation til bedstemor."}],
            "concern_level": level, "security_aspect": "Ingen kendte planer om vold.",
            "social_aspect": "Isoleret, men har et fritidsjob."})
        decision = self.call("assessment", "POST", f"{base}/decision", code=code, json={
            "effort_level": "intervening" if level in ("hoej", "akut") else "preventive",
            "measures": ["concern_conversation", "mentor"], "report_to_pet": path == "pet",
            "follow_up_cadence": rng.choice(["biweekly", "quarterly"])})
        if decision["approval"] == "pending":
            self.call("assessment", "POST", f"{base}/decisions/{decision['decision_id']}/approve", user="leadership",
                      code=code)
        if path == "pet":
            self.call("assessment", "POST", f"{base}/decisions/{decision['decision_id']}/pet-signoff",
                      user="police_coordinator", code=code)
        if path in ("follow_up", "closed"):
            self.call("assessment", "POST", f"{base}/follow-ups", code=code,
                      json={"note": "Mentorforløbet er i gang; god kontakt."})
        if path == "closed":
            self.call("assessment", "POST", f"{base}/close", code=code, json={"reason": "Indsatsen er afsluttet."})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1")
    parser.add_argument("--port-base", type=int, default=8000, help="intake listens on base+1, and so on")
    parser.add_argument("--idp-dir", type=Path, default=Path("var/dev-idp"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    seeder, rng = Seeder(args.base, args.port_base, args.idp_dir), random.Random(args.seed)
    paths = ["unfounded", "not_radicalisation", "imminent_risk", "honour_related", "received", "enrichment",
             "decided", "decided", "pet", "follow_up", "closed", "unfounded", "decided", "follow_up"]
    plan = [("820", p) for p in paths + paths[:6] + paths[:5]]
    for index, (code, path) in enumerate(plan, start=1):
        seeder.walk(rng, code, path)
        print(f"[{index:>2}/{len(plan)}] {code} {path}", flush=True)
    print(f"Seeded {len(plan)} concerns. Sign in as a demo user: python -m infohus_tools.devidp users")
    return 0


if __name__ == "__main__":
    sys.exit(main())

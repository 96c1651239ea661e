"""``python -m infohus_tools.district init``: a development district's trust list, keys and agreements.

Writes, under ``--out``:

- ``district.json``: the district document (``infohus_contracts.base.district``): every organisation with its public
  signing key and its identity provider's key set, and the standard agreements (``STANDARD_AGREEMENTS``);
- ``<org>/signing-key.json``: the organisation's private signing key (mode 600; only that instance reads it);
- ``<org>/opa/infohus/district/data.json``: the same document as OPA data (``data.infohus.district``) for that
  organisation's OPA, which runs on ``policies/`` and this directory;
- ``<org>/idp/``: the organisation's development identity provider (``infohus_platform.devidp``);
- ``index-key``: the district's key for the known-elsewhere index's pseudonyms (mode 600).

Existing keys are kept, so running it again only rewrites the documents. How a new municipality joins a district:
its public key and identity provider into the trust list (``district.json``), the agreements (by kind, so usually
nothing to add), then ``kafka_acls exchange-apply`` for its links (README, "A district of instances").
"""

import argparse
import base64
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from infohus_contracts.base.district import District, OrgKind
from infohus_contracts.base.municipalities import municipality_name, police_districts
from infohus_platform.exchange.signing import generate_key

S115_STK2 = "retsplejeloven § 115 stk. 2 (videregivelse fra en myndighed i samme omfang som stk. 1)"
S115_STK1 = "retsplejeloven § 115 stk. 1 (politiets videregivelse)"
CASE = ["identity", "special_category", "criminal", "social", "narrative", "process"]


def _agreement(message: str, sender: str, recipient: str, sensitivity: str, classes: list[str], purpose: str,
               basis: list[str], description: str) -> dict[str, Any]:
    return {"type": f"dk.infohus.x.{message}.v1", "from": sender, "to": recipient, "sensitivity": sensitivity,
            "data_classes": classes, "purpose": purpose, "legal_basis": basis, "description": description}


STANDARD_AGREEMENTS: list[dict[str, Any]] = [
    _agreement("aggregate_report", "municipality", "network", "aggregate", ["aggregate"], "statistics",
               ["ingen personoplysninger: aggregerede tal (LEGAL.md §12, C6)"],
               "Optællinger til distriktets netværk, små celler undertrykt."),
    _agreement("aggregate_report", "police", "network", "aggregate", ["aggregate"], "statistics",
               ["ingen personoplysninger: aggregerede tal (LEGAL.md §12, C6)"],
               "Politikredsens optællinger til distriktets netværk."),
    _agreement("concern_forwarded", "municipality", "municipality", "sensitive", CASE, "prevention",
               ["forvaltningsloven § 7, stk. 2 (videresendelse til rette myndighed)", S115_STK2],
               "En bekymring om en borger i en anden kommune sendes til den kommunes infohus."),
    _agreement("enrichment_requested", "municipality", "police", "sensitive", CASE, "prevention", [S115_STK2],
               "Anmodning om berigelse fra lokalpolitiet (§ 115)."),
    _agreement("enrichment_answered", "police", "municipality", "sensitive", CASE, "prevention", [S115_STK1],
               "Lokalpolitiets svar på en anmodning om berigelse."),
    _agreement("case_handed_over", "municipality", "police", "sensitive", CASE, "prevention", [S115_STK2],
               "Tovholderskifte til politiet ved 18 år eller ved akut risiko."),
    _agreement("pet_report_shared", "municipality", "police", "sensitive", CASE, "prevention", [S115_STK2],
               "Underretning af PET/EAE går gennem lokalpolitiet, der journaliserer den med to personers godkendelse."),
    _agreement("pet_report_filed", "police", "municipality", "internal", ["process"], "prevention", [S115_STK1],
               "Kvittering: politiet har journaliseret underretningen af PET/EAE."),
    _agreement("index_entry_added", "municipality", "police", "confidential", ["identity", "process"], "prevention",
               [S115_STK2],
               "Et pseudonym (nøglet HMAC af CPR-nummeret) og organisationen i distriktets kendt-andetsteds-indeks."),
    _agreement("index_entry_removed", "municipality", "police", "internal", ["process"], "prevention", [S115_STK2],
               "Indekset glemmer en registrering, når dens sletningsfrist er nået."),
    _agreement("index_lookup_requested", "municipality", "police", "confidential", ["identity", "process"],
               "prevention", [S115_STK2], "Er personen kendt andetsteds i distriktet? Kun hit/intet hit."),
    _agreement("index_lookup_answered", "police", "municipality", "internal", ["process"], "prevention", [S115_STK1],
               "Svar: hit eller intet hit, og hvilken organisation der kan kontaktes."),
    _agreement("index_hit_notified", "police", "municipality", "internal", ["process"], "prevention", [S115_STK1],
               "Besked uden indhold: en anden organisation har spurgt til en person, I kender."),
]


def _private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def organisation_name(org: str, district: str) -> str:
    if org.startswith("kommune-"):
        return municipality_name(org.removeprefix("kommune-")) or org
    if org.startswith("politi-"):
        return f"{district.capitalize()}s Politi"
    return f"Infohus Netværk {district.capitalize()}"


def init(out: Path, district: str, municipalities: list[str], version: str) -> District:
    from infohus_platform.devidp import org_issuer, public_jwks

    members = police_districts().get(district)
    if members is None:
        raise SystemExit(f"unknown police district {district!r} (known: {', '.join(sorted(police_districts()))})")
    outside = [code for code in municipalities if code not in members["municipalities"]]
    if outside:
        raise SystemExit(f"municipalities {outside} are not in the police district {district}")
    orgs = {f"kommune-{code}": (OrgKind.MUNICIPALITY, [code]) for code in municipalities}
    orgs[f"politi-{district}"] = (OrgKind.POLICE, sorted(members["municipalities"]))
    orgs[f"netvaerk-{district}"] = (OrgKind.NETWORK, sorted(members["municipalities"]))
    organisations: dict[str, Any] = {}
    for org, (kind, codes) in orgs.items():
        key_file = out / org / "signing-key.json"
        if key_file.exists():
            private = json.loads(key_file.read_text("utf-8"))
            public = {k: v for k, v in private.items() if k != "d"}
        else:
            private, public = generate_key(f"{org}-1")
            _private(key_file, json.dumps(private))
        organisations[org] = {
            "kind": kind.value, "name": organisation_name(org, district), "municipalities": codes,
            "signing_keys": [{"kid": public["kid"], "jwk": {k: v for k, v in public.items() if k != "kid"}}],
            "issuers": [{"issuer": org_issuer(org), "jwks": public_jwks(out / org / "idp")}],
        }
    document = District.model_validate({"district": district, "version": version, "organisations": organisations,
                                         "agreements": STANDARD_AGREEMENTS})
    text = document.model_dump_json(by_alias=True, indent=2)
    (out / "district.json").write_text(text + "\n", "utf-8")
    for org in orgs:
        data = out / org / "opa" / "infohus" / "district" / "data.json"
        data.parent.mkdir(parents=True, exist_ok=True)
        data.write_text(text + "\n", "utf-8")
    if not (out / "index-key").exists():
        _private(out / "index-key", base64.b64encode(secrets.token_bytes(32)).decode())
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infohus_tools.district", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("init", help="write a development district: trust list, keys, agreements, OPA data")
    create.add_argument("--out", type=Path, required=True)
    create.add_argument("--district", default="nordjylland")
    create.add_argument("--municipalities", default="820,851", help="kommunekoder of the municipality instances")
    create.add_argument("--version", default="dev-1")
    args = parser.parse_args(argv)
    document = init(args.out, args.district, [c.strip() for c in args.municipalities.split(",") if c.strip()],
                    args.version)
    links = document.links()
    print(f"district {document.district}: {len(document.organisations)} organisations, {len(links)} links, "
          f"{len(document.agreements)} agreements -> {args.out / 'district.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

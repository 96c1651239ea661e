""""What would be shared?" on the command line: asks a running registry's share preview. Nothing is sent.

    python -m infohus_tools.share_preview --concern <id> --recipient network --purpose statistics
"""

import argparse
import json
import os
import sys

import httpx


def main() -> int:
    parser = argparse.ArgumentParser(description="What would be shared with a recipient? Nothing is sent.")
    parser.add_argument("--concern", required=True, help="concern id")
    parser.add_argument("--recipient", required=True, help="recipient kind, e.g. network, local_police")
    parser.add_argument("--purpose", default="prevention")
    parser.add_argument("--necessity", default=None, help="the necessity reason, for § 115 recipients")
    parser.add_argument("--registry", default=os.environ.get("REGISTRY_URL", "http://127.0.0.1:8003"))
    parser.add_argument("--json", action="store_true", help="also print the policy's whole answer")
    parser.add_argument("--token", default=os.environ.get("INFOHUS_TOKEN"),
                        help="a compliance officer's bearer token (default: INFOHUS_TOKEN, or a dev token)")
    args = parser.parse_args()
    token = args.token
    if not token:
        from infohus_platform.devidp import issue_token

        token = issue_token("compliance_officer")
    response = httpx.post(f"{args.registry}/api/v1/compliance/share-preview", timeout=10,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"concern_id": args.concern, "recipient_kind": args.recipient, "purpose": args.purpose,
                                "necessity_reason": args.necessity})
    if response.status_code != 200:
        print(f"{response.status_code}: {response.text}", file=sys.stderr)
        return 1
    result = response.json()
    print(f"Recipient {args.recipient}, purpose {args.purpose} (policy {result.get('policy_version')}):")
    for field in result["fields"]:
        verdict = "WOULD GO " if field["shared"] else "withheld "
        print(f"  {verdict} {field['name']:<18} [{field['data_class']}] {'; '.join(field['reasons'])}")
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

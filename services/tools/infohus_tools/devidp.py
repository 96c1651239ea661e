"""The development identity provider on the command line: a demo user's token, or the list of them.

    python -m infohus_tools.devidp token ssp_coordinator
    python -m infohus_tools.devidp users
    python -m infohus_tools.devidp token police_coordinator --org politi-nordjylland   # the police's own IdP
    python -m infohus_tools.devidp jwks --org politi-nordjylland    # its public key set, for a district document
"""

import argparse
import json
import sys
from pathlib import Path

from infohus_platform.devidp import DEMO_USERS, ISSUER, issue_token, org_idp_dir, org_issuer, public_jwks


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infohus_tools.devidp")
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a token for a demo user")
    token.add_argument("user", choices=sorted(DEMO_USERS))
    token.add_argument("--dir", type=Path, default=None)
    token.add_argument("--org", default=None,
                       help="sign with this organisation's own identity provider (its key dir under --dir), "
                            "as a member of it")
    jwks = sub.add_parser("jwks", help="print an identity provider's public key set (JWKS)")
    jwks.add_argument("--dir", type=Path, default=None)
    jwks.add_argument("--org", default=None)
    sub.add_parser("users", help="list the demo users")
    args = parser.parse_args()
    if args.command == "users":
        for name, user in DEMO_USERS.items():
            print(f"{name:<32} {user['name']:<24} {','.join(user['roles'])}")
        return 0
    directory = org_idp_dir(args.org, args.dir) if args.org else args.dir
    if args.command == "jwks":
        print(json.dumps(public_jwks(directory), indent=2))
        return 0
    claims = {"org": args.org} if args.org else {}
    print(issue_token(args.user, directory, issuer=org_issuer(args.org) if args.org else ISSUER, **claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())

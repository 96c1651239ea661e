"""The development identity provider on the command line: a demo user's token, or the list of them.

    python -m infohus_tools.devidp token ssp_coordinator
    python -m infohus_tools.devidp users
"""

import argparse
import sys
from pathlib import Path

from infohus_platform.devidp import DEMO_USERS, issue_token


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infohus_tools.devidp")
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a token for a demo user")
    token.add_argument("user", choices=sorted(DEMO_USERS))
    token.add_argument("--dir", type=Path, default=None)
    sub.add_parser("users", help="list the demo users")
    args = parser.parse_args()
    if args.command == "users":
        for name, user in DEMO_USERS.items():
            print(f"{name:<32} {user['name']:<24} {','.join(user['roles'])}")
        return 0
    print(issue_token(args.user, args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())

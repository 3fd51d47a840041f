"""Fire a scheduled function of the running local stack: `python -m local.fire NAME`."""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", nargs="?", help="scheduled function; omit to list them")
    parser.add_argument("--control", default="http://127.0.0.1:8001", help="the stack's control URL")
    parser.add_argument("--at", default="", help="run as of this RFC 3339 time (the event's `time`)")
    args = parser.parse_args()
    method, path = ("POST", f"/schedules/{args.name}") if args.name else ("GET", "/")
    if args.name and args.at:
        from urllib.parse import quote

        path += f"?at={quote(args.at)}"
    try:
        with urllib.request.urlopen(urllib.request.Request(args.control + path, method=method)) as r:
            print(json.dumps(json.load(r), indent=2))
            return 0
    except urllib.error.HTTPError as e:
        print(e.read().decode(), file=sys.stderr)
    except urllib.error.URLError as e:
        print(f"The local stack is not running at {args.control} ({e.reason}). Start it with `make dev`.",
              file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

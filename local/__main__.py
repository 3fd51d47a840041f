"""`make dev`: the whole service on this machine, in memory.

Starts moto's server on a free loopback port, in a child process that ends with this one
(`local/moto_process.py`), creates every table, bucket, queue and bucket
notification, serves the API with Chalice's local server (no autoreload, so in-memory state
survives edits; restart to pick up code changes), and runs the event pump. Ctrl-C stops it all.
Requests no route declares get API Gateway's own JSON 403 (`local/gateway.py`). The same
server serves the public site under /site/ (`local/site.py`); `--demo` (`make demo`)
seeds a small community through the public API once the stack is up (`local/demo.py`).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading


PORTS = (  # (argument, environment variable, make variable, what listens there)
    ("port", "REMIXERY_PORT", "PORT", "the API and the site"),
    ("control_port", "REMIXERY_CONTROL_PORT", "CONTROL_PORT", "the control endpoint (tokens, make fire)"),
)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local", description="Run Remixery locally: the API, the site under /site/, an in-memory AWS.",
        epilog="make dev / make demo pass PORT and CONTROL_PORT: make dev PORT=8500 CONTROL_PORT=8501. "
               "Port 0 picks a free one.")
    parser.add_argument("--host", default=os.environ.get("REMIXERY_HOST", "127.0.0.1"),
                        help="the address to listen on (env REMIXERY_HOST; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("REMIXERY_PORT", "8000")),
                        help="the API's and the site's port (env REMIXERY_PORT, make PORT; default 8000)")
    parser.add_argument("--control-port", type=int,
                        default=int(os.environ.get("REMIXERY_CONTROL_PORT", "8001")),
                        help="the control endpoint's port: tokens for the site, make fire "
                             "(env REMIXERY_CONTROL_PORT, make CONTROL_PORT; default 8001)")
    parser.add_argument("--demo-clock", type=float, default=None, metavar="SECONDS",
                        help="fire every scheduled function every SECONDS (make DEMO_CLOCK; off by default)")
    parser.add_argument("--demo", action="store_true",
                        help="seed a small community (members, records, a released production, sales, "
                             "a closed royalty period) through the public API once the stack is up (make demo)")
    return parser.parse_args(argv)


def busy_port(host: str, args: argparse.Namespace) -> str | None:
    """One line naming the first port that is taken and how to choose another; None if all are free."""
    import errno
    import socket

    for name, env, make_var, what in PORTS:
        port = getattr(args, name)
        if port == 0:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError as e:
                if e.errno != errno.EADDRINUSE:
                    raise
                flag = "--" + name.replace("_", "-")
                return (f"Port {port} on {host} ({what}) is already in use, perhaps by another make dev. "
                        f"Choose another: make dev {make_var}={port + 500} (or {flag} / {env}).")
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    taken = busy_port(args.host, args)
    if taken:
        print(taken, file=sys.stderr)
        return 2

    from local.aws import PROJECT_DIR, EmbeddedAws, use_endpoint

    aws = EmbeddedAws()
    endpoint = aws.start()
    use_endpoint(endpoint)

    from chalicelib.config import get_settings
    from chalicelib.storage.bootstrap import create_all

    create_all(get_settings())

    import boto3
    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    from local.control import control_server
    from local.gateway import answer_like_api_gateway
    from local.pump import EventPump
    from local.site import local_config, serve_site

    config = CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name="local")
    api = create_local_server(config.chalice_app, config, args.host, args.port)
    answer_like_api_gateway(api)  # before the site, which adds what it serves to what is routed
    pump = EventPump(config.chalice_app, boto3.client("sqs"))
    # Port 0 asks the system for a free port; the URLs show the ones bound.
    api_url = f"http://{args.host}:{api.server.server_address[1]}"
    info = {"api": api_url, "aws_endpoint": endpoint}
    control = control_server(args.host, args.control_port, pump, info)
    control_url = f"http://{args.host}:{control.server_address[1]}"
    serve_site(api, local_config(token_url=f"{control_url}/tokens"))
    site_url = f"{api_url}/site/"

    pump.start(demo_clock_seconds=args.demo_clock)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    threading.Thread(target=api.serve_forever, daemon=True).start()
    print(
        f"\nRemixery is running (state lives in memory and is gone when you stop it).\n"
        f"  API            {api_url}   try: curl {api_url}/health\n"
        f"  Site           {site_url}   (sign in as any handle: local tokens)\n"
        f"  a token        make token SUB=alice GROUPS=producer\n"
        f"  fire schedule  make fire SCHEDULE=<name>{_control_var(control)}   (list: make fire; control {control_url})\n"
        f"  demo clock     {'every %ss' % args.demo_clock if args.demo_clock else 'off (make dev DEMO_CLOCK=30)'}\n"
        f"  local AWS      {endpoint}\n"
        f"Ctrl-C stops everything.\n",
        flush=True,
    )

    if args.demo:
        from local.demo import seed_in_background

        seed_in_background(api_url, site_url)

    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    while not stopped.wait(0.5):
        pass
    print("\nStopping...", flush=True)
    pump.stop()
    api.shutdown()
    control.shutdown()
    aws.stop()
    print("Stopped.", flush=True)
    return 0


def _control_var(control) -> str:
    port = control.server_address[1]
    return "" if port == 8001 else f" CONTROL_PORT={port}"


if __name__ == "__main__":
    sys.exit(main())

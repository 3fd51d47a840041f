"""A tiny loopback HTTP endpoint of the running local stack, for `make fire`.

    GET  /                    what is running: API URL, AWS endpoint, queues, schedules
    POST /schedules/<name>    run the scheduled function <name> now
"""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def control_server(host: str, port: int, pump, info: dict) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._reply(200, {**info, "queues": [q.queue for q in pump.queues],
                              "schedules": sorted(pump.schedules)})

        def do_POST(self):
            prefix = "/schedules/"
            if not self.path.startswith(prefix):
                return self._reply(404, {"error": "POST /schedules/<name>"})
            name = self.path[len(prefix):]
            try:
                result = pump.fire(name)
            except KeyError as e:
                return self._reply(404, {"error": str(e.args[0])})
            except Exception as e:  # the traceback is in the stack's own output
                return self._reply(500, {"error": f"{type(e).__name__}: {e}"})
            self._reply(200, {"fired": name, "result": result})

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer((host, port), Handler)

"""A Flask service that registers itself with Cairn over the HTTP API, keeps its registration alive,
and watches a service, with nothing but Flask and Python's standard library.

    python3 service.py --registry http://127.0.0.1:8500 --service hello-py --watch hello-py

It answers GET /hello, opens a session (TTL 10 s by default), registers an instance owned by the
session (port "http"), renews the session at a third of its TTL, prints the changes of the watched
service as they happen (Server-Sent Events), and on SIGTERM or Ctrl-C closes the session, which
removes its instance at once. If the process dies without closing, the instance goes when the TTL
runs out.
"""
import argparse
import json
import signal
import socket
import sys
import threading
import urllib.request

from flask import Flask, jsonify
from werkzeug.serving import make_server


def call(method, url, body=None, secret=None):
    """One JSON request to the registry; returns the decoded answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if secret is not None:
        # The session's secret: its id alone (shown in every read) renews, joins or closes nothing.
        request.add_header("X-Cairn-Session-Secret", secret)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
        return json.loads(text) if text else {}


def say(line):
    print(line, flush=True)


def renew_forever(registry, session, ttl_seconds, stop):
    # Renew at a third of the TTL, so that one lost request does not end the session.
    while not stop.wait(ttl_seconds / 3):
        try:
            call("PUT", f"{registry}/v1/sessions/{session['id']}/renew", secret=session["secret"])
            say("renewed")
        except Exception as error:  # the registry may be restarting: try again next time
            say(f"renew failed: {error}")


def watch_forever(registry, service, stop):
    """Follows a service through Server-Sent Events: 'event:' and 'data:' lines, a blank line ends
    an event. (Resuming after a disconnect with Last-Event-ID is left out for brevity.)"""
    with urllib.request.urlopen(f"{registry}/v1/watch/services/{service}") as stream:
        event = None
        for raw in stream:
            if stop.is_set():
                return
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
                if event == "snapshot":
                    ids = sorted(i["id"] for i in data["instances"])
                    say(f"watch: snapshot {' '.join(ids)}")
                else:
                    say(f"watch: {event} {data['instance']['id']}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", default="http://127.0.0.1:8500")
    parser.add_argument("--service", default="hello-py")
    parser.add_argument("--id", default=f"hello-py-{socket.gethostname()}")
    parser.add_argument("--watch", default="hello-py")
    parser.add_argument("--ttl", type=int, default=10, help="session TTL in seconds")
    args = parser.parse_args()

    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        return jsonify(greeting="hello from Flask", instance=args.id)

    server = make_server("127.0.0.1", 0, app)  # port 0: the OS picks a free one
    port = server.server_port

    session = call("POST", f"{args.registry}/v1/sessions", {"ttl": f"{args.ttl}s", "name": args.id})
    call(
        "PUT",
        f"{args.registry}/v1/services/{args.service}/instances/{args.id}?session={session['id']}",
        {"address": "127.0.0.1", "ports": {"http": port}, "metadata": {"lang": "python"}},
        secret=session["secret"],
    )
    say(f"registered {args.id} on port {port}")

    stop = threading.Event()
    threading.Thread(
        target=renew_forever, args=(args.registry, session, args.ttl, stop), daemon=True
    ).start()
    threading.Thread(target=watch_forever, args=(args.registry, args.watch, stop), daemon=True).start()

    def shut_down(signum, frame):
        stop.set()
        # Removes the instance now.
        call("DELETE", f"{args.registry}/v1/sessions/{session['id']}", secret=session["secret"])
        say("deregistered")
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()

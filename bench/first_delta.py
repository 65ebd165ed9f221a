#!/usr/bin/env python3
"""Time to first delta of streamed museum chat turns, one after another
on one keep-alive TLS connection, as one visitor's phone sees them:
from sending the request to reading the first `delta` event, and to
the end of the stream. For bench/45-guide.sh.

  first_delta.py BASE CACERT TOKEN TAG N

Asks N questions in turn, on tickets g45-TAG-1..4 (a question's ticket
is new for the first four, then has history). Prints one line a turn,
"first_ms total_ms", milliseconds; exits 1 when a turn is not a 200
event stream ending in `done`.
"""
import http.client
import json
import os
import ssl
import sys
import time
import urllib.parse

# The questions bench/guide.lua asks, one a line.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "guide-questions.txt"), encoding="utf-8") as f:
    QUESTIONS = [q for q in f.read().splitlines() if q]


def turn(c, token, ticket, question):
    body = json.dumps({"ticket_id": ticket, "message": question,
                       "stream": True}).encode("utf-8")
    t0 = time.monotonic()
    c.request("POST", "/v1/chat/museum", body=body, headers={
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json"})
    r = c.getresponse()
    if r.status != 200 or not (r.getheader("Content-Type") or
                               "").startswith("text/event-stream"):
        sys.exit("first_delta: %d %s" % (r.status, r.read()[:300]))
    first, last = None, None
    while True:
        line = r.readline()
        if not line:
            break
        if line.startswith(b"event: "):
            last = line[7:].strip()
            if last == b"delta" and first is None:
                first = time.monotonic() - t0
    r.read()
    if first is None or last != b"done":
        sys.exit("first_delta: no delta, or the stream ended with %r" % last)
    return first * 1000, (time.monotonic() - t0) * 1000


def main():
    base, cacert, token, tag, n = sys.argv[1:6]
    u = urllib.parse.urlsplit(base)
    ctx = ssl.create_default_context(cafile=cacert)
    c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                    timeout=30)
    for i in range(int(n)):
        f, t = turn(c, token, "g45-%s-%d" % (tag, i % 4 + 1),
                    QUESTIONS[i % len(QUESTIONS)])
        print("%.3f %.3f" % (f, t))
        sys.stdout.flush()
    c.close()


if __name__ == "__main__":
    main()

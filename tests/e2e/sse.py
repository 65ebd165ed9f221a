#!/usr/bin/env python3
"""Reads a server-sent event stream the way a mobile client does, for
the e2e tests: one HTTPS request, then every event as it arrives.

  sse.py URL [--cacert F] [-X METHOD] [-H 'Name: value']... [-d BODY]
         [--close-after N] [--timeout S] [--source-ip A]

Prints "status NNN" and the Content-Type line first, then one JSON
object a line: {"t": seconds since the request, "event": name,
"data": parsed JSON or the raw text} for each event, {"t", "comment"}
for each comment line (a heartbeat). --close-after N drops the
connection after N events, as a client that goes away does. Exit 0
once the stream ended or was dropped as asked, 1 on any failure.
"""
import argparse
import http.client
import json
import ssl
import sys
import time
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--cacert")
    p.add_argument("-X", dest="method", default="GET")
    p.add_argument("-H", dest="headers", action="append", default=[])
    p.add_argument("-d", dest="data")
    p.add_argument("--close-after", type=int, default=0)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--source-ip")
    a = p.parse_args()

    u = urllib.parse.urlsplit(a.url)
    ctx = ssl.create_default_context(cafile=a.cacert)
    src = (a.source_ip, 0) if a.source_ip else None
    c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                    timeout=a.timeout, source_address=src)
    headers = {}
    for h in a.headers:
        k, v = h.split(":", 1)
        headers[k.strip()] = v.strip()
    body = a.data.encode("utf-8") if a.data is not None else None
    t0 = time.monotonic()
    path = u.path + ("?" + u.query if u.query else "")
    c.request(a.method, path, body=body, headers=headers)
    r = c.getresponse()
    print("status %d" % r.status)
    print("content-type %s" % r.getheader("Content-Type", ""))
    sys.stdout.flush()
    if not (r.getheader("Content-Type") or "").startswith("text/event-stream"):
        print(json.dumps({"t": time.monotonic() - t0,
                          "body": r.read().decode("utf-8", "replace")}))
        return 0
    n, name, data = 0, None, []
    while True:
        raw = r.readline()
        if not raw:
            return 0
        line = raw.decode("utf-8").rstrip("\r\n")
        now = time.monotonic() - t0
        if line.startswith(":"):
            print(json.dumps({"t": now, "comment": line[1:].strip()}))
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line == "" and (name is not None or data):
            text = "\n".join(data)
            try:
                val = json.loads(text)
            except ValueError:
                val = text
            print(json.dumps({"t": now, "event": name, "data": val}))
            n, name, data = n + 1, None, []
            if a.close_after and n >= a.close_after:
                c.close()
                return 0
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a test failure, said in one line
        print("sse.py: %s" % e, file=sys.stderr)
        sys.exit(1)

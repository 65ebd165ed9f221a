#!/usr/bin/env python3
"""A fake OpenAI-compatible chat-completions server for the e2e tests
of the openai model provider (tests/e2e/44-openai.sh). Python 3
standard library only; loopback only.

  fake_openai.py --port-file F [--parent PID]

Listens on 127.0.0.1 on a free port, written to F. The question (the
last "user" message of a request) names the scenario in brackets, e.g.
"[tool] Where is the Mona Lisa?"; without one the scenario is "plain".

  POST /v1/chat/completions   answers as the scenario says (SCENARIOS)
  GET  /_log                  {"requests": [...], "events": [...]}:
                              every request (n, scenario, path, its
                              Authorization header, its JSON body) and
                              what happened to the streams (a client
                              that closed its connection: "closed")
  POST /_reset                forgets both

With --parent it exits once that process is gone.
"""
import argparse
import http.server
import json
import os
import re
import select
import socket
import sys
import threading
import time

LOCK = threading.Lock()
REQUESTS = []
EVENTS = []
MODEL = "fake-model"


def record_event(n, scenario, event, **kw):
    with LOCK:
        EVENTS.append(dict(n=n, scenario=scenario, event=event,
                           t=time.time(), **kw))


def chunk(delta=None, finish=None, usage=None, choices=True):
    c = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
         "created": int(time.time()), "model": MODEL}
    c["choices"] = ([{"index": 0, "delta": delta or {},
                      "finish_reason": finish}] if choices else [])
    if usage is not None:
        c["usage"] = {"prompt_tokens": usage[0],
                      "completion_tokens": usage[1],
                      "total_tokens": usage[0] + usage[1]}
    return "data: " + json.dumps(c) + "\n\n"


def text_stream(pieces, usage=(11, 7)):
    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": p}) for p in pieces]
    out.append(chunk(finish="stop"))
    if usage is not None:
        out.append(chunk(usage=usage, choices=False))
    out.append("data: [DONE]\n\n")
    return out


def tool_stream(calls, usage):
    """calls: [(index, id, name, [argument pieces])], interleaved."""
    out = [chunk({"role": "assistant", "content": None})]
    for idx, cid, name, _ in calls:
        out.append(chunk({"tool_calls": [{
            "index": idx, "id": cid, "type": "function",
            "function": {"name": name, "arguments": ""}}]}))
    most = max(len(c[3]) for c in calls)
    for i in range(most):
        for idx, _, _, pieces in calls:
            if i < len(pieces):
                out.append(chunk({"tool_calls": [{
                    "index": idx, "function": {"arguments": pieces[i]}}]}))
    out.append(chunk(finish="tool_calls"))
    out.append(chunk(usage=usage, choices=False))
    out.append("data: [DONE]\n\n")
    return out


def tool_results(body):
    """{tool_call_id: parsed content} of the request's tool messages."""
    got = {}
    for m in body.get("messages", []):
        if m.get("role") == "tool":
            try:
                got[m.get("tool_call_id")] = json.loads(m.get("content"))
            except (TypeError, ValueError):
                got[m.get("tool_call_id")] = m.get("content")
    return got


def after_question(body):
    """The messages after the last user message."""
    msgs = body.get("messages", [])
    last = max(i for i, m in enumerate(msgs) if m.get("role") == "user")
    return msgs[last + 1:]


def first_hit(result):
    try:
        return result["results"][0]
    except (KeyError, IndexError, TypeError):
        return {}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_openai: " + (fmt % args) + "\n")

    # --- plumbing ---------------------------------------------------

    def send_json(self, status, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def put(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def peer_closed(self, wait):
        """True when the client closed its end within wait seconds."""
        sock = self.connection
        r, _, _ = select.select([sock], [], [], wait)
        if not r:
            return False
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def stream(self, events, gap=0.0):
        """Sends each event (gap seconds apart); False when the client
        went away (recorded as "closed")."""
        try:
            self.start_stream()
            for i, ev in enumerate(events):
                if i and gap and self.peer_closed(gap):
                    raise ConnectionResetError
                self.put(ev)
            self.end_stream()
        except (BrokenPipeError, ConnectionResetError):
            record_event(self.n, self.scenario, "closed")
            self.close_connection = True
            return False
        record_event(self.n, self.scenario, "finished")
        return True

    # --- routes ------------------------------------------------------

    def do_GET(self):
        if self.path == "/_log":
            with LOCK:
                self.send_json(200, {"requests": REQUESTS, "events": EVENTS})
        else:
            self.send_json(404, {"error": {"message": "no such path"}})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path == "/_reset":
            with LOCK:
                del REQUESTS[:]
                del EVENTS[:]
            self.send_json(200, {})
            return
        if not self.path.endswith("/chat/completions"):
            self.send_json(404, {"error": {"message": "no such path"}})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self.send_json(400, {"error": {"message": "not JSON"}})
            return
        question = ""
        for m in body.get("messages", []):
            if m.get("role") == "user":
                question = m.get("content") or ""
        found = re.search(r"\[([a-z0-9-]+)\]", question)
        self.scenario = found.group(1) if found else "plain"
        with LOCK:
            self.n = len(REQUESTS) + 1
            REQUESTS.append({"n": self.n, "scenario": self.scenario,
                             "path": self.path,
                             "authorization": self.headers.get(
                                 "Authorization"),
                             "body": body})
        fn = SCENARIOS.get(self.scenario)
        if fn is None:
            self.send_json(400, {"error": {"message": "no scenario " +
                                           self.scenario}})
            return
        fn(self, body)

    # --- scenarios ---------------------------------------------------

    def s_plain(self, body):
        self.stream(text_stream(["The fake ", "model ", "says hello."]),
                    gap=0.02)

    def s_nousage(self, body):
        self.stream(text_stream(["No usage ", "was counted."], usage=None))

    def s_whole(self, body):
        self.send_json(200, {
            "id": "chatcmpl-whole", "object": "chat.completion",
            "model": MODEL, "choices": [{
                "index": 0, "finish_reason": "stop",
                "message": {"role": "assistant",
                            "content": "A whole answer, not streamed."}}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 6}})

    def s_tool(self, body):
        res = tool_results(body)
        if "call_mona" not in res:
            self.stream(tool_stream([(0, "call_mona",
                                      "search_artwork_images",
                                      ['{"query": ', '"Mona', ' Lisa"}'])],
                                    usage=(20, 5)))
            return
        hit = first_hit(res["call_mona"])
        self.stream(text_stream([
            "\u201c%s\u201d " % hit.get("title"),
            "hangs in %s." % hit.get("room")], usage=(60, 12)))

    def s_two(self, body):
        res = tool_results(body)
        if not res:
            self.stream(tool_stream([
                (0, "call_art", "search_artwork_images",
                 ['{"query":', '"The Birth', ' of Venus"}']),
                (1, "call_doc", "search_documents",
                 ['{"query":"opening', ' hours"}'])], usage=(25, 9)))
            return
        art = first_hit(res.get("call_art"))
        doc = first_hit(res.get("call_doc"))
        self.stream(text_stream([
            "\u201c%s\u201d is in %s. " % (art.get("title"), art.get("room")),
            "See \u201c%s\u201d for the hours." % doc.get("title")],
            usage=(90, 20)))

    def s_loop(self, body):
        if "tools" in body:
            k = sum(1 for m in body["messages"] if m.get("role") == "tool")
            self.stream(tool_stream([(0, "call_loop_%d" % k,
                                      "search_documents",
                                      ['{"query":"tickets"}'])],
                                    usage=(10, 3)))
        else:
            self.stream(text_stream(["I give up searching."]))

    def s_history(self, body):
        roles = [m.get("role") for m in body.get("messages", [])]
        self.stream(text_stream(["I was sent %d messages." % len(roles)]))

    def s_e500(self, body):
        self.send_json(500, {"error": {"message": "the fake model broke",
                                       "type": "server_error"}})

    def s_e429(self, body):
        self.send_json(429, {"error": {
            "message": "Rate limit reached for requests",
            "type": "requests", "code": "rate_limit_exceeded"}},
            headers=[("Retry-After", "20")])

    def s_ekey(self, body):
        key = (self.headers.get("Authorization") or "")[len("Bearer "):]
        self.send_json(401, {"error": {
            "message": "Incorrect API key provided: %s." % key,
            "type": "invalid_request_error", "code": "invalid_api_key"}})

    def s_stall(self, body):
        try:
            self.start_stream()
            self.put(chunk({"content": "Thinking"}))
            if self.peer_closed(20):
                record_event(self.n, self.scenario, "closed")
        except (BrokenPipeError, ConnectionResetError):
            record_event(self.n, self.scenario, "closed")
        self.close_connection = True

    def s_trickle(self, body):
        """Never silent, never done: only the total timeout ends it."""
        try:
            self.start_stream()
            for _ in range(150):
                self.put(": still thinking\n\n")
                if self.peer_closed(0.2):
                    record_event(self.n, self.scenario, "closed")
                    break
        except (BrokenPipeError, ConnectionResetError):
            record_event(self.n, self.scenario, "closed")
        self.close_connection = True

    def s_malformed(self, body):
        self.stream([chunk({"content": "Half"}),
                     'data: {"choices": [{"delta": {"content": \n\n'])

    def s_cut(self, body):
        """The connection ends mid-answer, without the body's end."""
        self.start_stream()
        self.put(chunk({"content": "Cut "}))
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_WR)

    def s_slow(self, body):
        self.stream(text_stream(["w%d " % i for i in range(100)]), gap=0.1)


SCENARIOS = {
    "plain": Handler.s_plain, "nousage": Handler.s_nousage,
    "whole": Handler.s_whole, "tool": Handler.s_tool, "two": Handler.s_two,
    "loop": Handler.s_loop, "history": Handler.s_history,
    "e500": Handler.s_e500, "e429": Handler.s_e429, "ekey": Handler.s_ekey,
    "stall": Handler.s_stall, "trickle": Handler.s_trickle,
    "malformed": Handler.s_malformed, "cut": Handler.s_cut,
    "slow": Handler.s_slow,
}


def watch_parent(pid, server):
    while True:
        time.sleep(0.5)
        try:
            os.kill(pid, 0)
        except OSError:
            server.shutdown()
            return


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--parent", type=int)
    a = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, a.port_file)
    if a.parent:
        threading.Thread(target=watch_parent, args=(a.parent, server),
                         daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

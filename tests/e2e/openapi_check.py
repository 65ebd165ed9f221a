#!/usr/bin/env python3
"""
Checks an answer the e2e tests received against docs/openapi.yaml, with
Debian's python3-jsonschema (Draft 2020-12, OpenAPI 3.1's dialect).

  openapi_check.py check METHOD PATH STATUS CONTENT-TYPE BODY-FILE
                         [HEADER-FILE]
      exit 0 when the answer fits, 1 with the reason on stderr
  openapi_check.py serve SOCKET OWNER-PID
      the same over HTTP on a unix socket (tests/e2e/lib.sh asks it with
      curl: POST /check, a body of METHOD STATUS CONTENT-TYPE BODY-FILE
      HEADER-FILE PATH one a line); answers 200 "ok" or 422 and the
      reason, logs a line a check on stderr, exits when OWNER-PID is
      gone
  openapi_check.py selftest
      the rule below on answers made up here, "ok ..." / "FAIL ..." lines

The rule:

 1. Only JSON answers are checked: a Content-Type of application/json
    (any parameters). Anything else passes (event streams, metrics text,
    bodiless answers).
 2. Paths that are not the product's pass unchecked: the test
    responder's /t/, /t-kept/, /t-buffered/ and /t-big/, and nginx's
    benchmark endpoints /__nginx_*.
 3. The query is dropped and the path matched against the spec's path
    templates, literal ones first; "{name}" matches one non-empty
    segment.
 4. When the path's operation for METHOD lists STATUS, the body must be
    JSON valid against that response's application/json schema; a
    JSON body where the spec documents none fails. With the headers
    (curl -D's file), each header the response marks required must be
    there and valid against its schema.
 5. Otherwise (a path not in the spec, a method its path does not take,
    a status its operation does not list) the answer passes only when
    STATUS is one of x-dataland-any-path-responses (what nginx, or a
    service's router, may answer to any request: 400 401 404 405 413
    414 429 431 500 501 503 505) and the answer fits that response as
    in 4: the Error body with a code that status carries.
    Anything else fails as "not in docs/openapi.yaml", so the spec has
    to grow with the services.

The spec is parsed once and kept, with every $ref inlined, as JSON in
.run/openapi-spec.json (OPENAPI_CACHE), keyed by the spec's mtime and
size: a check then costs a JSON load, not a YAML parse. "serve" keeps it
in memory and checks each answer in about a millisecond; lib.sh starts
one per e2e script because importing jsonschema alone takes ~150 ms.
"""
import json
import os
import re
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SPEC = os.environ.get("OPENAPI_SPEC", os.path.join(ROOT, "docs",
    "openapi.yaml"))
CACHE = os.environ.get("OPENAPI_CACHE", os.path.join(ROOT, ".run",
    "openapi-spec.json"))
CACHE_FORMAT = 2		# bump when the preprocessed layout changes
SKIP_PREFIXES = ("/t/", "/t-kept/", "/t-buffered/", "/t-big/", "/__nginx_")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
    "trace")
ANY_PATH = "x-dataland-any-path-responses"


class Mismatch(Exception):
    """An answer that does not fit the spec; str() says why."""


# --- the spec, preprocessed ---------------------------------------------

def pointer(doc, ref):
    """The node at the local JSON pointer ref ("#/a/b")."""
    if not ref.startswith("#/"):
        raise ValueError("only local $refs are supported: %s" % ref)
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def inline(doc, node, seen=()):
    """node with every $ref replaced by a copy of its target; a schema
    that came from a $ref carries it as "$comment" (for messages)."""
    if isinstance(node, list):
        return [inline(doc, n, seen) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise ValueError("recursive $ref %s" % ref)
        target = inline(doc, pointer(doc, ref), seen + (ref,))
        rest = {k: v for k, v in node.items()
                if k not in ("$ref", "description", "summary")}
        if isinstance(target, dict):
            target = dict(target)
            target.setdefault("$comment", ref)
        if rest:	# 2020-12: $ref beside other keywords is an allOf
            return dict(inline(doc, rest, seen), allOf=[target])
        return target
    return {k: inline(doc, v, seen) for k, v in node.items()}


def media(resp, where):
    """{"schema", "headers", "where"} of a response with a JSON body, or
    {"nojson", "where"}; "headers" maps each required header's name
    (lowercase) to its schema."""
    hdrs = {k.lower(): h.get("schema", {})
            for k, h in (resp.get("headers") or {}).items()
            if h.get("required")}
    for ctype, m in (resp.get("content") or {}).items():
        if ctype.split(";")[0].strip() == "application/json":
            return {"schema": m.get("schema", {}), "headers": hdrs,
                    "where": where}
    return {"nojson": sorted(resp.get("content") or {}), "where": where}


def parse_headers(raw):
    """{lowercase name: value} of the last header block of a curl -D
    file (a 100 Continue may come first)."""
    blocks = [b for b in raw.decode("latin-1").replace("\r", "")
              .split("\n\n") if b.startswith("HTTP/")]
    out = {}
    for line in (blocks[-1].split("\n")[1:] if blocks else []):
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def preprocess(doc):
    """The parts of the spec the checks need, refs inlined."""
    ops, templates = {}, []
    for path, item in (doc.get("paths") or {}).items():
        item = inline(doc, item)
        parts = re.split(r"(\{[^}/]+\})", path)
        rx = "".join("[^/]+" if p.startswith("{") else re.escape(p)
                     for p in parts)
        templates.append({"path": path, "re": "^" + rx + "$",
                          "literal": "{" not in path})
        for m in METHODS:
            if m not in item:
                continue
            resps = {}
            for st, resp in (item[m].get("responses") or {}).items():
                where = "paths.%s.%s.responses.%s" % (path, m, st)
                resps[str(st)] = media(resp, where)
            ops["%s %s" % (m.upper(), path)] = resps
    anyp = {}
    for st, resp in (doc.get(ANY_PATH) or {}).items():
        anyp[str(st)] = media(inline(doc, resp), "%s.%s" % (ANY_PATH, st))
    templates.sort(key=lambda t: not t["literal"])
    return {"templates": templates, "ops": ops, "any": anyp}


def spec_key():
    st = os.stat(SPEC)
    return "%d:%d:%d" % (st.st_mtime_ns, st.st_size, CACHE_FORMAT)


def load_spec():
    """The preprocessed spec: from the cache when it is current, else
    parsed from the YAML and cached."""
    key = spec_key()
    try:
        with open(CACHE) as f:
            c = json.load(f)
        if c.get("key") == key:
            return c
    except (OSError, ValueError):
        pass
    try:
        import yaml
    except ImportError as e:
        sys.exit("openapi_check: %s (python3-yaml; scripts/deps.sh "
                 "installs it)" % e)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(SPEC) as f:
        c = preprocess(yaml.load(f, Loader=loader))
    c["key"] = key
    try:
        os.makedirs(os.path.dirname(CACHE), exist_ok=True)
        tmp = "%s.%d.tmp" % (CACHE, os.getpid())
        with open(tmp, "w") as f:
            json.dump(c, f)
        os.replace(tmp, CACHE)	# atomic for scripts side by side
    except OSError:
        pass			# a read-only tree: just slower
    return c


# --- validation -----------------------------------------------------------

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?"
                     r"([Zz]|[+-]\d\d:\d\d)$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def format_checker():
    """date-time (RFC 3339) and uuid, checked without optional packages."""
    from jsonschema import FormatChecker
    import datetime
    fc = FormatChecker(formats=())

    @fc.checks("date-time")
    def date_time(s):
        if not isinstance(s, str):
            return True
        if not RFC3339.match(s):
            return False
        try:
            datetime.datetime.fromisoformat(
                s[:19].upper().replace("T", " "))
        except ValueError:
            return False
        return True

    @fc.checks("uuid")
    def uuid(s):
        return not isinstance(s, str) or bool(UUID.match(s))

    return fc


class Checker:
    """Checks answers against the preprocessed spec; keeps one compiled
    validator per schema it has used."""

    def __init__(self):
        from jsonschema import Draft202012Validator
        self.cls = Draft202012Validator
        self.fc = format_checker()
        self.key = None
        self.reload()

    def reload(self):
        key = spec_key()
        if key != self.key:
            self.spec = load_spec()
            self.key = self.spec["key"]
            self.validators = {}
            self.res = [(t["path"], re.compile(t["re"]))
                        for t in self.spec["templates"]]

    def template(self, path):
        for tpl, rx in self.res:
            if rx.match(path):
                return tpl
        return None

    def check(self, method, path, status, ctype, body, headers=None):
        """Where in the spec the answer was found to fit, or None when it
        is not checked; raises Mismatch when it does not fit. headers
        ({lowercase name: value}), when given, must hold every header
        the response requires, each valid against its schema."""
        if ctype.split(";")[0].strip().lower() != "application/json":
            return None
        path = path.split("?", 1)[0]
        if path.startswith(SKIP_PREFIXES):
            return None
        method = method.upper()
        status = str(int(status))
        what = "%s %s %s" % (method, path if len(path) <= 80 else
                             path[:77] + "...", status)
        tpl = self.template(path)
        resp = None
        if tpl is not None:
            resp = self.spec["ops"].get("%s %s" % (method, tpl), {}) \
                .get(status)
        if resp is None:
            resp = self.spec["any"].get(status)
            if resp is None:
                if tpl is None:
                    raise Mismatch("%s: path not in docs/openapi.yaml"
                                   % what)
                if "%s %s" % (method, tpl) not in self.spec["ops"]:
                    raise Mismatch("%s: %s %s is not in docs/openapi.yaml"
                                   % (what, method, tpl))
                raise Mismatch("%s: status %s of %s %s is not in "
                               "docs/openapi.yaml" % (what, status, method,
                                                      tpl))
        if "nojson" in resp:
            raise Mismatch("%s: a JSON body, where %s documents %s"
                           % (what, resp["where"],
                              ", ".join(resp["nojson"]) or "no body"))
        try:
            j = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise Mismatch("%s: the body is not JSON (%s)" % (what, e))
        v = self.validators.get(resp["where"])
        if v is None:
            v = self.cls(resp["schema"], format_checker=self.fc)
            self.validators[resp["where"]] = v
        errs = list(v.iter_errors(j))
        if errs:
            raise Mismatch(self.explain(what, resp, errs))
        if headers is not None:
            self.check_headers(what, resp, headers)
        return resp["where"]

    def check_headers(self, what, resp, headers):
        for name, schema in sorted(resp["headers"].items()):
            if name not in headers:
                raise Mismatch("%s: no %s header, which %s requires"
                               % (what, name, resp["where"]))
            value = headers[name]
            if schema.get("type") == "integer" and re.match(r"^-?\d+$",
                                                            value):
                value = int(value)
            key = "%s headers.%s" % (resp["where"], name)
            v = self.validators.get(key)
            if v is None:
                v = self.cls(schema, format_checker=self.fc)
                self.validators[key] = v
            e = next(iter(v.iter_errors(value)), None)
            if e is not None:
                raise Mismatch("%s: header %s: %s (%s headers.%s)" % (
                    what, name, short(e.message), resp["where"], name))

    def explain(self, what, resp, errs):
        from jsonschema.exceptions import best_match
        out = ["%s: the body does not match %s" % (what, resp["where"])]
        for e in [best_match(errs)] + [x for x in errs][:3]:
            line = "  at %s: %s (%s)" % (json_path(e), short(e.message),
                                        schema_name(resp, e))
            if line not in out:
                out.append(line)
        return "\n".join(out[:4])


def json_path(e):
    s = "$"
    for p in e.absolute_path:
        s += "[%d]" % p if isinstance(p, int) else "." + str(p)
    return s


def short(s):
    return s if len(s) <= 200 else s[:197] + "..."


def schema_name(resp, e):
    """The named schema the failing keyword belongs to, and the keyword's
    path below it: "schema #/components/schemas/User: .../type"."""
    node, name, trail = resp["schema"], resp["where"], []
    if isinstance(node, dict) and "$comment" in node:
        name = node["$comment"]
    for part in e.absolute_schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        trail.append(str(part))
        if isinstance(node, dict) and "$comment" in node:
            name, trail = node["$comment"], []
    return "schema %s%s" % (name, ": " + "/".join(trail) if trail else "")


# --- commands -------------------------------------------------------------

def cmd_check(args):
    if len(args) not in (5, 6):
        sys.exit("usage: openapi_check.py check METHOD PATH STATUS "
                 "CONTENT-TYPE BODY-FILE [HEADER-FILE]")
    method, path, status, ctype, bodyf = args[:5]
    with open(bodyf, "rb") as f:
        body = f.read()
    headers = None
    if len(args) == 6:
        with open(args[5], "rb") as f:
            headers = parse_headers(f.read())
    try:
        Checker().check(method, path, status, ctype, body, headers)
    except Mismatch as e:
        print("openapi: %s" % e, file=sys.stderr)
        return 1
    return 0


def cmd_serve(args):
    import http.server
    import socketserver

    if len(args) != 2:
        sys.exit("usage: openapi_check.py serve SOCKET OWNER-PID")
    sock, owner = args[0], int(args[1])
    checker = Checker()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            lines = self.rfile.read(n).decode("utf-8", "replace") \
                .split("\n", 5)
            if len(lines) != 6:
                return self.answer(400, "want METHOD STATUS CONTENT-TYPE "
                                   "BODY-FILE HEADER-FILE PATH, a line each")
            method, status, ctype, bodyf, hdrf, path = lines
            t0 = time.monotonic()
            try:
                with open(bodyf, "rb") as f:
                    body = f.read()
                with open(hdrf, "rb") as f:
                    headers = parse_headers(f.read())
                with lock:
                    checker.reload()
                    where = checker.check(method, path, status, ctype, body,
                                          headers)
            except Mismatch as e:
                where, code, text = "FAIL", 422, "openapi: %s" % e
            except Exception as e:	# a bug here is a failed check
                where, code = "FAIL", 422
                text = "openapi: checker error: %r" % e
            else:
                code, text = 200, "ok"
            # One line a check, for the log: what matched, how fast.
            print("%.2f ms %s %s %s: %s" % (
                (time.monotonic() - t0) * 1000, method,
                path.split("?")[0][:60], status, where or "unchecked"),
                file=sys.stderr, flush=True)
            self.answer(code, text)

        def answer(self, code, text):
            b = (text + "\n").encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

        def log_message(self, *a):
            pass

        def address_string(self):
            return "unix"

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    try:
        os.unlink(sock)
    except FileNotFoundError:
        pass
    srv = Server(sock, Handler)

    def watch():
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                pass
            threading.Event().wait(0.5)
        srv.shutdown()

    threading.Thread(target=watch, daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.5)
    finally:
        try:
            os.unlink(sock)
        except OSError:
            pass
    return 0


def cmd_selftest(args):
    """The rule on made-up answers: each must pass or fail as stated."""
    tok = ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    user = {"sub": "0b7c1f0e-3c1e-4f4e-9a51-1d2f3e4a5b6c",
            "email": "ada@example.org", "full_name": None, "location": "",
            "profile_photo_url": None, "stripe_customer_id": None,
            "created_at": "2026-11-24T09:30:00.123456Z"}
    err = lambda c: {"error": {"code": c, "message": "m"}}
    J = "application/json; charset=utf-8"
    cases = [
        # name, method, path, status, ctype, body, should pass
        ("health", "GET", "/healthz", 200, J, {"status": "ok"}, True),
        ("health, wrong value", "GET", "/healthz", 200, J,
         {"status": "up"}, False),
        ("token", "POST", "/auth/login", 200, J,
         {"access_token": tok, "token_type": "Bearer", "expires_in": 3600,
          "user": user}, True),
        ("token, user without created_at", "POST", "/auth/signup", 201, J,
         {"access_token": tok, "token_type": "Bearer", "expires_in": 3600,
          "user": dict(user, created_at=None)}, False),
        ("user, extra field", "GET", "/auth/me", 200, J,
         dict(user, extra=1), False),
        ("user, bad timestamp", "GET", "/auth/me?x=1", 200, J,
         dict(user, created_at="24/11/2026"), False),
        ("401 on login", "POST", "/auth/login", 401, J,
         err("invalid_credentials"), True),
        ("401 with a 404 code", "GET", "/auth/me", 401, J,
         err("not_found"), False),
        ("error with an extra member", "GET", "/readyz", 503, J,
         {"error": {"code": "unavailable", "message": "m", "x": 1}}, False),
        ("error with an empty message", "GET", "/readyz", 503, J,
         {"error": {"code": "unavailable", "message": ""}}, False),
        ("unknown path 404", "GET", "/nope", 404, J, err("not_found"),
         True),
        ("unknown path 200", "GET", "/nope", 200, J, {"status": "ok"},
         False),
        ("unknown path 418", "GET", "/nope", 418, J, err("internal"),
         False),
        ("405 on a known path", "GET", "/auth/login", 405, J,
         err("method_not_allowed"), True),
        ("nginx 414 anywhere", "GET", "/v1/" + "p" * 1000, 414, J,
         err("invalid_request"), True),
        ("nginx 431 with the wrong code", "GET", "/healthz", 431, J,
         err("unauthorized"), False),
        ("unlisted status, not nginx's", "GET", "/healthz", 409, J,
         err("conflict"), False),
        ("template path", "GET", "/v1/conversations/c-1/runs", 200, J,
         {"runs": [{"id": "r", "conversation_id": "c-1",
                    "started_at": "2026-11-24T09:30:00Z",
                    "finished_at": None, "model": None,
                    "prompt_tokens": 3, "completion_tokens": None,
                    "cost_usd": 0.0, "status": "running", "error": None}]},
         True),
        ("run with an unknown status", "GET", "/v1/conversations/c/runs",
         200, J, {"runs": [{"id": "r", "conversation_id": None,
                            "started_at": None, "finished_at": None,
                            "model": None, "prompt_tokens": None,
                            "completion_tokens": None, "cost_usd": None,
                            "status": "done", "error": None}]}, False),
        ("JSON where text is documented", "GET", "/metrics", 200, J,
         {"a": 1}, False),
        ("metrics text is not checked", "GET", "/metrics", 200,
         "text/plain; version=0.0.4", "x", True),
        ("not JSON", "GET", "/healthz", 200, J, b"{", False),
        ("test responder skipped", "POST", "/t/echo", 200, J, {"any": 1},
         True),
        ("nginx benchmark skipped", "GET", "/__nginx_static", 200, J,
         {"status": "ok"}, True),
    ]
    # The same with headers (a curl -D file's, parsed).
    hcases = [
        ("headers: request id", "GET", "/healthz", 200, {"status": "ok"},
         "HTTP/2 200\r\nx-request-id: e2e.1\r\n\r\n", True),
        ("headers: no request id", "GET", "/healthz", 200,
         {"status": "ok"}, "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n",
         False),
        ("headers: the last block counts", "POST", "/auth/login", 401,
         err("invalid_credentials"), "HTTP/1.1 100 Continue\r\n\r\n"
         "HTTP/1.1 401 Unauthorized\r\nX-Request-Id: a\r\n\r\n", True),
        ("headers: 503 without Retry-After", "GET", "/readyz", 503,
         err("unavailable"), "HTTP/2 503\r\nx-request-id: a\r\n\r\n",
         False),
        ("headers: Retry-After not a number", "GET", "/readyz", 503,
         err("unavailable"), "HTTP/2 503\r\nx-request-id: a\r\n"
         "retry-after: soon\r\n\r\n", False),
        ("headers: 503 with Retry-After", "GET", "/readyz", 503,
         err("unavailable"), "HTTP/2 503\r\nx-request-id: a\r\n"
         "retry-after: 1\r\n\r\n", True),
        ("headers: 405 without Allow", "POST", "/healthz", 405,
         err("method_not_allowed"), "HTTP/2 405\r\nx-request-id: a\r\n"
         "\r\n", False),
        ("headers: bad request id", "GET", "/healthz", 200,
         {"status": "ok"}, "HTTP/2 200\r\nx-request-id: a b\r\n\r\n",
         False),
    ]
    cases += [(n, m, p, st, J, b, w, parse_headers(h.encode()))
              for n, m, p, st, b, h, w in hcases]
    c = Checker()
    bad = 0
    for name, m, p, st, ct, body, want, *hdrs in cases:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            c.check(m, p, st, ct, raw, *hdrs)
            got, why = True, ""
        except Mismatch as e:
            got, why = False, str(e)
        if got == want:
            print("ok openapi-check: %s" % name)
        else:
            bad += 1
            print("FAIL openapi-check: %s: %s" % (
                name, "passed" if got else "failed:\n    " +
                why.replace("\n", "\n    ")))
    return 1 if bad else 0


def main(argv):
    cmds = {"check": cmd_check, "serve": cmd_serve, "selftest": cmd_selftest}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.exit(__doc__.split("\n\n")[1])
    try:
        import jsonschema  # noqa: F401
    except ImportError as e:
        sys.exit("openapi_check: %s (python3-jsonschema; scripts/deps.sh "
                 "installs it)" % e)
    return cmds[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/bin/sh
# The sample catalogue is well formed: every line of
# sql/catalog/museum.jsonl is an artwork or a document in the format
# `dataland catalog load` reads (sql/catalog/README.md), ids and rooms
# are consistent, and there is enough of it for the builtin guide.
# Prints "ok NAME" or "FAIL NAME: reason" per check; exits non-zero if
# any check fails. Needs only python3. Usage: catalog_data.sh [FILE]
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
FILE=${1:-$TOP/sql/catalog/museum.jsonl}

exec python3 - "$FILE" <<'EOF'
import json
import re
import sys
from collections import Counter, defaultdict

path = sys.argv[1]
fails = 0


def report(name, problems):
    global fails
    if not problems:
        print("ok %s" % name)
        return
    fails += 1
    shown = "; ".join(problems[:5])
    if len(problems) > 5:
        shown += "; and %d more" % (len(problems) - 5)
    print("FAIL %s: %s" % (name, shown))


ARTWORK = ("id", "title", "artist", "year", "medium", "room", "image_path", "description")
DOCUMENT = ("id", "title", "uri", "kind", "body")
KINDS = ("artist", "movement", "room", "visitor")
ID_RE = re.compile(r"^[a-z0-9-]{1,80}$")
ROOM_RE = re.compile(r"^Room ([0-9]+) — .+$")
MARKUP_RE = re.compile(r"<[A-Za-z/!]|\*\*|__|`|\[[^\]]*\]\(|^\s*#|^\s*[-*] ", re.M)

# --- the file and its lines ---------------------------------------------
try:
    raw = open(path, "rb").read()
except OSError as e:
    report("catalog-file", ["cannot read %s: %s" % (path, e.strerror)])
    sys.exit(1)
problems = []
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    problems.append("not UTF-8 at byte %d" % e.start)
    text = raw.decode("utf-8", "replace")
if text.startswith("\ufeff"):
    problems.append("starts with a byte order mark")
if not text.strip():
    problems.append("%s is empty" % path)
elif not text.endswith("\n"):
    problems.append("last line has no newline")
report("catalog-file", problems)

rows = []           # (line number, object)
problems = []
lines = text.split("\n")
if lines[-1] == "":
    lines.pop()         # the newline that ends the last line
for n, line in enumerate(lines, 1):
    if not line.strip():
        problems.append("line %d: empty" % n)
        continue
    try:
        obj = json.loads(line)
    except ValueError as e:
        problems.append("line %d: %s" % (n, e))
        continue
    if not isinstance(obj, dict):
        problems.append("line %d: not a JSON object" % n)
        continue
    rows.append((n, obj))
report("catalog-json", problems)

# --- types and fields ---------------------------------------------------
problems = []
artworks, documents = [], []
for n, o in rows:
    t = o.get("type")
    if t == "artwork":
        artworks.append((n, o))
    elif t == "document":
        documents.append((n, o))
    else:
        problems.append("line %d: type %r" % (n, t))
report("catalog-type", problems)

problems = []
for rows_, fields in ((artworks, ARTWORK), (documents, DOCUMENT)):
    for n, o in rows_:
        for f in fields:
            v = o.get(f)
            if f not in o:
                problems.append("line %d: no %s" % (n, f))
            elif not isinstance(v, str):
                problems.append("line %d: %s is not a string" % (n, f))
            elif not v.strip():
                problems.append("line %d: %s is empty" % (n, f))
        extra = sorted(set(o) - set(fields) - {"type"})
        if extra:
            problems.append("line %d: unknown field(s) %s" % (n, ", ".join(extra)))
report("catalog-fields", problems)


def s(o, f):
    v = o.get(f)
    return v if isinstance(v, str) else ""


# --- ids ----------------------------------------------------------------
problems = []
for label, rows_ in (("artwork", artworks), ("document", documents)):
    seen = {}
    for n, o in rows_:
        i = s(o, "id")
        if not ID_RE.match(i):
            problems.append("line %d: %s id %r is not [a-z0-9-]{1,80}" % (n, label, i))
        if i in seen:
            problems.append("line %d: %s id %r already on line %d" % (n, label, i, seen[i]))
        else:
            seen[i] = n
report("catalog-ids", problems)

# --- artworks -----------------------------------------------------------
problems = []
names = defaultdict(set)
for n, o in artworks:
    r = s(o, "room")
    m = ROOM_RE.match(r)
    if not m:
        problems.append("line %d: room %r is not 'Room N — Name'" % (n, r))
    else:
        names[m.group(1)].add(r)
for num, rs in sorted(names.items(), key=lambda kv: int(kv[0])):
    if len(rs) > 1:
        problems.append("Room %s is named %d ways: %s" % (num, len(rs), " / ".join(sorted(rs))))
report("catalog-rooms", problems)

problems = []
for n, o in artworks:
    want = "/images/%s.jpg" % s(o, "id")
    if s(o, "image_path") != want:
        problems.append("line %d: image_path %r, want %r" % (n, s(o, "image_path"), want))
report("catalog-image-path", problems)

# --- documents ----------------------------------------------------------
problems = []
for n, o in documents:
    if s(o, "kind") not in KINDS:
        problems.append("line %d: kind %r" % (n, o.get("kind")))
report("catalog-kinds", problems)

problems = []
room_docs = [s(o, "title") + "\n" + s(o, "body") for _, o in documents if s(o, "kind") == "room"]
for r in sorted({s(o, "room") for _, o in artworks if s(o, "room")}):
    if not any(r in d for d in room_docs):
        problems.append("no room document names %r" % r)
report("catalog-room-docs", problems)

problems = []
seen = {}
for n, o in documents:
    u = s(o, "uri")
    if not u.startswith("doc://"):
        problems.append("line %d: uri %r is not doc://..." % (n, u))
    if u in seen:
        problems.append("line %d: uri %r already on line %d" % (n, u, seen[u]))
    else:
        seen[u] = n
report("catalog-uris", problems)

problems = []
for n, o in documents:
    w = len(s(o, "body").split())
    if not 60 <= w <= 250:
        problems.append("line %d: body has %d words, want 60-250" % (n, w))
report("catalog-body-length", problems)

problems = []
for n, o in artworks + documents:
    for f in ("title", "description", "body"):
        if MARKUP_RE.search(s(o, f)):
            problems.append("line %d: %s looks like markdown or HTML" % (n, f))
report("catalog-plain-text", problems)

# --- amounts ------------------------------------------------------------
problems = []
if len(artworks) < 160:
    problems.append("%d artworks, want at least 160" % len(artworks))
if len(documents) < 45:
    problems.append("%d documents, want at least 45" % len(documents))
report("catalog-counts", problems)

kinds = Counter(s(o, "kind") for _, o in documents)
report("catalog-visitor-docs", [] if kinds["visitor"] >= 8 else
       ["%d visitor documents, want at least 8" % kinds["visitor"]])

sys.exit(1 if fails else 0)
EOF

#!/usr/bin/env python3
"""Writes fcgi/core/ucase_tables.h, the tables behind ucase.c, from
Python 3.11's own str.isspace() and str.lower() (Unicode 14.0.0), so that
ucase_strip_lower() is exactly the Python service's email.strip().lower().

    python3 scripts/gen_ucase.py > fcgi/core/ucase_tables.h

Every property is read off Python's behaviour, none from Unicode data
files: the final-sigma sets come from how lower() treats U+03A3 next to
each code point. Before writing, the tables are checked against Python
for every code point. The build never runs this; its output is committed.
"""

import sys
import unicodedata

UNIDATA = "14.0.0"
SIGMA = "\u03a3"
MULTI_MAX = 3  # CPython's full mappings are at most 3 code points
PER_LINE = 3   # entries per line of the range tables


def code_points():
    """Every Unicode scalar value: U+0000..U+10FFFF without surrogates."""
    return [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]


def ranges(cps):
    """Sorted code points as inclusive [lo, hi] runs."""
    out = []
    for c in cps:
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def deltas(pairs):
    """(cp, delta) pairs, sorted, as [lo, hi, delta, step] entries: every
    step-th code point from lo to hi maps to itself plus delta."""
    out = []
    for c, d in pairs:
        if out:
            e = out[-1]
            if e[0] == e[1] and d == e[2] and c - e[1] in (1, 2):
                e[1], e[3] = c, c - e[0]
                continue
            if d == e[2] and c - e[1] == e[3]:
                e[1] = c
                continue
        out.append([c, c, d, 1])
    return out


def in_ranges(rs, c):
    """The lookup ucase.c does, for the self-check."""
    lo, hi = 0, len(rs)
    while lo < hi:
        mid = (lo + hi) // 2
        if rs[mid][1] < c:
            lo = mid + 1
        else:
            hi = mid
    return lo < len(rs) and rs[lo][0] <= c <= rs[lo][1]


def lower_one(dt, multi, c):
    """ucase.c's lowering of one code point outside a sigma context."""
    if c in multi:
        return multi[c]
    lo, hi = 0, len(dt)
    while lo < hi:
        mid = (lo + hi) // 2
        if dt[mid][1] < c:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(dt) and dt[lo][0] <= c and (c - dt[lo][0]) % dt[lo][3] == 0:
        return chr(c + dt[lo][2])
    return chr(c)


def derive(cps):
    """The tables from Python's behaviour."""
    space = [c for c in cps if chr(c).isspace()]
    multi, single = {}, []
    for c in cps:
        lo = chr(c).lower()
        if len(lo) > 1:
            assert len(lo) <= MULTI_MAX, hex(c)
            multi[c] = lo
        elif lo != chr(c):
            single.append((c, ord(lo) - c))
    # U+03A3 after c is final exactly when c is cased and not
    # case-ignorable; after "A" c it is final when c is either.
    cased, ignorable = [], []
    for c in cps:
        p1 = (chr(c) + SIGMA).lower()[-1] == "\u03c2"
        p2 = ("A" + chr(c) + SIGMA).lower()[-1] == "\u03c2"
        p3 = ("A" + SIGMA + chr(c)).lower()[1] == "\u03c2"
        ign = p2 and not p1
        # the look-ahead must agree with the two sets
        assert p3 == (ign or not p1), hex(c)
        if p1:
            cased.append(c)
        if ign:
            ignorable.append(c)
    return space, single, multi, cased, ignorable


def check(cps, space, dt, multi, cased, ignorable):
    """Every code point against Python, through the lookups ucase.c
    does; returns the largest growth in UTF-8 bytes."""
    sp, ca, ig = ranges(space), ranges(cased), ranges(ignorable)
    growth = 1.0
    for c in cps:
        ch = chr(c)
        assert in_ranges(sp, c) == ch.isspace(), hex(c)
        lo = ch.lower()
        assert lower_one(dt, multi, c) == lo, hex(c)
        assert in_ranges(ca, c) == ((ch + SIGMA).lower()[-1] == "\u03c2")
        growth = max(growth, len(lo.encode()) / len(ch.encode()))
    assert not any(in_ranges(ig, c) and in_ranges(ca, c) for c in cps)
    return growth


def rows(items, fmt, per_line=PER_LINE):
    """C initialiser lines, per_line items each, tab-indented."""
    out = []
    for i in range(0, len(items), per_line):
        out.append("\t" + " ".join(fmt(x) for x in items[i:i + per_line]))
    return "\n".join(out)


def c_ranges(name, comment, rs):
    body = rows(rs, lambda r: "{ 0x%04X, 0x%04X }," % (r[0], r[1]))
    return "/* %s */\nstatic const struct ucase_range %s[] = {\n%s\n};\n" % (
        comment, name, body)


def main():
    if unicodedata.unidata_version != UNIDATA:
        sys.exit("gen_ucase.py: this Python has Unicode %s; the tables "
                 "are Python 3.11's (Unicode %s)" %
                 (unicodedata.unidata_version, UNIDATA))
    cps = code_points()
    space, single, multi, cased, ignorable = derive(cps)
    dt = deltas(single)
    growth = check(cps, space, dt, multi, cased, ignorable)
    growth_max = int(-(-growth // 1))

    w = sys.stdout.write
    w("/*\n"
      " * GENERATED by scripts/gen_ucase.py from Python %s's str.isspace()\n"
      " * and str.lower() (Unicode %s); do not edit. Regenerate with\n"
      " *\tpython3 scripts/gen_ucase.py > fcgi/core/ucase_tables.h\n"
      " * Included by ucase.c only, after its struct definitions.\n"
      " */\n\n" % (sys.version.split()[0], UNIDATA))
    w("#define UCASE_UNIDATA\t\"%s\"\n" % UNIDATA)
    w("/* Lowering never takes more UTF-8 bytes than this many times a\n"
      " * code point's own (U+0130, 2 bytes, becomes 3). */\n")
    w("#define UCASE_GROWTH\t%d\n\n" % growth_max)
    w(c_ranges("ucase_space", "str.isspace(): [lo, hi]", ranges(space)))
    w("\n/* str.lower() of one code point, when it is one other code point:\n"
      " * { lo, hi, delta, step }: lo, lo + step, ... hi map to cp + delta."
      " */\n")
    w("static const struct ucase_delta ucase_lower1[] = {\n%s\n};\n" %
      rows(dt, lambda e: "{ 0x%04X, 0x%04X, %d, %d }," % tuple(e), 2))
    w("\n/* str.lower() of one code point, when it is several. */\n")
    w("static const struct ucase_multi ucase_lowerm[] = {\n")
    for c in sorted(multi):
        to = [ord(x) for x in multi[c]]
        w("\t{ 0x%04X, %d, { %s } },\n" % (
            c, len(to), ", ".join("0x%04X" % x for x in to)))
    w("};\n\n")
    w(c_ranges("ucase_cased", "Cased and not case-ignorable: a capital "
               "sigma after one is final", ranges(cased)))
    w("\n")
    w(c_ranges("ucase_ignorable", "Case-ignorable: skipped looking for "
               "the sigma's neighbours", ranges(ignorable)))


if __name__ == "__main__":
    main()

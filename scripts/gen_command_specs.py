#!/usr/bin/python3
"""Regenerates two data files from the reference redis-server:

- src/commands/core/command_specs.inc: the command facts (arity, flags, key
  positions, key specs, ACL categories, group, since) of COMMAND INFO/DOCS;
- src/commands/core/command_docs.inc: the facts of COMMAND DOCS (argument
  trees: names, types, key spec indexes, tokens, flags, since; history
  versions; doc_flags, deprecated_since, replaced_by; whether a complexity
  is given), in the same order as command_specs.inc.

The prose of COMMAND DOCS is not taken from Redis: summaries and complexities
are Vireo's own text in src/commands/core/command_prose.inc (this script lists
the commands that file lacks), and the description of each history entry is
Vireo's own text in src/commands/core/command_history_prose.txt, keyed by
command and version (this script fails when an entry has no description
there, or when that file describes an entry Redis does not have).

Usage: /usr/bin/python3 scripts/gen_command_specs.py   (needs Debian's redis-server and python3-redis)
"""
import os
import random
import subprocess
import sys
import tempfile
import time

import redis

CORE = os.path.join(os.path.dirname(__file__), "..", "src", "commands", "core")
OUT = os.path.join(CORE, "command_specs.inc")
DOCS_OUT = os.path.join(CORE, "command_docs.inc")
PROSE = os.path.join(CORE, "command_prose.inc")
HISTORY_PROSE = os.path.join(CORE, "command_history_prose.txt")


def s(v):
    if isinstance(v, bytes):
        v = v.decode()
    return v


def cstr(v):
    v = s(v) or ""
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_dict(flat):
    return {s(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}


def keyspec(ks):
    d = as_dict(ks)
    flags = " ".join(s(f) for f in d.get("flags", []))
    notes = d.get("notes", "")
    bs = as_dict(d["begin_search"])
    bst = s(bs["type"])
    bss = as_dict(bs["spec"]) if bs["spec"] else {}
    fk = as_dict(d["find_keys"])
    fkt = s(fk["type"])
    fks = as_dict(fk["spec"]) if fk["spec"] else {}
    if fkt == "range":
        a, b, c = fks["lastkey"], fks["keystep"], fks["limit"]
    elif fkt == "keynum":
        a, b, c = fks["keynumidx"], fks["firstkey"], fks["keystep"]
    else:
        a = b = c = 0
    return "{%s, %s, %s, %d, %s, %d, %s, %d, %d, %d}" % (
        cstr(flags), cstr(notes), cstr(bst), bss.get("index", 0), cstr(bss.get("keyword", "")),
        bss.get("startfrom", 0), cstr(fkt), a, b, c)


def emit(info, docs, name, out):
    name_s = s(info[0])
    flags = " ".join(s(f) for f in info[2])
    acl = " ".join(s(f) for f in info[6])
    tips = " ".join(s(f) for f in info[7])
    kss = ", ".join(keyspec(k) for k in info[8])
    d = docs.get(name_s, {})
    out.append("{%s, %d, %s, %d, %d, %d, %s, %s, %s, %s, {%s}}," % (
        cstr(name_s), info[1], cstr(flags), info[3], info[4], info[5], cstr(acl), cstr(tips),
        cstr(d.get("group", "")), cstr(d.get("since", "")), kss))
    DOC_ORDER.append((name_s, d))
    # Redis lists subcommands in hash-table order, which changes from run to
    # run: keep the order the committed file has (new names last, sorted).
    for sub in sorted(info[9], key=lambda i: (OLD_ORDER.get(s(i[0]), len(OLD_ORDER)), s(i[0]))):
        emit(sub, d.get("subcommands", {}), s(sub[0]), out)


def old_order():
    if not os.path.exists(OUT):
        return {}
    names = [line.split('"')[1] for line in open(OUT) if line.startswith('{"')]
    return {n: i for i, n in enumerate(names)}


OLD_ORDER = old_order()
# Commands in command_specs.inc order, with their raw COMMAND DOCS maps.
DOC_ORDER = []
ARG_TYPES = ["key", "string", "integer", "double", "pattern", "unix-time", "pure-token", "oneof", "block"]
ARG_FLAGS = {"optional": 1, "multiple": 2, "multiple_token": 4}
DOC_FLAGS = {"deprecated": 1, "syscmd": 2}
# The field order of an argument map in Redis 7.0's reply (the server's
# writer uses the same order; main() refuses a reply in another order).
ARG_FIELD_ORDER = ["name", "type", "key_spec_index", "token", "since", "deprecated_since", "flags",
                   "arguments"]
DOC_FIELD_ORDER = ["summary", "since", "group", "complexity", "doc_flags", "deprecated_since",
                   "replaced_by", "history", "arguments", "subcommands"]


def check_order(keys, order, what):
    pos = [order.index(k) for k in keys]  # ValueError: a field this script does not know
    if pos != sorted(pos):
        raise SystemExit("unexpected field order in %s: %s" % (what, keys))


def copt(v):
    return "nullptr" if v is None else cstr(v)


def history_prose():
    """{(command, version): [description, ...]} from HISTORY_PROSE; several
    lines with the same command and version are kept in file order."""
    texts = {}
    for n, line in enumerate(open(HISTORY_PROSE), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not all(parts):
            raise SystemExit("%s:%d: expected command<TAB>version<TAB>description" % (HISTORY_PROSE, n))
        texts.setdefault((parts[0], parts[1]), []).append(parts[2])
    return texts


def emit_docs():
    """command_docs.inc: flat tables, children of an argument contiguous."""
    args, hist, cmds = [], [], []
    texts = history_prose()
    missing = []

    def place(arglist, where):
        first = len(args)
        args.extend([None] * len(arglist))
        for i, raw in enumerate(arglist):
            keys = [s(raw[j]) for j in range(0, len(raw), 2)]
            check_order(keys, ARG_FIELD_ORDER, where)
            a = as_dict(raw)
            kids = a.get("arguments") or []
            kid_first = place(kids, where) if kids else 0
            flags = sum(ARG_FLAGS[s(f)] for f in a.get("flags", []))
            ksi = a.get("key_spec_index", -1)
            args[first + i] = "{%s, %d, %d, %d, %s, %s, %s, %d, %d}," % (
                cstr(a["name"]), ARG_TYPES.index(s(a["type"])), ksi, flags, copt(s(a.get("token"))),
                copt(s(a.get("since"))), copt(s(a.get("deprecated_since"))), kid_first, len(kids))
        return first

    for name, d in DOC_ORDER:
        raw = d.get("raw")
        keys = [s(raw[j]) for j in range(0, len(raw), 2)] if raw else []
        check_order(keys, DOC_FIELD_ORDER, name)
        r = as_dict(raw) if raw else {}
        if "arguments" in r and not r["arguments"]:
            raise SystemExit("%s: empty argument list (the writer omits the field then)" % name)
        h_first = len(hist)
        for version, _redis_text in r.get("history", []):
            # Redis's description is not used: only the version is a fact.
            ours = texts.get((name, s(version)))
            if not ours:
                missing.append("%s %s" % (name, s(version)))
                continue
            hist.append("{%s, %s}," % (cstr(version), cstr(ours.pop(0))))
        a_list = r.get("arguments") or []
        a_first = place(a_list, name) if a_list else 0
        flags = sum(DOC_FLAGS[s(f)] for f in r.get("doc_flags", []))
        cmds.append("{%s, %d, %s, %s, %d, %d, %d, %d, %s}," % (
            cstr(name), flags, copt(s(r.get("deprecated_since"))), copt(s(r.get("replaced_by"))),
            h_first, len(hist) - h_first, a_first, len(a_list), "true" if "complexity" in r else "false"))
    if missing:
        raise SystemExit("%s has no description for the history entries: %s" % (HISTORY_PROSE, ", ".join(missing)))
    extra = ["%s %s" % k for k, v in texts.items() if v]
    if extra:
        raise SystemExit("%s describes history entries Redis does not have: %s" % (HISTORY_PROSE, ", ".join(extra)))
    return args, hist, cmds


def docs_map(raw):
    m = {}
    for i in range(0, len(raw), 2):
        d = as_dict(raw[i + 1])
        entry = {k: s(d.get(k, "")) for k in ("group", "since")}
        entry["raw"] = raw[i + 1]
        entry["subcommands"] = docs_map(d["subcommands"]) if "subcommands" in d else {}
        m[s(raw[i])] = entry
    return m


def main():
    port = int(os.environ.get("GEN_PORT") or random.randint(30000, 40000))
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", d], stdout=subprocess.DEVNULL)
        try:
            r = redis.Redis(port=port)
            for _ in range(100):
                try:
                    r.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            version = r.info("server")["redis_version"]
            conn = r.connection_pool.get_connection("COMMAND")
            conn.send_command("COMMAND")
            infos = conn.read_response()
            conn.send_command("COMMAND", "DOCS")
            docs = docs_map(conn.read_response())
            r.connection_pool.release(conn)
        finally:
            p.terminate()
            p.wait()
    infos.sort(key=lambda i: s(i[0]))
    out = ["// Generated by scripts/gen_command_specs.py from redis-server %s's COMMAND INFO" % version,
           "// and COMMAND DOCS (facts about the protocol: arity, flags, key specs). Do not edit."]
    for info in infos:
        emit(info, docs, s(info[0]), out)
    args, hist, cmds = emit_docs()  # before writing anything: it may refuse
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote %s (%d commands)" % (OUT, len(infos)), file=sys.stderr)
    with open(DOCS_OUT, "w") as f:
        f.write("// Generated by scripts/gen_command_specs.py from redis-server %s's COMMAND DOCS:\n" % version)
        f.write("// the facts only (no summaries or complexity texts; history descriptions are Vireo's,\n")
        f.write("// from command_history_prose.txt). Do not edit.\n")
        f.write("// Rows: {name, type, key_spec_index, flags, token, since, deprecated_since,"
                " first child, children}\n")
        f.write("constexpr DocArg kDocArgs[] = {\n" + "\n".join(args) + "\n};\n")
        f.write("// Rows: {version, change}\n")
        f.write("constexpr DocHistory kDocHistory[] = {\n" + "\n".join(hist) + "\n};\n")
        f.write("// Rows, in command_specs.inc order: {name, doc_flags, deprecated_since, replaced_by,"
                " first history, histories, first argument, arguments, has complexity}\n")
        f.write("constexpr CommandDocFacts kDocFacts[] = {\n" + "\n".join(cmds) + "\n};\n")
    print("wrote %s (%d arguments, %d history entries)" % (DOCS_OUT, len(args), len(hist)), file=sys.stderr)
    prose = open(PROSE).read() if os.path.exists(PROSE) else ""
    missing = [n for n, _ in DOC_ORDER if '{"%s", ' % n not in prose]
    if missing:
        print("%s has no summary for: %s" % (PROSE, " ".join(missing)), file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The crate's shape, checked so it cannot drift unnoticed while features land.

- No import cycle between sibling modules: top-level modules name each other
  through `crate::`, files of one folder through `super::` (or `crate::`);
  a parent and its own children are not siblings, so they may name each
  other. A cycle of any length among siblings fails, not only pairs.
- `src/main.rs` has at most 40 lines.
- No non-test file under `src/` over 450 lines, except the one whose one
  job is long: the zero-copy body parser.
- gRPC status codes are named (`tonic::Code`), never numbers.

Run from anywhere: `scripts/check-shape.py`. Exit 1 with one line per
finding. Test files (`tests.rs`, `proptests.rs`, anything under a `tests/`
folder) are exempt from every rule.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
MAIN_MAX = 40
FILE_MAX = 450
LONG_ALLOWED = {"src/interpret/parse.rs"}
NUMBERED_CODES = re.compile(r": usize = (1|2|13);|matches!\(code, [0-9]")

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# A path that starts at a module anchor: crate::a::b, super::super::x, self::y.
ANCHORED = re.compile(rf"\b((?:crate|super|self)(?:::(?:super|{IDENT}))*)")
USE = re.compile(r"\buse\s+([^;]+);", re.S)


def is_test(rel: Path) -> bool:
    return rel.name in ("tests.rs", "proptests.rs") or "tests" in rel.parts[:-1]


def module_path(rel: Path) -> list[str]:
    """src/grpc/convert.rs -> ["grpc", "convert"]; src/lib.rs -> []."""
    parts = list(rel.with_suffix("").parts[1:])
    if parts in (["lib"], ["main"]):
        return []
    return parts


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def expand_use(tree: str) -> list[str]:
    """`super::{a, b::{c, d}}` -> ["super::a", "super::b::c", "super::b::d"]."""
    tree = re.sub(r"\s+", "", tree)
    tree = re.sub(r"\bas\w+", "", tree)
    brace = tree.find("{")
    if brace < 0:
        return [tree]
    prefix, body = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return [p for part in parts if part for p in expand_use(prefix + part)]


def resolve(path: str, here: list[str]) -> list[str] | None:
    """An anchored path as an absolute module path, from the module `here`."""
    segs = path.split("::")
    if segs[0] == "crate":
        return segs[1:]
    base = list(here)
    while segs and segs[0] in ("super", "self"):
        if segs.pop(0) == "super":
            if not base:
                return None
            base.pop()
    return base + segs


def references(file: Path) -> list[list[str]]:
    rel = file.relative_to(ROOT)
    here = module_path(rel)
    text = strip_comments(file.read_text())
    paths = []
    for m in USE.finditer(text):
        paths += [p for p in expand_use(m.group(1)) if re.match(r"(crate|super|self)\b", p)]
    paths += [m.group(1) for m in ANCHORED.finditer(text)]
    out = []
    for p in paths:
        resolved = resolve(p, here)
        if resolved:
            out.append(resolved)
    return out


def sibling_cycles() -> list[str]:
    files = [f for f in SRC.rglob("*.rs") if not is_test(f.relative_to(ROOT))]
    # Every folder that holds modules: the crate root and each module's folder.
    parents = {tuple(module_path(f.relative_to(ROOT))[:-1]) for f in files}
    findings = []
    for parent in sorted(parents):
        depth = len(parent)
        edges: dict[str, set[str]] = {}
        for f in files:
            mod = module_path(f.relative_to(ROOT))
            if len(mod) <= depth or tuple(mod[:depth]) != parent:
                continue
            me = mod[depth]
            for ref in references(f):
                if len(ref) > depth and tuple(ref[:depth]) == parent and ref[depth] != me:
                    edges.setdefault(me, set()).add(ref[depth])
        for scc in strongly_connected(edges):
            if len(scc) > 1:
                where = "::".join(("crate",) + parent)
                findings.append(f"import cycle among {where}'s modules: {', '.join(sorted(scc))}")
    return findings


def strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm over a small graph."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[set[str]] = []
    nodes = set(edges) | {n for targets in edges.values() for n in targets}

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.add(w)
                if w == v:
                    break
            out.append(scc)

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def sizes() -> list[str]:
    findings = []
    main_lines = len((SRC / "main.rs").read_text().splitlines())
    if main_lines > MAIN_MAX:
        findings.append(f"src/main.rs has {main_lines} lines (at most {MAIN_MAX})")
    for f in sorted(SRC.rglob("*.rs")):
        rel = f.relative_to(ROOT)
        if is_test(rel) or str(rel) in LONG_ALLOWED:
            continue
        lines = len(f.read_text().splitlines())
        if lines > FILE_MAX:
            findings.append(f"{rel} has {lines} lines (at most {FILE_MAX}; split it by job)")
    return findings


def numbered_codes() -> list[str]:
    findings = []
    for f in sorted(SRC.rglob("*.rs")):
        for no, line in enumerate(f.read_text().splitlines(), 1):
            if NUMBERED_CODES.search(line):
                findings.append(f"{f.relative_to(ROOT)}:{no}: a gRPC code as a number; use tonic::Code")
    return findings


def main() -> int:
    findings = sibling_cycles() + sizes() + numbered_codes()
    for line in findings:
        print(line)
    print(f"shape: {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())

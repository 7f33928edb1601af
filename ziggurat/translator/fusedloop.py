"""Stage 7, emit (the specialised tier): a `for` loop fused with the float run that is its body.

In: a `for <pattern> in <fast local>` whose target is names in nested tuple/list patterns and
whose body is one float run (floatrun.py), e.g. nbody's
`for (([x1, y1, z1], v1, m1), ([x2, y2, z2], v2, m2)) in pairs: dx = x1 - x2 ...`.
Out: a fast section at the top of the ordinary loop's step (specialise.seq_loop) that, while
the sequence is walked by index (an exact list or tuple), takes each item's parts straight
from exact tuples/lists of the pattern's sizes, keeps them as doubles/int64s (floats, ints
the run reads) or borrowed objects (everything else), runs the body's fast copy on them and
steps on, all without a reference count or a store into a local.

Why: unpacking and storing nbody's 14 parts per pair (with the reference counting around
them) cost more than the arithmetic, and the locals kept the floats they held shared, so the
run's stores (`v1[0] -= dx * b2m`) made new float objects instead of reusing the list's.

What CPython's loop leaves behind is made exactly when the section leaves (its end, an item
it does not take, a deoptimisation into the ordinary body, a due signal check): the pattern's
locals bound to the last taken item's objects, the run's locals to their values. Why that is
the same as binding them on every step:
- the section only ever replaces exact floats (list items and attribute slots), so every
  other object it read stays where it was, alive; a taken item's own containers are checked
  not to be any list the body stores into (one pointer comparison each), so its floats are
  still there and unchanged when the locals are bound to them;
- what the locals held before is released only then: the section starts only when each of
  those values may be released at any time without running code (release_safe);
- the body's fast copy runs no code and raises nothing; everything it cannot do exactly
  jumps, after the bindings, to the ordinary copy of the statement it was running.
An item that does not match the pattern's kinds and sizes is left to the ordinary step
(nothing of it was done), which then tries the section again for the next item.

A nest - `for <name> in range(...)` whose body is nothing but such loops, nbody's advance -
checks each item once, not once per outer step: a section that walked its whole sequence
checking every item keeps that proof (the sequence, its size, a bit in the nest's mask) in
function-level variables, and its next entry skips the checks of the items' shapes and
floats while the proof holds. It holds while nothing but fused sections ran since: they only
replace exact floats in exact lists by exact floats, so every shape, size, float-ness and
container identity they proved stays true. Code can run only outside them, so the proof
is dropped at every entry not reached straight from the section before it in the nest
(nest_start): each section's clean end leaves a token naming it, every entry takes the token
and clears the mask unless it names the statement before (or, for the first, the outer
loop's native step, which passes the last one's token on only when its signal check did not
fall due). A generic step, a deoptimisation, a signal check, the outer loop's iterator or an
exception in between all leave a token no entry expects. Checks on lists that are not item
parts (locals the body stores into) are never skipped: a section's exit rebinds locals.

Two more things hold while a section's proof does (nbody's advance: ~20% fewer instructions):
- its walk takes each item's leaves (the pattern's names' objects) from a table the loop
  recorded in a walk from the first item (fill_table; runtime/native.hpp LeafTable), one
  load each instead of the chain of tuples and lists. The sections only overwrite floats in
  place then, so those objects stay where they were, until a store makes a new float object
  (which drops every table of the nest) or the proof is dropped (which drops the loop's);
- a store whose float is shared only with one of the nest's locals (the pattern's locals
  bound at a section's end: the floats of the last pair and body) overwrites it in place,
  the local keeping its value without the object (native.hpp detach_held): no code ran
  since that local was bound, so no one saw which object it held; CPython would have made
  a new float for the list and left the old one to the local. Without it every outer step
  made new floats for those items, and the tables could never be used.

This module must not emit anything observable that differs from the ordinary loop: no store
into a local before the section leaves, no read that runs code, no step past an item it has
not fully checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import names as nm
from .floatrun import _CTYPE, MIN_OPS, _FastCopy, _no_stale_bases, _ops, _reads, _target_names
from .scopes import FAST

if TYPE_CHECKING:
    from .floatrun import FloatRuns


@dataclass(frozen=True)
class Leaf:
    """One name of the pattern: its position (indices from the item down) and its kind in
    the run ("f", "i": checked exact and kept as a C value; "o": a borrowed object)."""

    name: str
    path: tuple[int, ...]
    kind: str


@dataclass(frozen=True)
class Plan:
    """What a fusable loop reads and writes."""

    leaves: tuple[Leaf, ...]
    shape: ast.expr  # the target
    entry: tuple[str, ...]  # Num locals the body reads before assigning (kind-checked at entry)
    assigned: tuple[str, ...]  # Num locals the body assigns (written back when the section leaves)
    store_bases: tuple[str, ...]  # locals whose list items the body stores into
    # `base[k]` the body reads (False) or replaces (True), k >= 0 and base not assigned in
    # the body: checked once per step, before the item is taken
    items: tuple[tuple[str, int, bool], ...]
    index: str | None = None  # `for k, <pattern> in enumerate(seq)`: k (an int64 in the run)


@dataclass(frozen=True)
class NestLink:
    """A fused loop's place in a nest (nest_start): the nest's variables' prefix, its index."""

    nest: str
    index: int
    size: int
    held: int = 0  # how many Num locals the nest's patterns bind ({nest}_held: _LoopCopy.item_store)

    def token(self) -> int:
        """What this loop's clean end leaves: its number (1..size); size + 1 is the outer
        loop's native step, which the first loop expects."""
        return self.index + 1

    def expects(self) -> int:
        return self.index if self.index else self.size + 1


# bits of the nest's proof mask (an unsigned)
MAX_NEST = 32


def nest_start(runs: "FloatRuns", node: ast.For) -> str | None:
    """Before `for <name> in range(...)` (specialise.range_loop): when its body is nothing
    but fusable `for <pattern> in <fast local>` loops, declares the nest's token, mask and
    proofs, registers the inner loops and clears the token (an earlier run of the nest may
    have left one). Returns the line the outer loop's native step runs first (nest_step),
    or None when this is no nest."""
    em = runs.em
    body = node.body
    if (em.gen is not None or node.orelse or not isinstance(node.target, ast.Name)
            or em.access(node.target.id) != FAST or not 0 < len(body) <= MAX_NEST):
        return None
    loops = [s for s in body if isinstance(s, ast.For) and not s.orelse and isinstance(s.iter, ast.Name)]
    if len(loops) != len(body):
        return None
    fixed = {node.target.id} | {s.iter.id for s in loops if isinstance(s.iter, ast.Name)}
    plans = [plan(runs, s) for s in loops]
    leaves: set[str] = set()
    for p in plans:
        if p is None or p.index is not None:
            return None
        leaves.update(leaf.name for leaf in p.leaves)
        if fixed & ({leaf.name for leaf in p.leaves} | set(p.assigned)):
            return None  # a loop rebinds an iterated local or the outer loop's name
    # a proven entry skips its entry locals' kind checks: a kind only a run's write-back
    # gives (a pattern's local may be bound to any object)
    if any(leaves & set(p.entry) for p in plans if p is not None):
        return None
    nest = f"FN{len({link.nest for link in runs.nests.values()}) + 1}"
    em.top_decls.append(f"int {nest}_tok = 0;")
    em.top_decls.append(f"unsigned {nest}_mask = 0;")
    # which loops' LeafTables are valid, and which are being filled (fill_table)
    em.top_decls.append(f"unsigned {nest}_tabs[2] = {{0, 0}};")
    held = [n for n in dict.fromkeys(leaf.name for p in plans if p is not None for leaf in p.leaves)
            if em.spec.is_num_local(n)]
    if held:
        em.top_decls.append(f"zrt::Num* const {nest}_held[] = {{{', '.join(f'&{nm.LOCAL}{nm.ident(n)}' for n in held)}}};")
        em.top_decls.append(f"int {nest}_last = 0;")  # the one of them detached last
    for i, s in enumerate(loops):
        em.top_decls.append(f"PyObject* {nest}_seq{i} = nullptr;")
        em.top_decls.append(f"Py_ssize_t {nest}_len{i} = -1;")
        em.top_decls.append(f"zrt::LeafTable {nest}_tab{i};")
        runs.nests[id(s)] = NestLink(nest, i, len(loops), len(held))
    em.emit(f"{nest}_tok = 0;")
    n = len(loops)
    # (the back edge's signal check ran handlers when the count it just stepped is due)
    return f"{nest}_tok = {nest}_tok == {n} && !zrt::loop_tick_was_due() ? {n + 1} : 0;"


def fill_table(link: NestLink, fl: str, skip: str, seq: str, width: int) -> str:
    """A walk from the first item while the loop's table (runtime/native.hpp LeafTable) is
    not valid records each item's leaves in it; its clean end makes it valid (fill_end) if
    no store made a new float object meanwhile (list_store_float_held clears both words).
    It stays valid until a store makes a new float object, and only while the loop's proof
    holds: an entry without it (after code ran, or for another sequence) drops the table."""
    nest, i = link.nest, link.index
    return (f"if (!{skip}) {nest}_tabs[0] &= ~{1 << i}u; const bool {fl}_fill = {fl}_from0 && !({nest}_tabs[0] >> {i} & 1u) && "
            f"zrt::table_room(&{nest}_tab{i}, zrt::seq_size({seq}), {width}); "
            f"if ({fl}_fill) {nest}_tabs[1] |= {1 << i}u;")


def fill_end(link: NestLink, fl: str) -> str:
    """At a clean end: the table this walk filled is valid if nothing cleared its bit."""
    nest, bit = link.nest, 1 << link.index
    return f"if ({fl}_fill && ({nest}_tabs[1] & {bit}u)) {nest}_tabs[0] |= {bit}u; "


def plan(runs: "FloatRuns", node: ast.For) -> Plan | None:
    """The loop's plan when it can be fused, else None."""
    em = runs.em
    shape, index = node.target, None
    call = node.iter
    if isinstance(call, ast.Call):
        # enumerate(seq) walked by index (specialise.list_loop): the index is a likely int
        if not (isinstance(call.func, ast.Name) and call.func.id == "enumerate" and isinstance(shape, (ast.Tuple, ast.List))
                and len(shape.elts) == 2 and isinstance(shape.elts[0], ast.Name)
                and runs.local_kind(shape.elts[0].id) == "i"):
            return None
        index, shape = shape.elts[0].id, shape.elts[1]
    elif not isinstance(call, ast.Name) or em.access(call.id) != FAST:
        return None
    if em.gen is not None:
        return None
    body = node.body
    if not all(runs.eligible(s) and not isinstance(s, ast.Return) for s in body):
        return None
    if _no_stale_bases(body) != body or sum(_ops(s) for s in body) < MIN_OPS:
        return None
    for s in body:
        # a local bound to an object the run read (`x = v[0]`, `o.a = x = ...`) releases its
        # old value at once, which may run code: not while the locals lag behind
        if isinstance(s, ast.Assign) and (len(s.targets) > 1 or (isinstance(s.targets[0], ast.Name)
                                                                 and runs.objects(s.value))):
            return None
    names: list[tuple[str, tuple[int, ...]]] = []
    if not _pattern(shape, (), names):
        return None
    pattern_names = [n for n, _ in names] + ([index] if index else [])
    assigned = [t for s in body for t in _target_names(s)]
    if len(set(pattern_names)) != len(pattern_names) or set(pattern_names) & set(assigned):
        return None
    if any(em.access(n) != FAST for n in pattern_names):
        return None
    reads = [n for s in body for n in _reads(s)]
    leaves = []
    for name, path in names:
        k = runs.local_kind(name) if name in reads else None
        leaves.append(Leaf(name, path, k or "o"))
    entry: list[str] = []
    written: set[str] = set()
    for s in body:
        for n in _reads(s):
            if n not in written and n not in entry and n not in pattern_names and runs.local_kind(n) is not None:
                entry.append(n)
        written.update(_target_names(s))
    bases = []
    for s in body:
        t = s.target if isinstance(s, ast.AugAssign) else None
        if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id not in bases:
            bases.append(t.value.id)
    items: dict[tuple[str, int], bool] = {}
    for s in body:
        for sub in ast.walk(s):
            if isinstance(sub, ast.Subscript) and runs.item(sub):
                assert isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name)
                assert isinstance(sub.slice, ast.Constant)
                pos = sub.slice.value
                if isinstance(pos, int) and pos >= 0 and sub.value.id not in assigned:
                    key = (sub.value.id, pos)
                    items[key] = items.get(key, False) or isinstance(sub.ctx, ast.Store)
    return Plan(tuple(leaves), shape, tuple(entry), tuple(dict.fromkeys(assigned)), tuple(bases),
                tuple((b, k, st) for (b, k), st in items.items()), index)


def _pattern(target: ast.expr, path: tuple[int, ...], out: list[tuple[str, tuple[int, ...]]]) -> bool:
    """Names (in store order) of a target made of names and nested tuple/list patterns."""
    if isinstance(target, ast.Name):
        out.append((target.id, path))
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(not isinstance(e, ast.Starred) and _pattern(e, (*path, i), out) for i, e in enumerate(target.elts))
    return False


class _LoopCopy(_FastCopy):
    """The body's fast copy inside a fused loop: pattern locals read from the taken item's
    parts, and a deoptimisation that first binds what the ordinary body expects."""

    def __init__(self, runs: "FloatRuns", tag: str, labels: list[str], plan: Plan) -> None:
        super().__init__(runs, tag, labels)
        self.plan = plan
        self.objects: dict[str, str] = {}  # pattern local -> its borrowed object's variable
        self.stubs: dict[int, list[str]] = {}  # statement index -> the run's locals assigned before it
        self.link: NestLink | None = None  # the loop's place in a nest (its stores may detach)

    def base(self, name: str) -> str:
        obj = self.objects.get(name)
        return obj if obj is not None else super().base(name)

    def item_ref(self, node: ast.Subscript) -> tuple[str, str]:
        """An item checked when the step began (Plan.items) is read and replaced unchecked."""
        assert isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant)
        k = node.slice.value
        if any(b == node.value.id and i == k for b, i, _ in self.plan.items):
            return self.base(node.value.id), str(k)
        return super().item_ref(node)

    def local(self, name: str) -> str:
        return f"{nm.LOCAL}{nm.ident(name)}"

    def item_store(self, seq: str, idx: str, value: str) -> str:
        """In a nest, a float shared only with the nest's locals is overwritten too while the
        section's proof holds, and a new float object invalidates the nest's leaf tables."""
        link = self.link
        if link is None:
            return super().item_store(seq, idx, value)
        # A proven walk may detach: the first walk since the proof was last dropped ran
        # without it and stored into every item this section stores into, so each float
        # there since is a new one or one only its list held; references to it since come
        # only from sections' ends (binding their locals), and no code ran in between
        nest = link.nest
        held = (f"{self.tag}_skip", f"{nest}_held", f"&{nest}_last") if link.held else ("false", "nullptr", "nullptr")
        return (f"zrt::list_store_float_held({seq}, {idx}, {value}, {held[0]}, {held[1]}, {link.held}, {held[2]}, "
                f"{nest}_tabs)")

    def bind(self) -> list[str]:
        """The pattern's locals bound to the last taken item's objects (a local holding that
        object already, as the same item's local does step after step in a nest, is left
        as it is: its native value is that object's)."""
        index = self.plan.index
        binds = []
        for leaf in self.plan.leaves:
            local, obj = self.local(leaf.name), self.objects[leaf.name]
            held = f"{local}.o" if self.em.spec.is_num_local(leaf.name) else f"{local}.p"
            binds.append(f"if ({held} != {obj}) {local}.set(zrt::newref({obj}));")
        return ([f"{self.local(index)}.set_int({self.var(index)});"] if index else []) + binds

    def leave(self) -> str:
        """The section leaves between two steps: CPython's locals after the last one."""
        stores = self.bind() + [self.store_back(n) for n in self.plan.assigned]
        return f"if ({self.tag}_done) {{ {' '.join(stores)} }}" if stores else ""

    def deopt(self, first: str = "") -> str:
        """Into the ordinary copy of the statement being run, of a taken item, through the
        one stub that binds the locals (emit_stubs)."""
        self.stubs.setdefault(self.index, list(self.assigned))
        return "{ " + " ".join([*([first] if first else []), f"{self.tag}_at = {self.index};",
                                f"goto {self.tag}_d;"]) + " }"

    def emit_stubs(self) -> None:
        """The deoptimisations' bindings, shared (one copy of them, not one per statement:
        compile time): the pattern's locals; each run local the step assigned before the
        statement it left (its first assignment's statement is earlier) or, after a whole
        step, any; then on to that statement's ordinary copy."""
        if not self.stubs:
            return
        first: dict[str, int] = {}
        for i, assigned in sorted(self.stubs.items()):
            for n in assigned:
                first[n] = min(first.get(n, i), i - 1)
        at, em = f"{self.tag}_at", self.em
        em.label(f"{self.tag}_d")
        em.emit(" ".join(self.bind()))
        for n in self.plan.assigned:
            cond = f"{self.tag}_done" + (f" || {at} > {first[n]}" if n in first else "")
            em.emit(f"if ({cond}) {self.store_back(n)}")
        em.emit(f"switch ({at}) {{ {' '.join(f'case {i}: goto {self.labels[i]};' for i in sorted(self.stubs))} }}")
        # (every case is listed: a deoptimisation sets one of them)
        em.emit("__builtin_unreachable();")


def fused_loop(runs: "FloatRuns", node: ast.For, ll: str, native: str, done: str) -> None:
    """The fast section of a fusable loop (plan), at the top of the ordinary loop's step; it
    reserves the body's run tag so that its deoptimisations find the ordinary statements."""
    p = plan(runs, node)
    if p is None:
        return
    em = runs.em
    tag = runs.reserve(node.body)
    labels = [f"{tag}_s{i}" for i in range(len(node.body))]
    fl = tag.replace("FR", "FL", 1)
    copy = _LoopCopy(runs, fl, labels, p)
    out, enter = f"{fl}_out", f"{fl}_enter"
    dropped = [leaf.name for leaf in p.leaves] + list(p.assigned) + ([p.index] if p.index else [])
    conds = ["ZRT_FUSED_LOOPS", native]
    for n in p.entry:
        conds.append(f"{copy.local(n)}.k == zrt::{'NUM_FLOAT' if runs.local_kind(n) == 'f' else 'NUM_INT'}")
    held = f"{fl}_held"
    em.label(enter)
    em.open("{")
    link = runs.nests.get(id(node))
    nest, seq, skip, end = link.nest if link else "", f"{ll}.a.p", "", ""
    go = f"{fl}_go"
    if link:
        i = link.index
        # only a clean end of the loop before this one leaves the token this entry expects
        em.emit(f"if ({nest}_tok != {link.expects()}) {nest}_mask = 0;")
        em.emit(f"{nest}_tok = 0;")
        # this loop's proof holds: it walked this sequence, of this size, and only fused
        # sections ran since (nest_start). Then so do its entry checks: the locals hold what
        # its last end (or another section's) bound, parts still held by their containers
        # or exact numbers, and the entry locals the kinds they had, or a run gave them
        skip = f"{fl}_skip"
        em.emit(f"const bool {skip} = ZRT_FUSED_LOOPS && {native} && ({nest}_mask >> {i} & 1u) "
                f"&& {nest}_seq{i} == {seq} && {nest}_len{i} == zrt::seq_size({seq});")
        copy.link = link
        # a walk from the first item proves it again
        end = (f"if ({fl}_from0) {{ {nest}_seq{i} = {seq}; {nest}_len{i} = zrt::seq_size({seq}); "
               f"{nest}_mask |= {1 << i}u; }} {nest}_tok = {link.token()}; ")
        if all(leaf.kind != "i" for leaf in p.leaves):
            end += fill_end(link, fl)
    # (a Num holding a number holds an exact float or int box, or none)
    objs = [f"({copy.local(n)}.k == zrt::NUM_OBJ ? {copy.local(n)}.o : nullptr)" if em.spec.is_num_local(n)
            else f"{copy.local(n)}.p" for n in dropped]
    entry = " && ".join([*conds, f"zrt::release_safe({held}, {len(dropped)})"])
    if skip:
        em.emit(f"bool {go} = {skip};")
        em.open(f"if (!{go}) {{")
        em.emit(f"PyObject* const {held}[] = {{{', '.join(objs)}}};")
        em.emit(f"{go} = {entry};")
        em.close("}")
        em.open(f"if ({go}) {{")
    else:
        em.emit(f"PyObject* const {held}[] = {{{', '.join(objs)}}};")
        em.open(f"if ({entry}) {{")
    for n in p.entry:
        k = runs.local_kind(n)
        assert k is not None
        em.emit(f"{_CTYPE[k]} {copy.var(n)} = {copy.local(n)}.{k};")
    # (no initial values: each is read only after a step assigned it)
    for n in p.assigned:
        if n not in p.entry:
            k = runs.local_kind(n)
            assert k is not None
            em.emit(f"{_CTYPE[k]} {copy.var(n)};")
    for leaf in p.leaves:
        obj = f"{fl}_o_{nm.ident(leaf.name)}"
        copy.objects[leaf.name] = obj
        em.emit(f"PyObject* {obj};")
        if leaf.kind != "o":
            em.emit(f"{_CTYPE[leaf.kind]} {copy.var(leaf.name)};")
    if p.index:
        em.emit(f"int64_t {copy.var(p.index)};")
    em.emit(f"bool {fl}_done = false;")
    em.emit(f"int {fl}_at = 0; (void){fl}_at;")  # the statement a deoptimisation left (emit_stubs)
    k = f"{fl}_k"
    if link:
        em.emit(f"const bool {fl}_from0 = {ll}.k == 0;")
        if all(leaf.kind != "i" for leaf in p.leaves):
            em.emit(fill_table(link, fl, skip, seq, len(p.leaves)))
    em.open("for (;;) {")
    em.emit(f"Py_ssize_t {k} = {ll}.k;")
    em.emit(f"if ({k} >= zrt::seq_size({seq})) {{ {copy.leave()} {end}goto {done}; }}")
    # a nest's proven walk takes the leaves from the loop's table while it is valid
    table = link is not None and all(leaf.kind != "i" for leaf in p.leaves)
    taken = {leaf.name: f"{fl}_L{j}" for j, leaf in enumerate(p.leaves)} if table else {}
    if link is not None and table:
        width = len(p.leaves)
        em.emit(" ".join(f"PyObject* {t};" for t in taken.values()))
        em.open(f"if ({skip} && ({nest}_tabs[0] >> {link.index} & 1u)) {{")
        em.emit(f"PyObject* const* {fl}_row = {nest}_tab{link.index}.rows + {k} * {width};")
        em.emit(" ".join(f"{t} = {fl}_row[{j}];" for j, t in enumerate(taken.values())))
        em.close("} else {")
        em.depth += 1
    # the item's parts, checked; nothing is stored before the last check
    parts: dict[tuple[int, ...], str] = {(): f"{fl}_item"}
    em.emit(f"PyObject* {fl}_item = zrt::seq_item({seq}, {k});")
    containers: dict[tuple[int, ...], str] = {}  # the sequence holding each leaf's object
    _unpack(copy, p.shape, (), parts, out, skip)
    values: list[str] = []
    proven: list[str] = []  # what a nest's proof vouches for (every check, elsewhere)
    for leaf in p.leaves:
        v = parts[leaf.path]
        containers[leaf.path[:-1]] = parts[leaf.path[:-1]] if leaf.path else seq
        if leaf.kind == "f":
            proven.append(f"!PyFloat_CheckExact({v})")
            values.append(f"{copy.var(leaf.name)} = zrt::float_value({copy.objects[leaf.name]});")
        elif leaf.kind == "i":
            t = copy.fresh()
            em.emit(f"int64_t {t};")
            em.emit(f"if (!zrt::exact_i64({v}, &{t})) goto {out};")
            values.append(f"{copy.var(leaf.name)} = {t};")
    # a list the body stores into holds none of the item's parts (their objects stay put);
    # a local's list (not an item part) may be another one at each entry: always checked
    checks: list[str] = []
    for b in p.store_bases:
        part = b in copy.objects
        obj = parts[next(leaf.path for leaf in p.leaves if leaf.name == b)] if part else copy.base(b)
        (proven if part else checks).extend(f"{c} == {obj}" for c in dict.fromkeys(containers.values()))
    for b, i, store in p.items:
        part = b in copy.objects
        obj = parts[next(leaf.path for leaf in p.leaves if leaf.name == b)] if part else copy.base(b)
        (proven if part else checks).append(f"!zrt::{'list' if store else 'seq'}_float_at({obj}, {i})")
    if skip and proven:
        em.emit(f"if (!{skip} && ({' || '.join(proven)})) goto {out};")
    elif proven:
        checks = proven + checks
    if link is not None and table:
        em.emit(" ".join(f"{taken[leaf.name]} = {parts[leaf.path]};" for leaf in p.leaves))
        # (a walk that checked every item from the first records them: fill_table)
        row = f"{nest}_tab{link.index}.rows + {k} * {len(p.leaves)}"
        em.emit(f"if ({fl}_fill) {{ PyObject** {fl}_row = {row}; "
                + " ".join(f"{fl}_row[{j}] = {t};" for j, t in enumerate(taken.values())) + " }")
        em.depth -= 1
        em.close("}")
    if checks:
        em.emit(f"if ({' || '.join(checks)}) goto {out};")
    em.emit(f"{ll}.k = {k} + 1;")
    if p.index:
        em.emit(f"{copy.var(p.index)} = (int64_t){k};")
    for leaf in p.leaves:
        em.emit(f"{copy.objects[leaf.name]} = {taken.get(leaf.name, parts[leaf.path])};")
    for v in values:
        em.emit(v)
    for i, s in enumerate(node.body):
        copy.index = i
        copy.stmt(s)
        copy.assigned.extend(t for t in _target_names(s) if t not in copy.assigned)
    copy.assigned = []
    em.emit(f"{fl}_done = true;")
    em.open("if (zrt::loop_tick_due()) {")
    em.emit(copy.leave())
    em.emit_line(node.lineno)
    em.emit(f"if (PyErr_CheckSignals() < 0) {em.fail()}")
    em.emit(f"goto {enter};")
    em.close("}")
    em.close("}")
    copy.emit_stubs()
    em.label(out)
    em.emit(copy.leave())
    em.close("}")
    em.close("}")


def _unpack(copy: _LoopCopy, target: ast.expr, path: tuple[int, ...], parts: dict[tuple[int, ...], str],
            out: str, skip: str) -> None:
    """Checks that the object at `path` has the target's shape (unless `skip`, a nest's
    proof, holds); names its parts."""
    if not isinstance(target, (ast.Tuple, ast.List)):
        return
    em = copy.em
    items = copy.fresh()
    if skip:
        em.emit(f"if (!{skip} && !zrt::fixed_shape({parts[path]}, {len(target.elts)})) goto {out};")
        em.emit(f"PyObject* const* {items} = zrt::proven_items({parts[path]});")
    else:
        em.emit(f"PyObject* const* {items} = zrt::fixed_items({parts[path]}, {len(target.elts)});")
        em.emit(f"if (!{items}) goto {out};")
    for i, e in enumerate(target.elts):
        t = copy.fresh()
        em.emit(f"PyObject* {t} = {items}[{i}];")
        parts[(*path, i)] = t
        _unpack(copy, e, (*path, i), parts, out, skip)

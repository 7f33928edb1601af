"""Attribute stores on instances whose attributes live in a real dict (CPython 3.11/3.12 give
them one once a class's shared keys run out of room, as go's Square; any version after
`__dict__` is replaced): a warm site replaces the value at the dict entry it saw last. What
PyDict_SetItem does besides must still happen - a new dict version (PEP 509), GC tracking of
the dict, dict watchers' events (3.12+) - and every other case takes the generic store.
(The printed output is what is compared.)"""

import ctypes
import gc


class Cell:
    def __init__(self, i):
        self.i = i


def set_stamp(o, v):
    o.stamp = v


def bump_stamp(o):
    o.stamp += 1


def many(n=80):
    cells = [Cell(i) for i in range(n)]
    for c in cells:
        # added after many instances exist: the instances get real dicts on 3.11/3.12
        set_stamp(c, c.i * 2)
        c.colour = 0
    return cells


def dict_version(d):
    # ma_version_tag: after the object header and ma_used
    return ctypes.c_uint64.from_address(id(d) + object.__basicsize__ + 8).value


def test_stores_replace_values():
    cells = many()
    for c in cells:
        set_stamp(c, c.i + 1000)
        bump_stamp(c)
    out = [[c.stamp for c in cells[::9]], [sorted(vars(c).items()) for c in cells[:3]]]
    c = cells[7]
    v = c.stamp
    set_stamp(c, v)  # the very object again
    out.append(c.stamp is v)
    # the key moved: deleted and added again, so the remembered entry is empty
    del c.stamp
    c.colour = 5
    set_stamp(c, "back")
    bump_stamp(cells[8])
    out.append((vars(c), vars(cells[8])))
    # a deleted attribute: the store adds it again
    del cells[9].stamp
    set_stamp(cells[9], "added")
    out.append(list(vars(cells[9])))
    print(out)


def test_versions_change():
    cells = many()
    for c in cells[:6]:
        set_stamp(c, [])  # the GC tracks a dict holding a list (one of ints it need not)
    d = cells[5].__dict__
    seen = [dict_version(d)]
    for step in range(6):
        set_stamp(cells[5], step)
        seen.append(dict_version(d))
        if step == 2:
            d["colour"] = step  # the interpreter's own change between ours
            seen.append(dict_version(d))
    print(len(set(seen)) == len(seen), cells[5].stamp)


def test_gc_tracking():
    cells = many()
    for c in cells[:4]:
        set_stamp(c, [c])  # warm the site on tracked dicts
    plain = cells[10]
    before = gc.is_tracked(plain.__dict__)
    set_stamp(plain, [plain])  # a dict holding only ints, untracked, gets a list
    after = gc.is_tracked(plain.__dict__)
    plain.stamp[0] = None
    print(before, after, gc.is_tracked(cells[0].__dict__))


def test_dict_watchers():
    try:
        import _testcapi
        _testcapi.watch_dict
    except (ImportError, AttributeError):
        print("no dict watchers")
        return
    cells = many()
    for c in cells[:4]:
        set_stamp(c, 1)
    watched = cells[20]
    watched.__dict__ = dict(vars(watched))  # a dict of its own on every version (3.13: no values)
    set_stamp(watched, [])
    wid = _testcapi.add_dict_watcher(0)
    try:
        _testcapi.watch_dict(wid, watched.__dict__)
        set_stamp(watched, "seen")
        set_stamp(watched, "seen again")
        set_stamp(cells[21], "not watched")
        events = _testcapi.get_dict_watcher_events()
        _testcapi.unwatch_dict(wid, watched.__dict__)
    finally:
        _testcapi.clear_dict_watcher(wid)
    print(events, watched.stamp)


def test_replaced_dicts():
    class Loud(dict):
        def __setitem__(self, k, v):
            raise RuntimeError("an attribute store does not call a dict subclass's __setitem__")

    cells = many()
    for c in cells[:5]:
        set_stamp(c, 1)
    cells[0].__dict__ = {"stamp": "plain dict"}
    cells[1].__dict__ = Loud(stamp="subclass")
    cells[2].__dict__ = {}
    for c in cells[:3]:
        set_stamp(c, "stored")
        set_stamp(c, "again")
    print([vars(c) for c in cells[:3]], type(vars(cells[1])).__name__)


def test_class_changes_under_warm_site():
    cells = many()
    for c in cells[:5]:
        set_stamp(c, 1)
    out = []
    Cell.stamp = property(lambda self: "a property", lambda self, v: out.append(("setter", v)))
    set_stamp(cells[1], "to the property")
    del Cell.stamp
    set_stamp(cells[1], "to the dict")
    out.append(cells[1].stamp)
    Cell.__setattr__ = lambda self, name, v: out.append(("__setattr__", name, v))
    set_stamp(cells[2], "to __setattr__")
    del Cell.__setattr__
    set_stamp(cells[2], "to the dict again")
    out.append(cells[2].stamp)

    class Frozen(Cell):
        __slots__ = ()

        def __init__(self, i):
            object.__setattr__(self, "i", i)

        def __setattr__(self, name, v):
            raise AttributeError("frozen " + name)

    f = Frozen(3)
    try:
        set_stamp(f, 1)
    except AttributeError as e:
        out.append(str(e))

    class Other:
        pass

    o = cells[3]
    o.__class__ = Other
    set_stamp(o, "other class")
    out.append(sorted(vars(o).items()))
    print(out)


class Noisy:
    log = []

    def __init__(self, name, box):
        self.name = name
        self.box = box

    def __del__(self):
        # runs while the store releases the old value: the dict must be consistent then
        Noisy.log.append((self.name, vars(self.box)))
        self.box.colour = "changed by __del__"


def test_old_value_released_last():
    Noisy.log = []
    cells = many()
    for c in cells[:4]:
        set_stamp(c, 0)
    c = cells[30]
    set_stamp(c, Noisy("first", c))
    set_stamp(c, "replacement")
    print(Noisy.log, vars(c))


def test_str_subclass_key_in_dict():
    class Key(str):
        """an equal key of another type: the dict's table is no longer one of exact strs"""

    cells = many()
    for c in cells[:5]:
        set_stamp(c, 0)
    c = cells[1]
    c.__dict__ = {Key("stamp"): "through an equal key", "colour": 1}
    set_stamp(c, "replaced")
    print([(type(k).__name__, k, v) for k, v in vars(c).items()])

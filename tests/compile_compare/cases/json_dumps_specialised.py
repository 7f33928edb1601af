"""json.dumps(x) call sites (translator/jsoncall.py, runtime/jsonenc.hpp): the text written
by the compiled encoder must be CPython's to the byte, and everything it does not handle -
subclasses, other types, bad keys, cycles, deep nesting, a patched json module or encoder,
a profiler - must go through the real call and behave exactly as it does.

Each result is printed (the harness compares the output with CPython's) and also checked
against a JSONEncoder made here and called as a method (a call the compiled encoder never
takes), so a wrong byte fails here even where both interpreters would agree.
"""

import builtins
import enum
import json
import json.encoder
import sys
from json import dumps
import json as jsonmod

REF = json.JSONEncoder()


def check(x):
    text = json.dumps(x)
    assert text == REF.encode(x), (text, REF.encode(x))
    print(text)
    return text


def outcome(f, *args):
    try:
        print("ok", f(*args))
    except Exception as e:
        print(type(e).__name__, str(e)[:120])


def test_scalars():
    for x in [0, 1, -1, 7, 42, -42, 2 ** 31, 2 ** 63 - 1, -(2 ** 63), 2 ** 63, -(2 ** 63) - 1, 2 ** 64,
              10 ** 30, -(10 ** 50), 3 ** 200]:
        check(x)
    for x in [0.0, -0.0, 1.0, -1.5, 0.1, 1e16, 1e-7, 1e22, 1e308, 5e-324, 2.5e-5, 123456789012345680.0,
              1 / 3, 1e15, 9007199254740993.0, float("nan"), float("inf"), float("-inf")]:
        check(x)
    for x in ["", "a", "abc", None, True, False]:
        check(x)
    print(repr(json.dumps(5)), repr(json.dumps("")), json.dumps(None), json.dumps(True), json.dumps(False))


def test_escapes_every_ascii_and_latin1():
    # one string per code point 0..0x1ff: every escape class and both sides of 0x20/0x7e/0x7f/0xff
    out = [json.dumps(chr(c)) for c in range(0x200)]
    for c in range(0x200):
        assert out[c] == REF.encode(chr(c)), (c, out[c])
    print(" ".join(out))
    check("".join(chr(c) for c in range(0x80)))  # all of ASCII in one str
    check("".join(chr(c) for c in range(0x100)))  # a latin-1 str
    check('quote " backslash \\ slash / tab \t nl \n cr \r bs \b ff \f nul \x00 us \x1f del \x7f')


def test_escapes_wide():
    for c in [0x100, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfeff, 0xfffe,
              0xffff, 0x10000, 0x1f600, 0x10fffe, 0x10ffff]:
        check(chr(c))
        check("x" + chr(c) + "\n\u00e9")
    check("\ud83d\ude00")  # a surrogate pair written as two lone surrogates
    check("\udc00\ud800")  # reversed
    check("\u0105\u0107\u017c and \U0001F600 and \x7f\x80")
    check({"\u0105": "\U0010ffff", "\U0001F600": ["\ud800", "\x00"]})


def test_repeated_strings():
    # the same str objects written again (their text is kept by identity), around the
    # 24 bytes of text kept per str, with escapes, and many distinct ones in turn
    edge = ["x" * 21, "x" * 22, "x" * 23, "\n" * 10, "\n" * 11, "\u00e9" * 3, "\u00e9" * 4, "a\x00b", ""]
    for _ in range(3):
        check(edge)
        check({s: s for s in edge})
    many = ["k%d" % i for i in range(1000)]
    for _ in range(2):
        text = json.dumps(many)
        assert text == REF.encode(many)
    print(len(text), text[:40], text[-40:])
    temp = json.dumps(["t%d" % i for i in range(300)])  # strs freed after the call
    assert temp == REF.encode(["t%d" % i for i in range(300)])
    print(json.dumps(["t%d" % i for i in range(3)]))


def test_containers():
    check([])
    check({})
    check(())
    check([[]])
    check([[], {}, ()])
    check({"a": {}, "b": [], "c": ()})
    check((1, (2, (3, ()))))
    check([1, "two", 3.0, None, True, False, [4, {"five": 5}]])
    check({"key1": 0, "key2": True, "key3": "value", "key4": "foo", "key5": "string"})
    simple = {"key1": 0, "key2": True, "key3": "value", "key4": "foo", "key5": "string"}
    nested = {"key1": 0, "key2": simple, "key3": "value", "key4": simple, "key5": simple,
              "key": "\u0105\u0107\u017c"}
    text = check([nested] * 50)
    print(len(text))
    shared = [1, 2]
    check([shared, shared, {"s": shared}])  # shared, not cyclic


def test_keys():
    check({1: "int", -5: "neg", 2 ** 70: "big", 0: "zero"})
    check({1.5: "a", -0.0: "b", 1e16: "c", 1e-7: "d", float("nan"): "e", float("inf"): "f", float("-inf"): "g"})
    check({True: 1, False: 0, None: "none"})
    check({"true": 1, True: 2, "null": 3, None: 4})
    check({1: 1, "1": 2})
    check({"": "", "\n": "\u1234"})
    for bad in [{(1, 2): 3}, {b"x": 1}, {frozenset(): 1}, {"ok": {(): 1}}, [1, {1j: 2}]]:
        outcome(json.dumps, bad)


class S(str):
    def __repr__(self):
        return "S!"


class I(int):
    def __repr__(self):
        return "I!"

    __str__ = __repr__


class F(float):
    def __repr__(self):
        return "F!"


class D(dict):
    def items(self):
        print("D.items called")
        return dict.items(self)

    def keys(self):
        print("D.keys called")
        return dict.keys(self)


class L(list):
    def __iter__(self):
        print("L.__iter__ called")
        return list.__iter__(self)


class T(tuple):
    pass


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    HIGH = 3


class Obj:
    pass


def test_subclasses_and_other_types():
    for x in [S("s"), I(5), F(2.5), D(a=1), L([1, 2]), T((1, 2)), Level.HIGH, [S("in")], {"k": I(3)},
              {S("key"): 1}, {I(7): 1}, {F(0.5): 1}, {Level.HIGH: 1}, [[[F(1.0)]]]]:
        outcome(json.dumps, x)
    for x in [Color.RED, Obj(), {1, 2}, b"bytes", 1j, [1, Obj()], {"k": {"k": Color.RED}}, range(3)]:
        outcome(json.dumps, x)


def test_cycles():
    a = []
    a.append(a)
    outcome(json.dumps, a)
    d = {}
    d["self"] = d
    outcome(json.dumps, d)
    wide = {}
    wide["x"] = [wide] * 100  # a cycle reached a hundred ways at each level
    outcome(json.dumps, wide)
    t = ([],)
    t[0].append(t)
    outcome(json.dumps, t)


def nest(depth):
    x = []
    for _ in range(depth):
        x = [x]
    return x


def test_deep_nesting():
    for depth in [10, 150, 199, 200, 201, 500]:
        text = json.dumps(nest(depth))
        assert text == "[" * depth + "[]" + "]" * depth
        print(depth, len(text))
    d = {}
    for _ in range(300):
        d = {"k": d}
    print(len(json.dumps(d)))
    outcome(json.dumps, nest(20000))  # past every version's C recursion limit


def depth():
    n, f = 0, sys._getframe()
    while f is not None:
        n, f = n + 1, f.f_back
    return n


def test_recursion_limit_low():
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(depth() + 40)
        outcome(json.dumps, nest(5))
        outcome(json.dumps, {"a": nest(20)})
        outcome(json.dumps, nest(150))
    finally:
        sys.setrecursionlimit(old)


def test_large_output():
    big = ["x" * 80 + str(i) for i in range(12000)]  # past the 1 MiB the buffer is kept at
    text = check(big)
    print(len(text))
    print(len(json.dumps({"k%d" % i: "\u20ac" * 50 for i in range(1000)})))
    check([1.5, 2])  # after the buffer was given back


def test_spellings():
    print(dumps({"from": "import"}), jsonmod.dumps([1, "as"]), json.dumps(("attr",)))


def test_dict_mutated_between_calls():
    d = {"a": 1, "b": 2, "c": 3}
    check(d)
    del d["b"]
    d["d"] = 4
    check(d)
    d["a"] = [d["a"]]
    check(d)
    d.clear()
    check(d)

    class P:
        pass

    p = P()
    p.x = 1
    p.y = "two"
    check(vars(p))  # an instance dict


def test_dumps_rebound():
    orig = json.dumps
    try:
        json.dumps = lambda o: "patched"
        print(json.dumps({"a": 1}))
        json.dumps = lambda o, **kw: orig(o, sort_keys=True)
        print(json.dumps({"b": 1, "a": 2}))
    finally:
        json.dumps = orig
    print(json.dumps({"b": 1, "a": 2}))


def test_dumps_function_patched():
    orig_kw = json.dumps.__kwdefaults__
    orig_code = json.dumps.__code__
    try:
        json.dumps.__kwdefaults__ = dict(orig_kw, sort_keys=True)
        print(json.dumps({"b": 1, "a": 2}))
        json.dumps.__kwdefaults__ = orig_kw
        orig_kw["sort_keys"] = True  # the same dict, changed
        print(json.dumps({"b": 1, "a": 2}))
        orig_kw["sort_keys"] = False
        print(json.dumps({"b": 1, "a": 2}))

        # (an interpreted function's code: a compiled function's is a stub)
        ns = {}
        exec("def other(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True, allow_nan=True,"
             " cls=None, indent=None, separators=None, default=None, sort_keys=False, **kw):"
             " return 'other code'", ns)
        json.dumps.__code__ = ns["other"].__code__
        print(json.dumps({"b": 1}))
    finally:
        json.dumps.__code__ = orig_code
        json.dumps.__kwdefaults__ = orig_kw
        orig_kw["sort_keys"] = False
    print(json.dumps({"b": 1, "a": 2}))


def test_default_encoder_replaced():
    orig = json._default_encoder
    try:
        json._default_encoder = json.JSONEncoder(sort_keys=True)
        print(json.dumps({"b": 1, "a": 2}))
        json._default_encoder = json.JSONEncoder(separators=(",", ":"))
        print(json.dumps({"b": [1, 2], "a": 2}))

        class Sub(json.JSONEncoder):
            def encode(self, o):
                return "Sub.encode"

        json._default_encoder = Sub()
        print(json.dumps({"b": 1}))
    finally:
        json._default_encoder = orig
    print(json.dumps({"b": 1, "a": 2}))


def test_default_encoder_attributes():
    enc = json._default_encoder
    for name, value in [("sort_keys", True), ("indent", 2), ("indent", "\t"), ("item_separator", ","),
                        ("key_separator", "="), ("ensure_ascii", False), ("skipkeys", True),
                        ("check_circular", False), ("allow_nan", False), ("sort_keys", 1)]:
        old = getattr(enc, name)
        try:
            setattr(enc, name, value)
            outcome(json.dumps, {"b": [1, 2.5], "a": "\u00e9", (1,): 0})
            outcome(json.dumps, [float("nan")])
        finally:
            if name.endswith("_separator"):
                delattr(enc, name)  # back to the class's value
            else:
                setattr(enc, name, old)
    try:
        enc.encode = lambda o: "instance encode"
        print(json.dumps([1]))
    finally:
        del enc.encode
    try:
        enc.default = lambda o: "instance default"
        outcome(json.dumps, [1, Obj()])
    finally:
        del enc.default
    print(json.dumps({"b": 1, "a": 2}))


def test_encoder_class_patched():
    cls = json.JSONEncoder
    orig_encode, orig_iterencode, orig_default = cls.encode, cls.iterencode, cls.default
    try:
        cls.default = lambda self, o: "via default"
        outcome(json.dumps, [1, Obj(), {"c": Color.RED}])
        check([1, "plain"])
        cls.default = orig_default
        cls.encode = lambda self, o: "patched encode"
        print(json.dumps([1]))
        cls.encode = orig_encode
        cls.iterencode = lambda self, o, _one_shot=False: ["patched ", "iterencode"]
        print(json.dumps([1]))
        cls.iterencode = orig_iterencode
        iter_code = orig_iterencode.__code__
        orig_iterencode.__code__ = eval("lambda self, o, _one_shot=False: ['iterencode code']").__code__
        try:
            print(json.dumps([1]))
        finally:
            orig_iterencode.__code__ = iter_code
        cls.item_separator = " ,"
        print(json.dumps([1, 2]))
    finally:
        cls.encode, cls.iterencode, cls.default = orig_encode, orig_iterencode, orig_default
        cls.item_separator = ", "
    print(json.dumps([1, 2, {"a": 3}]))


def test_encoder_module_patched():
    mod = json.encoder
    orig_make, orig_esc, orig_inf = mod.c_make_encoder, mod.encode_basestring_ascii, mod.INFINITY
    try:
        mod.c_make_encoder = None  # the pure-Python encoder
        check([1, 2.5, "\u1234", {"a": None, 1: True}])
        mod.c_make_encoder = orig_make
        mod.encode_basestring_ascii = lambda s: '"<' + s + '>"'
        print(json.dumps(["x", {"k": "v"}]), json.dumps("top"))
        mod.encode_basestring_ascii = orig_esc

        class Inf(float):
            def __neg__(self):
                print("INFINITY negated")
                return float("-inf")

        mod.INFINITY = Inf("inf")
        print(json.dumps([1.0]))
        mod.INFINITY = orig_inf

        class Spy:
            @property
            def __repr__(self):
                print("float.__repr__ read")
                return repr

        mod.float = Spy()
        print(json.dumps([2.0]))
        del mod.float
        mod.isinstance = lambda o, t: print("isinstance called") or builtins.isinstance(o, t)
        print(json.dumps([3.0]))
        del mod.isinstance
    finally:
        mod.c_make_encoder, mod.encode_basestring_ascii, mod.INFINITY = orig_make, orig_esc, orig_inf
        for name in ("float", "isinstance"):
            if name in vars(mod):
                delattr(mod, name)
    check([4.0, "done"])


def test_builtins_patched():
    orig = builtins.isinstance
    calls = []
    try:
        builtins.isinstance = lambda o, t: calls.append(type(o).__name__) or orig(o, t)
        print(json.dumps({"a": [1]}))
    finally:
        builtins.isinstance = orig
    print(calls[:3])
    check({"a": [1]})


def test_profiled():
    seen = []

    def prof(frame, event, arg):
        if event == "call" and "json" in frame.f_code.co_filename:
            seen.append(frame.f_code.co_name)

    sys.setprofile(prof)
    try:
        json.dumps({"a": [1, 2]})
    finally:
        sys.setprofile(None)
    print(seen)


def test_encoder_dict_materialised():
    # the encoder's attributes read through its real __dict__ from now on
    print(sorted(vars(json._default_encoder)))
    check({"after": "vars()"})

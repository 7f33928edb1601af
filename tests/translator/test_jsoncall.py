"""Emit (jsoncall.py) and run (runtime/jsonenc.hpp): which `json.dumps(x)` calls go through
zrt::json_dumps_call, and that a compiled module really writes the text itself when the
guard holds and makes the real call when it does not. What the text is, and everything the
real call must still do, is checked by tests/compile_compare/cases/json_dumps_specialised.py.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from ziggurat.cli import main
from ziggurat.translator import translate_module


def cpp_of(source: str) -> str:
    return translate_module(source, filename="m.py", module_name="m").cpp


def test_call_shapes_that_take_the_guarded_path() -> None:
    sources = [
        "import json\ndef f(x):\n    return json.dumps(x)\n",
        "import json as j\ndef f(x):\n    return j.dumps(x)\n",
        "from json import dumps\ndef f(x):\n    return dumps(x)\n",
        "from json import dumps as d\ndef f(x):\n    return d(x)\n",
        "import json\nprint(json.dumps([1]))\n",  # module level
    ]
    for source in sources:
        assert "zrt::json_dumps_call(" in cpp_of(source), source


def test_call_shapes_left_alone() -> None:
    sources = [
        "import json\ndef f(x):\n    return json.dumps(x, indent=2)\n",  # keywords
        "import json\ndef f(x):\n    return json.dumps(*x)\n",
        "import json\ndef f(x, y):\n    return json.dumps(x, y)\n",
        "import json\ndef f(json, x):\n    return json.dumps(x)\n",  # a local named json
        "import pickle\ndef f(x):\n    return pickle.dumps(x)\n",
        "from pickle import dumps\ndef f(x):\n    return dumps(x)\n",
        "import json\ndef f(x):\n    return json.loads(x)\n",
    ]
    for source in sources:
        assert "json_dumps_call" not in cpp_of(source), source


# Whether the encoder ran: the real call allocates objects the cyclic GC tracks (the markers
# dict, the floatstr closure, the C encoder, bound methods) and so, with a threshold of 1,
# triggers collections; the compiled encoder allocates only the result str and triggers none.
PROBE = textwrap.dedent(
    """
    import gc, json, sys
    import m

    class D(dict):
        pass

    def collections(x):
        seen = []
        cb = lambda phase, info: seen.append(phase)
        m.f(x)
        gc.collect()
        gc.set_threshold(1)
        gc.callbacks.append(cb)
        try:
            for _ in range(50):
                m.f(x)
        finally:
            gc.callbacks.remove(cb)
            gc.set_threshold(700)
        return len(seen)

    plain = {"key": [1, 2.5, "s\\u00e9", None, True, {"n": 10 ** 30}]}
    print("plain", collections(plain))
    print("subclass", collections({"key": D()}))
    json._default_encoder.sort_keys = True
    print("sort_keys", collections(plain))
    json._default_encoder.sort_keys = False
    print("restored", collections(plain))
    sys.setprofile(lambda *a: None)
    print("profiled", collections(plain))
    sys.setprofile(None)
    print("unprofiled", collections(plain))
    """
)


def test_compiled_call_writes_the_text_itself(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("import json\n\ndef f(x):\n    return json.dumps(x)\n")
    assert main(["compile", str(tmp_path / "m.py")]) == 0
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    counts = dict((name, int(n)) for name, n in (line.split() for line in out.splitlines()))
    # fast where the guard holds (again after the encoder is restored), the real call elsewhere
    assert counts["plain"] == 0 and counts["restored"] == 0 and counts["unprofiled"] == 0, counts
    assert counts["subclass"] > 0 and counts["sort_keys"] > 0 and counts["profiled"] > 0, counts

"""Translates one module under another interpreter (whose `ast` matches the source).

usage: python translate_worker.py ZIGGURAT_ROOT SOURCE MODULE_NAME FILENAME OUT_CPP OUT_JSON

The runner translates in-process when the interpreter under test has its own version;
for any other version the module is translated by that interpreter, as the build backend
would do it when a user installs with it (3.12's f-strings and 3.12's `type` statements
parse only with 3.12's `ast`). The translator is pure Python without dependencies, so
putting ZIGGURAT_ROOT on sys.path is enough. Writes the C++ to OUT_CPP and the report (or
the error) to OUT_JSON.
"""

import json
import sys
import tokenize
import traceback


def main():
    root, source, module_name, filename, out_cpp, out_json = sys.argv[1:7]
    sys.path.insert(0, root)
    from ziggurat.translator import translate_module

    with tokenize.open(source) as f:
        text = f.read()
    try:
        result = translate_module(text, filename=filename, module_name=module_name)
    except Exception as exc:
        info = {"error_type": type(exc).__name__, "error": str(exc), "traceback": traceback.format_exc()}
    else:
        with open(out_cpp, "w", encoding="utf-8") as f:
            f.write(result.cpp)
        info = {
            "functions": [
                {"qualname": fr.qualname, "line": fr.line, "native": fr.native, "reason": fr.reason}
                for fr in result.report.functions
            ],
        }
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(info, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

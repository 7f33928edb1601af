// json.dumps(obj) with the default encoder, written straight into one buffer.
//
// The interpreter's json.dumps(obj) runs dumps, JSONEncoder.encode and .iterencode as Python
// code, makes a C encoder object, a markers dict and a closure per call, and the C encoder
// then makes one str per key, separator, string and number and joins them. A call site
// `json.dumps(x)` (translator/jsoncall.py) calls json_dumps_call instead, which writes the
// same text into one byte buffer and makes one str of it, when - and only when - that is
// provably what the real call would return:
//
//  * the callee is the standard library's json.dumps (an exact function whose globals are
//    json's and whose code is json's `dumps`, keyword defaults untouched), the encoder it
//    would use (json._default_encoder) is an exact JSONEncoder with the default settings
//    whose encode/iterencode are json.encoder's, and the names those read (c_make_encoder,
//    encode_basestring_ascii, INFINITY, isinstance, float, str, list, tuple) are the C
//    encoder and the builtins. Verified once (JsonGuard::verify, which runs no code: raw
//    lookups in tables of str keys only); each call then compares the objects verified, the
//    version tags of the dicts and of the encoder's class, and the encoder's attribute
//    values (a dozen loads and compares). JSONEncoder.default is never called for the
//    values encoded here, so it may be anything that is not a descriptor running code.
//  * the value holds only exact dict, list, tuple, str, int, float, bool and None (keys:
//    str, int, float, bool, None), whose encoding runs no Python code, nested less deep
//    than both JSON_MAX_DEPTH and what the recursion limit leaves (so CPython's
//    RecursionError comes from the real call), with no container inside itself.
//
// Anything else (a subclass, an Enum, another key type, a cycle, a float repr or a big
// int's str that fails, a failed allocation) discards the buffer and makes the real call:
// nothing observable happened before it, so it returns or raises exactly as CPython.
// Must not: run Python code, leave an error set when declining, or differ from CPython's
// text in one byte (cases: tests/compile_compare/cases/json_dumps_specialised.py).
// The raw table and layout reads are attrcache.hpp's (3.11-3.13 default builds); abi3,
// free-threaded builds and 3.10 always make the real call.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "native.hpp"

namespace zrt {

#ifdef ZRT_ATTR_CACHE
#define ZRT_JSON_FAST 1

enum : int {
    // Deeper values take the real call (no stack grows with user data beyond this).
    JSON_MAX_DEPTH = 200,
    // Recursion counts the real call uses before its first container: the frames of dumps,
    // encode and iterencode and the call of the C encoder (3.12+: its C entry), with room
    // to spare. A value is encoded here only if CPython would not hit the limit either.
    JSON_RECURSION_MARGIN = 10,
};

// The dict's version tag (PEP 509): a new value, unique in the interpreter, after every
// change of the dict (3.12 and 3.13 still keep it, deprecated, for dict watchers).
ZRT_INLINE uint64_t json_dict_version(PyObject* d) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return ((PyDictObject*)d)->ma_version_tag;
#pragma GCC diagnostic pop
}

ZRT_INLINE bool json_str_is(PyObject* s, const char* text) {
    return s && PyUnicode_CheckExact(s) && PyUnicode_CompareWithASCIIString(s, text) == 0;
}

// The names the guard reads, interned with their hash computed (the raw probes need it).
enum JsonName : int {
    // the encoder's attributes, in JsonGuard::attr order
    JN_SKIPKEYS, JN_ENSURE_ASCII, JN_CHECK_CIRCULAR, JN_ALLOW_NAN, JN_SORT_KEYS, JN_INDENT,
    JN_ITEM_SEPARATOR, JN_KEY_SEPARATOR, JN_ENCODE, JN_ITERENCODE,
    JN_NATTRS,
    // dumps's keyword-only parameters besides those above
    JN_CLS = JN_NATTRS, JN_SEPARATORS, JN_DEFAULT,
    // module globals and builtins
    JN_NAME, JN_FILE, JN_DEFAULT_ENCODER, JN_C_MAKE_ENCODER, JN_ENCODE_BASESTRING_ASCII,
    JN_INFINITY, JN_ISINSTANCE, JN_FLOAT, JN_STR, JN_LIST, JN_TUPLE,
    JN_COUNT
};

static const char* const json_name_text[JN_COUNT] = {
    "skipkeys", "ensure_ascii", "check_circular", "allow_nan", "sort_keys", "indent",
    "item_separator", "key_separator", "encode", "iterencode",
    "cls", "separators", "default",
    "__name__", "__file__", "_default_encoder", "c_make_encoder", "encode_basestring_ascii",
    "INFINITY", "isinstance", "float", "str", "list", "tuple",
};

// What was verified, and the references that keep each verified object's address from
// being reused by another object while it is compared against (one per extension module;
// the GIL serialises it: this path is compiled out of free-threaded builds).
struct JsonGuard {
    bool ok;
    PyObject* names[JN_COUNT];
    PyObject* dumps;       // json.dumps
    PyObject* dumps_code;  // its __code__
    PyObject* kwdefaults;  // its __kwdefaults__ and that dict's version
    uint64_t kwdefaults_version;
    uint64_t json_version;  // json's globals (dumps.__globals__, kept alive by dumps)
    PyObject* encoder;      // json._default_encoder
    PyTypeObject* enctype;  // its class (kept alive by the encoder), version tag, shared keys
    unsigned int enctype_version;
    void* enc_keys;
    Py_ssize_t enc_nentries;
    PyObject* methods[2];       // JSONEncoder.encode, .iterencode
    PyObject* method_codes[2];  // their __code__
    PyObject* encoder_globals;  // json.encoder's globals and their version
    uint64_t encoder_globals_version;
    PyObject* builtins;  // the builtins encode and iterencode read, and their version
    uint64_t builtins_version;
    // The encoder's attributes: the index of each name in the class's shared keys (-1: not
    // one of them) and the value the instance must hold there (nullptr: none, the class's
    // value, verified, is read instead).
    Py_ssize_t attr_index[JN_NATTRS];
    PyObject* attr_value[JN_NATTRS];
    BuiltinSite basestring_site, isinstance_site;

    void release() {
        ok = false;
        Py_CLEAR(dumps);
        Py_CLEAR(dumps_code);
        Py_CLEAR(kwdefaults);
        Py_CLEAR(encoder);
        for (int i = 0; i < 2; i++) {
            Py_CLEAR(methods[i]);
            Py_CLEAR(method_codes[i]);
        }
        Py_CLEAR(encoder_globals);
        Py_CLEAR(builtins);
        for (int i = 0; i < JN_NATTRS; i++) Py_CLEAR(attr_value[i]);
    }

    bool intern_names() {
        if (names[JN_COUNT - 1]) return true;
        for (int i = 0; i < JN_COUNT; i++) {
            if (names[i]) continue;
            PyObject* s = PyUnicode_InternFromString(json_name_text[i]);
            if (!s || PyObject_Hash(s) == -1) {
                Py_XDECREF(s);
                PyErr_Clear();
                return false;
            }
            names[i] = s;
        }
        return true;
    }

    // d[name] (borrowed; nullptr: not there) from a dict of str keys only, found without
    // running code (native.hpp's str_table_value); *sure becomes false when that cannot be told.
    PyObject* item(PyObject* d, int name, bool* sure) {
        bool unsure = true;
        PyObject* n = names[name];
        PyObject* v = d ? str_table_value(d, n, ((PyASCIIObject*)n)->hash, nullptr, &unsure) : nullptr;
        if (unsure) *sure = false;
        return v;
    }

    // f is an exact function called `fname`, compiled from the source file of the module
    // whose globals it has (named `modname`): the standard library's own, not a stand-in.
    bool stdlib_function(PyObject* f, const char* modname, const char* fname) {
        if (!f || !PyFunction_Check(f)) return false;
        PyFunctionObject* fn = (PyFunctionObject*)f;
        bool sure = true;
        PyObject* mod = item(fn->func_globals, JN_NAME, &sure);
        PyObject* file = item(fn->func_globals, JN_FILE, &sure);
        PyCodeObject* co = (PyCodeObject*)fn->func_code;
        return sure && json_str_is(mod, modname) && co && PyCode_Check(co) && json_str_is(co->co_name, fname) &&
               file && PyUnicode_CheckExact(file) && PyUnicode_CheckExact(co->co_filename) &&
               PyUnicode_Compare(file, co->co_filename) == 0;
    }

    // json.dumps itself: json's function, keyword-only parameters at their defaults.
    bool verify_dumps(PyObject* f) {
        if (!stdlib_function(f, "json", "dumps")) return false;
        PyFunctionObject* fn = (PyFunctionObject*)f;
        PyCodeObject* co = (PyCodeObject*)fn->func_code;
        if (co->co_argcount != 1 || co->co_posonlyargcount != 0 || co->co_kwonlyargcount != 9 ||
            !(co->co_flags & CO_VARKEYWORDS))
            return false;
        PyObject* kw = fn->func_kwdefaults;
        if (!kw || !PyDict_CheckExact(kw) || PyDict_GET_SIZE(kw) != 9) return false;
        // (not static: the addresses are libpython's, a static would need a guard variable)
        const struct { int name; PyObject* value; } defaults[] = {
            {JN_SKIPKEYS, Py_False}, {JN_ENSURE_ASCII, Py_True}, {JN_CHECK_CIRCULAR, Py_True},
            {JN_ALLOW_NAN, Py_True}, {JN_CLS, Py_None}, {JN_INDENT, Py_None},
            {JN_SEPARATORS, Py_None}, {JN_DEFAULT, Py_None}, {JN_SORT_KEYS, Py_False},
        };
        bool sure = true;
        for (const auto& d : defaults)
            if (item(kw, d.name, &sure) != d.value || !sure) return false;
        dumps = newref(f);
        dumps_code = newref(fn->func_code);
        kwdefaults = newref(kw);
        kwdefaults_version = json_dict_version(kw);
        json_version = json_dict_version(fn->func_globals);
        return true;
    }

    // json._default_encoder: an exact JSONEncoder whose attribute lookups run no code and
    // find json.encoder's encode/iterencode and the default settings.
    bool verify_encoder(PyObject* enc) {
        if (!enc) return false;
        PyTypeObject* tp = Py_TYPE(enc);
        if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE) || tp->tp_getattro != PyObject_GenericGetAttr || !values_layout(tp))
            return false;
        // (each lookup may give the class a version tag; it is read after them all)
        PyObject* in_class[JN_NATTRS];
        for (int i = 0; i < JN_NATTRS; i++) in_class[i] = _PyType_Lookup(tp, names[i]);
        PyObject* dflt = _PyType_Lookup(tp, names[JN_DEFAULT]);
        if (PyErr_Occurred()) {
            PyErr_Clear();
            return false;
        }
        if (!type_version_valid(tp)) return false;
        // iterencode reads self.default (never called for the values encoded here): a
        // plain function makes a bound method without running code
        if (!dflt || !PyFunction_Check(dflt)) return false;
        for (int i = JN_SKIPKEYS; i <= JN_INDENT; i++)
            if (in_class[i]) return false;  // a class attribute there could be a descriptor
        if (!stdlib_function(in_class[JN_ENCODE], "json.encoder", "encode") ||
            !stdlib_function(in_class[JN_ITERENCODE], "json.encoder", "iterencode"))
            return false;
        PyFunctionObject* e = (PyFunctionObject*)in_class[JN_ENCODE];
        PyFunctionObject* it = (PyFunctionObject*)in_class[JN_ITERENCODE];
        if (e->func_globals != it->func_globals || e->func_builtins != it->func_builtins) return false;
        Py_ssize_t nentries = -1;
        PyObject** values = instance_values(enc);
        if (!values) return false;
        for (int i = 0; i < JN_NATTRS; i++) {
            Py_ssize_t ix = shared_key_index(tp, names[i], &nentries);
            if (nentries < 0) return false;
            PyObject* v = ix >= 0 ? values[ix] : nullptr;
            attr_index[i] = ix;
            attr_value[i] = xnewref(v);
            if (i <= JN_INDENT) {
                PyObject* want = i == JN_ENSURE_ASCII || i == JN_CHECK_CIRCULAR || i == JN_ALLOW_NAN ? Py_True
                                 : i == JN_INDENT                                                   ? Py_None
                                                                                                    : Py_False;
                if (v != want) return false;
            } else if (i == JN_ITEM_SEPARATOR || i == JN_KEY_SEPARATOR) {
                if (!json_str_is(v ? v : in_class[i], i == JN_ITEM_SEPARATOR ? ", " : ": ")) return false;
            } else if (v) {  // encode/iterencode set on the instance
                return false;
            }
        }
        encoder = newref(enc);
        enctype = tp;
        enctype_version = tp->tp_version_tag;
        enc_keys = ((PyHeapTypeObject*)tp)->ht_cached_keys;
        enc_nentries = nentries;
        for (int i = 0; i < 2; i++) {
            methods[i] = newref(in_class[JN_ENCODE + i]);
            method_codes[i] = newref(((PyFunctionObject*)methods[i])->func_code);
        }
        return verify_names(e->func_globals, e->func_builtins);
    }

    // The names encode and iterencode read: the C encoder and its string escaper, an exact
    // float INFINITY (iterencode negates it), and isinstance/float/str/list/tuple that
    // json.encoder does not rebind and that are the builtins.
    bool verify_names(PyObject* g, PyObject* b) {
        bool sure = true;
        PyObject* make = item(g, JN_C_MAKE_ENCODER, &sure);
        PyObject* esc = item(g, JN_ENCODE_BASESTRING_ASCII, &sure);
        PyObject* inf = item(g, JN_INFINITY, &sure);
        for (int n = JN_ISINSTANCE; n <= JN_TUPLE; n++)
            if (item(g, n, &sure)) return false;
        if (!sure || !make || !PyType_Check(make) || !esc || !is_builtin(esc, "_json", "encode_basestring_ascii", &basestring_site))
            return false;
        // _json.Encoder: a class the _json extension made. Every class a class statement
        // makes is freed by the same function (subtype_dealloc, the JSONEncoder class's);
        // a C extension's class by its own.
        PyTypeObject* mt = (PyTypeObject*)make;
        if (Py_TYPE(make) != &PyType_Type || strcmp(mt->tp_name, "_json.Encoder") != 0 || !mt->tp_call ||
            mt->tp_dealloc == enctype->tp_dealloc)
            return false;
        if (!inf || !PyFloat_CheckExact(inf) || !(PyFloat_AS_DOUBLE(inf) > 0 && isinf(PyFloat_AS_DOUBLE(inf))))
            return false;
        PyObject* isinst = item(b, JN_ISINSTANCE, &sure);
        if (!sure || !isinst || !is_builtin(isinst, "builtins", "isinstance", &isinstance_site) ||
            item(b, JN_FLOAT, &sure) != (PyObject*)&PyFloat_Type || item(b, JN_STR, &sure) != (PyObject*)&PyUnicode_Type ||
            item(b, JN_LIST, &sure) != (PyObject*)&PyList_Type || item(b, JN_TUPLE, &sure) != (PyObject*)&PyTuple_Type ||
            !sure)
            return false;
        encoder_globals = newref(g);
        encoder_globals_version = json_dict_version(g);
        builtins = newref(b);
        builtins_version = json_dict_version(b);
        return true;
    }

    // f is json.dumps in its default state: verified again from nothing. Another callee
    // (json.dumps rebound, or a site that never calls it) leaves what was verified alone.
    __attribute__((noinline, cold)) bool verify(PyObject* f) {
        if (!intern_names() || !stdlib_function(f, "json", "dumps")) return false;
        release();
        if (!verify_dumps(f)) return false;
        bool sure = true;
        PyObject* enc = item(((PyFunctionObject*)f)->func_globals, JN_DEFAULT_ENCODER, &sure);
        if (!sure || !verify_encoder(enc)) {
            release();
            return false;
        }
        ok = true;
        return true;
    }

    // Still what was verified? (Per call: compares only.)
    inline bool holds(PyObject* f) {
        if (!ok || f != dumps) return false;
        PyFunctionObject* fn = (PyFunctionObject*)f;
        if (fn->func_code != dumps_code || fn->func_kwdefaults != kwdefaults ||
            json_dict_version(kwdefaults) != kwdefaults_version || json_dict_version(fn->func_globals) != json_version ||
            json_dict_version(encoder_globals) != encoder_globals_version ||
            json_dict_version(builtins) != builtins_version)
            return false;
        for (int i = 0; i < 2; i++)
            if (((PyFunctionObject*)methods[i])->func_code != method_codes[i]) return false;
        // json's globals are unchanged, so _default_encoder is still `encoder`
        PyTypeObject* tp = Py_TYPE(encoder);
        if (tp != enctype || tp->tp_version_tag != enctype_version || !type_version_valid(tp) ||
            ((PyHeapTypeObject*)tp)->ht_cached_keys != enc_keys || ((KeysHead*)enc_keys)->dk_nentries != enc_nentries)
            return false;
        PyObject** values = instance_values(encoder);
        if (!values) return false;
        for (int i = 0; i < JN_NATTRS; i++)
            if (attr_index[i] >= 0 && values[attr_index[i]] != attr_value[i]) return false;
        return true;
    }
};

static JsonGuard json_guard;

// -- the encoder -----------------------------------------------------------------------------

// One buffer per module, reused across calls (no code runs while it is in use: nothing can
// re-enter); a buffer grown past JSON_KEEP_BYTES is given back after the call.
enum : size_t { JSON_KEEP_BYTES = (size_t)1 << 20 };
static char* json_buf;
static size_t json_cap;

struct JsonEnc {
    char* p;
    size_t n, cap;
    int depth, limit;
    PyObject* path[JSON_MAX_DEPTH];  // the containers being encoded, outermost first

    __attribute__((noinline)) bool grow(size_t k) {
        size_t want = cap * 2 > n + k ? cap * 2 : n + k;
        if (want < 256) want = 256;
        char* q = (char*)PyMem_Realloc(p, want);
        if (!q) return false;
        p = json_buf = q;
        cap = json_cap = want;
        return true;
    }
    inline bool room(size_t k) { return n + k <= cap || grow(k); }
    inline void put(char c) { p[n++] = c; }
    inline void put(const char* s, size_t len) {
        memcpy(p + n, s, len);
        n += len;
    }
};

// ensure_ascii escaping, as _json's ascii_escape_unichar: printable ASCII other than `"` and
// `\` as is; \" \\ \b \f \n \r \t; anything else below 0x20 or from 0x7f up as \uXXXX in
// lower-case hex (above 0xFFFF: its UTF-16 surrogate pair; a lone surrogate: itself).
// For ASCII: 0 = as is, else the letter after the backslash ('u': \u00XX).
struct JsonEscapes {
    char t[128];
    constexpr JsonEscapes() : t() {
        for (int c = 0; c < 128; c++) t[c] = c >= ' ' && c <= '~' ? 0 : 'u';
        t['"'] = '"';
        t['\\'] = '\\';
        t['\b'] = 'b';
        t['\f'] = 'f';
        t['\n'] = 'n';
        t['\r'] = 'r';
        t['\t'] = 't';
    }
};
static constexpr JsonEscapes json_escapes{};

ZRT_INLINE char* json_put_u(char* o, Py_UCS4 c) {
    static const char hex[] = "0123456789abcdef";
    o[0] = '\\';
    o[1] = 'u';
    o[2] = hex[(c >> 12) & 0xf];
    o[3] = hex[(c >> 8) & 0xf];
    o[4] = hex[(c >> 4) & 0xf];
    o[5] = hex[c & 0xf];
    return o + 6;
}

// One character at o, escaped as it needs; returns the end.
ZRT_INLINE char* json_put_char(char* o, Py_UCS4 c) {
    if (c < 128) {
        char x = json_escapes.t[c];
        if (__builtin_expect(x == 0, 1)) {
            *o = (char)c;
            return o + 1;
        }
        if (x != 'u') {
            o[0] = '\\';
            o[1] = x;
            return o + 2;
        }
        return json_put_u(o, c);
    }
    if (c >= 0x10000) {
        c -= 0x10000;
        o = json_put_u(o, 0xD800 | (c >> 10));
        return json_put_u(o, 0xDC00 | (c & 0x3FF));
    }
    return json_put_u(o, c);
}

template <typename Ch>
ZRT_INLINE char* json_put_chars(char* o, const Ch* d, Py_ssize_t len) {
    for (Py_ssize_t i = 0; i < len; i++) o = json_put_char(o, d[i]);
    return o;
}

// The text of recently written short str objects, by identity: the keys of records a
// program writes again and again are the same str objects (constants, interned names), and
// copying their text is a third of the cost of escaping it again. A slot owns a reference
// to its str, so the address cannot be taken by another object while it is cached; an exact
// str never changes (CPython only resizes or writes into a str nobody else references). At
// most JSON_STR_SLOTS strs of a few bytes are kept alive a little longer than otherwise.
enum : int { JSON_STR_SLOTS = 128, JSON_STR_TEXT = 24 };
struct JsonStrCache {
    PyObject* str[JSON_STR_SLOTS];
    uint8_t len[JSON_STR_SLOTS];
    char text[JSON_STR_SLOTS][JSON_STR_TEXT];
};
static JsonStrCache json_strs;

ZRT_INLINE unsigned json_str_slot(PyObject* s) {
    return (unsigned)(((uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ull) >> 57);  // 7 bits
}

__attribute__((noinline)) static bool json_str_escape(JsonEnc& e, PyObject* s, unsigned slot) {
#if !ZRT_PY(3, 12)
    if (!PyUnicode_IS_READY(s)) return false;  // a legacy str: the real call readies it
#endif
    Py_ssize_t len = PyUnicode_GET_LENGTH(s);
    // at most 6 bytes per character (\u001f), 12 per code point above 0xFFFF
    int kind = PyUnicode_KIND(s);
    if (!e.room((size_t)len * (kind == PyUnicode_4BYTE_KIND ? 12 : 6) + 2)) return false;
    char* start = e.p + e.n;
    char* o = start;
    *o++ = '"';
    const void* d = PyUnicode_DATA(s);
    if (kind == PyUnicode_1BYTE_KIND) o = json_put_chars(o, (const Py_UCS1*)d, len);
    else if (kind == PyUnicode_2BYTE_KIND) o = json_put_chars(o, (const Py_UCS2*)d, len);
    else o = json_put_chars(o, (const Py_UCS4*)d, len);
    *o++ = '"';
    size_t n = (size_t)(o - start);
    e.n += n;
    if (n <= JSON_STR_TEXT) {
        // two ways per set: the str written before moves to the other slot, so two strs
        // that share a set and are written in turn do not keep evicting each other
        PyObject* old = json_strs.str[slot ^ 1];
        if (json_strs.str[slot]) {
            json_strs.str[slot ^ 1] = json_strs.str[slot];
            json_strs.len[slot ^ 1] = json_strs.len[slot];
            memcpy(json_strs.text[slot ^ 1], json_strs.text[slot], JSON_STR_TEXT);
        } else {
            old = nullptr;
        }
        json_strs.str[slot] = newref(s);
        json_strs.len[slot] = (uint8_t)n;
        memcpy(json_strs.text[slot], start, n);
        Py_XDECREF(old);  // (a str's deallocation runs no Python code)
    }
    return true;
}

ZRT_INLINE bool json_str(JsonEnc& e, PyObject* s) {
    unsigned slot = json_str_slot(s);
    unsigned hit = json_strs.str[slot] == s ? slot : json_strs.str[slot ^ 1] == s ? slot ^ 1 : JSON_STR_SLOTS;
    if (hit != JSON_STR_SLOTS && e.n + JSON_STR_TEXT <= e.cap) {
        memcpy(e.p + e.n, json_strs.text[hit], JSON_STR_TEXT);  // (a fixed size: two moves)
        e.n += json_strs.len[hit];
        return true;
    }
    return json_str_escape(e, s, slot);
}

// An exact int in decimal: int64_t by hand, bigger ones as int.__repr__ (which raises for
// more digits than sys.set_int_max_str_digits allows: the real call then raises it).
static bool json_int(JsonEnc& e, PyObject* v, bool quoted) {
    int64_t i;
    if (long_to_i64(v, &i)) {
        if (!e.room(24)) return false;
        char tmp[24];
        uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
        char* q = tmp + sizeof tmp;
        do {
            *--q = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (i < 0) *--q = '-';
        char* o = e.p + e.n;
        if (quoted) *o++ = '"';
        while (q < tmp + sizeof tmp) *o++ = *q++;
        if (quoted) *o++ = '"';
        e.n = (size_t)(o - e.p);
        return true;
    }
    PyObject* big = PyLong_Type.tp_repr(v);
    if (!big) {
        PyErr_Clear();
        return false;
    }
    size_t len = (size_t)PyUnicode_GET_LENGTH(big);  // ASCII digits
    bool ok = e.room(len + 2);
    if (ok) {
        if (quoted) e.put('"');
        e.put((const char*)PyUnicode_DATA(big), len);
        if (quoted) e.put('"');
    }
    Py_DECREF(big);
    return ok;
}

// float.__repr__ (the C encoder's PyFloat_Type.tp_repr), and Infinity/-Infinity/NaN
// (allow_nan is verified true).
static bool json_float(JsonEnc& e, double d, bool quoted) {
    const char* s;
    char* owned = nullptr;
    if (isnan(d)) s = "NaN";
    else if (isinf(d)) s = d > 0 ? "Infinity" : "-Infinity";
    else {
        owned = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, nullptr);
        if (!owned) {
            PyErr_Clear();
            return false;
        }
        s = owned;
    }
    size_t len = strlen(s);
    bool ok = e.room(len + 2);
    if (ok) {
        if (quoted) e.put('"');
        e.put(s, len);
        if (quoted) e.put('"');
    }
    if (owned) PyMem_Free(owned);
    return ok;
}

ZRT_INLINE bool json_literal(JsonEnc& e, const char* s, size_t len) {
    if (!e.room(len)) return false;
    e.put(s, len);
    return true;
}

static bool json_value(JsonEnc& e, PyObject* v);

// Entering a container: deeper than allowed, or already being encoded (a cycle: the real
// call raises "Circular reference detected"), declines.
ZRT_INLINE bool json_enter(JsonEnc& e, PyObject* c) {
    if (e.depth >= e.limit) return false;
    for (int i = 0; i < e.depth; i++)
        if (e.path[i] == c) return false;
    e.path[e.depth++] = c;
    return true;
}

static bool json_key(JsonEnc& e, PyObject* k) {
    PyTypeObject* t = Py_TYPE(k);
    if (t == &PyUnicode_Type) return json_str(e, k);
    if (t == &PyLong_Type) return json_int(e, k, true);
    if (t == &PyFloat_Type) return json_float(e, PyFloat_AS_DOUBLE(k), true);
    if (k == Py_True) return json_literal(e, "\"true\"", 6);
    if (k == Py_False) return json_literal(e, "\"false\"", 7);
    if (k == Py_None) return json_literal(e, "\"null\"", 6);
    return false;  // another type: TypeError (or a subclass's own conversion) from the real call
}

// One item of a dict: `key: value`, after ", " unless it is the first.
ZRT_INLINE bool json_item(JsonEnc& e, PyObject* k, PyObject* v, bool first) {
    if (!first) {
        if (!e.room(2)) return false;
        e.put(", ", 2);
    }
    if (!json_key(e, k) || !e.room(2)) return false;
    e.put(": ", 2);
    return json_value(e, v);
}

// The entries of a combined table whose keys are not all str (attrcache.hpp has the others).
struct GeneralEntry {
    Py_hash_t me_hash;
    PyObject* me_key;
    PyObject* me_value;
};

// The live entries of a combined table, in order (what PyDict_Next walks, without a call
// per item), after the dict's "{".
template <class Entry>
ZRT_NATIVE bool json_entries(JsonEnc& e, const Entry* en, Py_ssize_t n) {
    bool first = true;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!en[i].me_value) continue;
        if (!json_item(e, en[i].me_key, en[i].me_value, first)) return false;
        first = false;
    }
    return true;
}

static bool json_dict(JsonEnc& e, PyObject* d) {
    if (PyDict_GET_SIZE(d) == 0) return json_literal(e, "{}", 2);
    if (!json_enter(e, d) || !e.room(1)) return false;
    e.put('{');
    PyDictObject* mp = (PyDictObject*)d;
    KeysHead* keys = (KeysHead*)mp->ma_keys;
    if (!mp->ma_values && keys->dk_kind != KEYS_SPLIT) {  // a combined table (deleted entries empty)
        Py_ssize_t n = keys->dk_nentries;
        bool ok = keys->dk_kind == KEYS_UNICODE ? json_entries(e, unicode_entries(keys), n)
                                                : json_entries(e, (GeneralEntry*)unicode_entries(keys), n);
        if (!ok) return false;
    } else {
        bool first = true;
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(d, &pos, &k, &v)) {
            if (!json_item(e, k, v, first)) return false;
            first = false;
        }
    }
    if (!e.room(1)) return false;
    e.put('}');
    e.depth--;
    return true;
}

static bool json_seq(JsonEnc& e, PyObject* s, PyObject* const* items, Py_ssize_t n) {
    if (n == 0) return json_literal(e, "[]", 2);
    if (!json_enter(e, s) || !e.room(1)) return false;
    e.put('[');
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i) {
            if (!e.room(2)) return false;
            e.put(", ", 2);
        }
        if (!json_value(e, items[i])) return false;
    }
    if (!e.room(1)) return false;
    e.put(']');
    e.depth--;
    return true;
}

static bool json_value(JsonEnc& e, PyObject* v) {
    PyTypeObject* t = Py_TYPE(v);
    if (t == &PyUnicode_Type) return json_str(e, v);
    if (t == &PyLong_Type) return json_int(e, v, false);
    if (t == &PyFloat_Type) return json_float(e, PyFloat_AS_DOUBLE(v), false);
    if (v == Py_None) return json_literal(e, "null", 4);
    if (v == Py_True) return json_literal(e, "true", 4);
    if (v == Py_False) return json_literal(e, "false", 5);
    if (t == &PyDict_Type) return json_dict(e, v);
    // (no code runs while encoding, so the list cannot change under the loop)
    if (t == &PyList_Type) return json_seq(e, v, ((PyListObject*)v)->ob_item, PyList_GET_SIZE(v));
    if (t == &PyTuple_Type) return json_seq(e, v, ((PyTupleObject*)v)->ob_item, PyTuple_GET_SIZE(v));
    return false;
}

// How many more recursion levels the thread may enter before RecursionError (the C
// encoder counts one per container, on 3.12+ against the C count).
ZRT_INLINE int json_recursion_left(PyThreadState* ts) {
#if ZRT_PY(3, 12)
    return ts->py_recursion_remaining < ts->c_recursion_remaining ? ts->py_recursion_remaining : ts->c_recursion_remaining;
#else
    return ts->recursion_remaining;
#endif
}

// The text json.dumps(v) returns, or nullptr (no error set) when the real call must decide.
static PyObject* json_encode(PyThreadState* ts, PyObject* v) {
    // json.dumps(None/True/False) returns the C encoder's cached constant (identity differs
    // by version): left to the real call, as is anything not a JSON value here
    if (v == Py_None || v == Py_True || v == Py_False) return nullptr;
    int left = json_recursion_left(ts) - JSON_RECURSION_MARGIN;
    if (left < 0) return nullptr;
    JsonEnc e;
    e.p = json_buf;
    e.n = 0;
    e.cap = json_cap;
    e.depth = 0;
    e.limit = left < JSON_MAX_DEPTH ? left : JSON_MAX_DEPTH;
    PyObject* r = nullptr;
    if (json_value(e, v)) {
        // one character: the shared 1-character str, as the C encoder's writer gives (3.12+)
        r = e.n == 1 ? PyUnicode_FromStringAndSize(e.p, 1) : PyUnicode_New((Py_ssize_t)e.n, 127);
        if (r && e.n != 1) memcpy(PyUnicode_1BYTE_DATA(r), e.p, e.n);
        if (!r) PyErr_Clear();
    }
    if (json_cap > JSON_KEEP_BYTES) {
        PyMem_Free(json_buf);
        json_buf = nullptr;
        json_cap = 0;
    }
    return r;
}
#endif  // ZRT_ATTR_CACHE

// json.dumps(v) at a call site whose callee `f` was just evaluated (translator/jsoncall.py):
// the text written here when f is the real json.dumps in its default state, else the call.
ZRT_INLINE PyObject* json_dumps_call(TState ts, PyObject* f, PyObject* v) {
#ifdef ZRT_JSON_FAST
    if (!ts) ts = PyThreadState_Get();
    // under sys.settrace/sys.setprofile (debuggers, profilers, coverage) the real call, so
    // they see json's functions called as they would
    if (!ts->c_tracefunc && !ts->c_profilefunc && (json_guard.holds(f) || json_guard.verify(f))) {
        PyObject* r = json_encode(ts, v);
        if (r) return r;
    }
#endif
    PyObject* args[] = {nullptr, v};
    return call_vector(ts, f, args + 1, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, nullptr);
}

}  // namespace zrt

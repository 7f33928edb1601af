"""Unit conversion: a registry of units per dimension, quantities with arithmetic, and a
parser for strings such as "3.5 km" or "72 degF".

Everything is in one module, as small utility projects often are. `main()` is the console
script: it prints a deterministic report of conversions and of the errors it meets.
"""

from __future__ import annotations

import sys

__version__ = "1.0.0"

# dimension -> unit -> factor to the dimension's base unit
_LINEAR = {
    "length": {"m": 1.0, "km": 1000.0, "cm": 0.01, "mm": 0.001, "mi": 1609.344, "ft": 0.3048, "in": 0.0254},
    "mass": {"kg": 1.0, "g": 0.001, "t": 1000.0, "lb": 0.45359237, "oz": 0.028349523125},
    "time": {"s": 1.0, "min": 60.0, "h": 3600.0, "day": 86400.0},
    "volume": {"l": 1.0, "ml": 0.001, "gal": 3.785411784, "m3": 1000.0},
}

# Temperatures are affine, not linear: unit -> (to kelvin, from kelvin).
_TEMPERATURE = {
    "K": (lambda v: v, lambda k: k),
    "degC": (lambda v: v + 273.15, lambda k: k - 273.15),
    "degF": (lambda v: (v - 32.0) * 5.0 / 9.0 + 273.15, lambda k: (k - 273.15) * 9.0 / 5.0 + 32.0),
}


class UnitError(ValueError):
    """A unit is unknown, or two units measure different dimensions."""

    def __init__(self, message, *, unit=None):
        super().__init__(message)
        self.unit = unit


class ParseError(UnitError):
    """A quantity string could not be read."""


def dimension_of(unit):
    """The dimension a unit measures, e.g. dimension_of("km") == "length"."""
    if unit in _TEMPERATURE:
        return "temperature"
    for dimension, units in _LINEAR.items():
        if unit in units:
            return dimension
    known = sorted([u for units in _LINEAR.values() for u in units] + list(_TEMPERATURE))
    raise UnitError(f"unknown unit {unit!r} (known: {', '.join(known)})", unit=unit)


def make_converter(src, dst):
    """A function converting values from `src` to `dst`; it closes over the factors."""
    dim_src, dim_dst = dimension_of(src), dimension_of(dst)
    if dim_src != dim_dst:
        raise UnitError(f"cannot convert {dim_src} ({src}) to {dim_dst} ({dst})", unit=dst)
    if dim_src == "temperature":
        to_k, _ = _TEMPERATURE[src]
        _, from_k = _TEMPERATURE[dst]

        def convert(value):
            return from_k(to_k(value))

    else:
        factor = _LINEAR[dim_src][src] / _LINEAR[dim_dst][dst]

        def convert(value):
            return value * factor

    convert.__name__ = f"{src}_to_{dst}"
    return convert


def counting(func):
    """Decorator: count the calls of `func` in a closure cell, exposed as `.calls()`."""
    count = 0

    def wrapper(*args, **kwargs):
        nonlocal count
        count += 1
        return func(*args, **kwargs)

    wrapper.calls = lambda: count
    wrapper.__doc__ = func.__doc__
    wrapper.__name__ = func.__name__
    return wrapper


class Quantity:
    """A value with a unit; arithmetic converts the right operand to the left one's unit."""

    __slots__ = ("value", "unit")

    def __init__(self, value, unit):
        dimension_of(unit)  # validates the unit
        self.value = value
        self.unit = unit

    @classmethod
    def parse(cls, text):
        return parse_quantity(text)

    @staticmethod
    def units(dimension):
        if dimension == "temperature":
            return sorted(_TEMPERATURE)
        return sorted(_LINEAR[dimension], key=lambda u: (_LINEAR[dimension][u], u))

    @property
    def dimension(self):
        return dimension_of(self.unit)

    def to(self, unit):
        return Quantity(make_converter(self.unit, unit)(self.value), unit)

    def __add__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        if self.dimension == "temperature":
            raise UnitError("adding temperatures is not meaningful", unit=other.unit)
        return Quantity(self.value + other.to(self.unit).value, self.unit)

    def __sub__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return self + Quantity(-other.value, other.unit)

    def __mul__(self, scalar):
        if isinstance(scalar, (int, float)) and not isinstance(scalar, bool):
            return Quantity(self.value * scalar, self.unit)
        return NotImplemented

    __rmul__ = __mul__

    def __eq__(self, other):
        if not isinstance(other, Quantity) or other.dimension != self.dimension:
            return NotImplemented
        return abs(self.value - other.to(self.unit).value) < 1e-9

    def __lt__(self, other):
        return self.value < other.to(self.unit).value

    def __hash__(self):
        return hash((self.dimension, round(self.to(self.units(self.dimension)[0]).value, 6)))

    def __repr__(self):
        return f"Quantity({self.value!r}, {self.unit!r})"

    def __format__(self, spec):
        return f"{format(self.value, spec or 'g')} {self.unit}"


@counting
def parse_quantity(text):
    """Read "<number> <unit>"; raises ParseError chained to the underlying error."""
    parts = text.split()
    if len(parts) != 2:
        raise ParseError(f"expected '<number> <unit>', got {text!r}")
    number, unit = parts
    try:
        value = int(number) if number.lstrip("+-").isdigit() else float(number)
    except ValueError as exc:
        raise ParseError(f"bad number {number!r} in {text!r}") from exc
    try:
        return Quantity(value, unit)
    except UnitError as exc:
        raise ParseError(f"bad unit in {text!r}", unit=unit) from exc


def convert_all(texts, unit, *, precision=3, strict=False):
    """Convert every quantity string to `unit`; returns (results, errors)."""
    results, errors = [], []
    for text in texts:
        try:
            q = parse_quantity(text).to(unit)
        except UnitError as exc:
            if strict:
                raise
            cause = exc.__cause__
            errors.append(f"{text!r}: {exc}" + (f" <- {type(cause).__name__}: {cause}" if cause else ""))
            continue
        results.append(round(q.value, precision))
    return results, errors


def total(*quantities, unit=None):
    """The sum of quantities of one dimension, in `unit` or the first quantity's unit."""
    if not quantities:
        raise ValueError("total() needs at least one quantity")
    result = quantities[0]
    for q in quantities[1:]:
        result = result + q
    return result.to(unit) if unit else result


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    print(f"unitconv {__version__}")
    if args:
        for text in args:
            print(f"{parse_quantity(text):.4f}")
        return 0

    km_to_mi = make_converter("km", "mi")
    print(f"{km_to_mi.__name__}: 42.195 km = {km_to_mi(42.195):.3f} mi")
    for c in (-40, 0, 37, 100):
        print(f"{c:>4} degC = {make_converter('degC', 'degF')(c):7.2f} degF = {Quantity(c, 'degC').to('K'):.2f}")

    for dimension in sorted(_LINEAR) + ["temperature"]:
        print(f"{dimension:<11} {' < '.join(Quantity.units(dimension))}")

    values, errors = convert_all(["1 mi", "5280 ft", "3 furlong", "12 in", "x m", "2 kg", "1"], "m")
    print("to metres:", values)
    for line in errors:
        print("  error", line)

    trip = total(Quantity(3, "km"), Quantity(800, "m"), Quantity(1, "mi"), unit="km")
    print(f"trip: {trip:.3f}  ({trip!r})")
    print("equal:", Quantity(1, "km") == Quantity(1000, "m"), Quantity(1, "kg") == Quantity(1, "lb"))
    shipment = sorted([Quantity(2, "lb"), Quantity(1, "kg"), Quantity(900, "g"), 3 * Quantity(10, "oz")])
    print("sorted:", ", ".join([f"{q:g}" for q in shipment]))
    print("distinct lengths:", len({Quantity(1, "km"), Quantity(1000, "m"), Quantity(100000, "cm"), Quantity(1, "mi")}))

    for bad in (lambda: Quantity(1, "km") + Quantity(1, "kg"),
                lambda: Quantity(20, "degC") + Quantity(5, "degC"),
                lambda: total(),
                lambda: convert_all(["1 parsec"], "m", strict=True)):
        try:
            bad()
        except (UnitError, ValueError) as exc:
            print(f"  {type(exc).__name__}: {exc} [unit={getattr(exc, 'unit', None)}]")
    print("parse calls:", parse_quantity.calls(), "doc:", parse_quantity.__doc__.split(";")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())

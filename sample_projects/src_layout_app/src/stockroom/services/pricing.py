"""Pricing rules from the catalogue, turned into closures by a `match` over their shape."""

from ..errors import PricingError
from ..models import Category


def percent_off(category, percent):
    def rule(order, inventory, subtotal):
        off = 0
        for line in order.lines:
            item = inventory.item(line.sku)
            if item.category is category:
                off += item.price_cents * line.qty * percent // 100
        return off, f"{percent}% off {category.label.lower()}" if off else None

    return rule


def bulk_price(sku, min_qty, unit_cents):
    def rule(order, inventory, subtotal):
        for line in order.lines:
            if line.sku == sku and line.qty >= min_qty:
                off = (inventory.item(sku).price_cents - unit_cents) * line.qty
                return off, f"bulk {sku} x{line.qty}"
        return 0, None

    return rule


def bundle(skus, off_cents):
    wanted = frozenset(skus)

    def rule(order, inventory, subtotal):
        have = {line.sku for line in order.lines}
        return (off_cents, "bundle " + "+".join(sorted(wanted))) if wanted <= have else (0, None)

    return rule


def coupon(code, off_cents, min_total_cents):
    uses = []

    def rule(order, inventory, subtotal):
        if order.coupon != code:
            return 0, None
        if subtotal < min_total_cents:
            return 0, f"coupon {code} needs {min_total_cents / 100:.2f}"
        uses.append(order.number)
        return off_cents, f"coupon {code} (use #{len(uses)})"

    return rule


def make_rule(spec):
    match spec:
        case {"kind": "percent", "category": str(cat), "percent": int(p)} if 0 < p < 100:
            return percent_off(Category.parse(cat), p)
        case {"kind": "bulk", "sku": str(sku), "min_qty": int(n), "unit_cents": int(c)}:
            return bulk_price(sku, n, c)
        case {"kind": "bundle", "skus": [_, _, *_] as skus, "off_cents": int(off)}:
            return bundle(skus, off)
        case {"kind": "coupon", "code": str(code), "off_cents": off, "min_total_cents": floor}:
            return coupon(code, off, floor)
        case {"kind": "percent", "percent": p}:
            raise PricingError(f"percent must be between 1 and 99, got {p!r}")
        case {"kind": kind}:
            raise PricingError(f"unsupported rule kind {kind!r}")
        case _:
            raise PricingError(f"malformed rule {spec!r}")


def build_pricer(specs):
    """A function pricing an order with every rule; rules are closures built once."""
    rules = [make_rule(spec) for spec in specs]

    def price(order, inventory):
        subtotal = sum([inventory.item(line.sku).price_cents * line.qty for line in order.lines])
        notes = []
        discount = 0
        for rule in rules:
            off, note = rule(order, inventory, subtotal)
            discount += off
            if note:
                notes.append(note)
        total = max(subtotal - discount, 0) + order.shipping_cents()
        return total, subtotal, notes

    price.rule_count = len(rules)
    return price

"""The `stockroom` console script: a day in the warehouse, printed deterministically."""

import dataclasses
import sys

from . import __version__
from .catalog import banner, load_catalog
from .errors import StockroomError, UnknownItem
from .models import Category, Item, Order, OrderStatus, RushOrder
from .report import money, stock_table, summary
from .services import Inventory, build_pricer, fulfil_all
from .services.fulfil import is_out_of_stock


def section(title):
    print()
    print(f"== {title} " + "=" * (50 - len(title)))


def show_model():
    section("model")
    drill = Item("DRL-18V", "Cordless drill 18V", Category.TOOLS, 8999)
    same = Item("DRL-18V", "renamed", Category.PAINT, 1)
    print(drill, f"price={drill.price}", f"label={drill.category.label}")
    print("equal by sku:", drill == same, "| ordered:", sorted([Item("b", "", Category.TOOLS, 0), Item("a", "", Category.TOOLS, 0)]))
    try:
        drill.price_cents = 1
    except dataclasses.FrozenInstanceError as exc:
        print("frozen:", type(exc).__name__, exc)
    print("replace:", dataclasses.replace(drill, name="Drill").name, "| fields:", [f.name for f in dataclasses.fields(Item)])
    print("categories:", [(c.name, c.value) for c in Category], Category("paint") is Category.PAINT)
    print("statuses:", [int(s) for s in OrderStatus], OrderStatus.PICKED > OrderStatus.NEW, OrderStatus(4).name)
    try:
        Category.parse("food")
    except ValueError as exc:
        print("category error:", exc, "| context suppressed:", exc.__suppress_context__)


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    print(banner())
    print(f"stockroom {__version__}")
    warehouse, entries, rules = load_catalog()
    inventory = Inventory(entries)
    print(f"{warehouse}: {len(inventory)} items, {len(rules)} pricing rules, 'GLV-L' in stock: {'GLV-L' in inventory}")
    show_model()

    section("stock")
    print(stock_table(inventory, sorted(entries)))
    print("low:", ", ".join([lv.item.sku for lv in inventory.low_stock()]))
    plan = inventory.restock_plan(batch=10)
    first = next(plan)
    steps = [first, plan.send(25)]  # from the second SKU on, order in batches of 25
    steps.extend(plan)
    print("restock plan:", steps)
    for line in summary(inventory):
        print(line)

    section("orders")
    pricer = build_pricer(rules)
    orders = [
        Order("ACME Ltd", [("BLT-M8", 600), ("NUT-M8", 200), ("BLT-M8", 400)], coupon="SPRING"),
        RushOrder("Bob's Garage", [("DRL-18V", 2), ("GLV-L", 3)], deadline="friday"),
        Order("Carla", [("SAW-HND", 1), ("PNT-WHT", 2)], coupon="SPRING"),
        Order("Dan", [("GOG-CLR", 2), ("GLV-L", 1)]),
        RushOrder("Eve", [("SAW-HND", 5)]),
    ]
    try:
        Order("Mallory", [("BLT-M8", 0)])
    except StockroomError as exc:
        print("rejected:", exc)
    print(f"{pricer.rule_count} rules")
    for order in orders:
        total, subtotal, notes = pricer(order, inventory)
        order.total_cents = total
        order.advance(OrderStatus.PRICED)
        print(f"{order!r}: {order.units} units, subtotal {money(subtotal)}, total {order.total} [{'; '.join(notes) or '-'}]")
    try:
        Order("Zed", [("X", 1)]).total
    except StockroomError as exc:
        print("unpriced:", exc)

    section("fulfilment")
    shipped, errors, log = fulfil_all(inventory, orders)
    for line in log:
        print(line)
    print("shipped:", shipped)
    for error in errors:
        print("failed:", error.describe(), "| out of stock:", is_out_of_stock(error))
    print("statuses:", {o.number: o.status.name for o in orders})
    print(stock_table(inventory, [sku for sku in sorted(entries) if inventory.level(sku).history]))
    print("history:", {sku: inventory.level(sku).history for sku in sorted(entries) if inventory.level(sku).history})

    section("errors")
    try:
        inventory.reserve("NOPE-1", 1)
    except UnknownItem as exc:
        print(exc.describe(), "| is LookupError:", isinstance(exc, LookupError), "| sku:", exc.sku)
    try:
        try:
            inventory.ship("NOPE-2", 1)
        except UnknownItem:
            raise StockroomError("shipping failed")
    except StockroomError as exc:
        print(exc.describe(), "| implicit context:", type(exc.__context__).__name__, exc.__cause__)
    try:
        build_pricer([{"kind": "percent", "category": "tools", "percent": 150}])
    except StockroomError as exc:
        print(exc.describe())
    try:
        build_pricer([{"kind": "lottery"}])
    except StockroomError as exc:
        print(exc.describe())
    if verbose:
        print("value:", money(inventory.value_cents(Category.TOOLS)))
    return 0

"""Text reports: comprehensions and f-strings over the model."""


def money(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100:,}.{cents % 100:02d}"


def table(rows, headers):
    widths = [max(len(str(h)), *[len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(f"{h:<{w}}" for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(f"{c:>{w}}" if isinstance(c, int) else f"{c:<{w}}" for c, w in zip(row, widths)))
    return "\n".join([line.rstrip() for line in lines])


def stock_table(inventory, skus):
    rows = []
    for sku in skus:
        lv = inventory.level(sku)
        rows.append([sku, lv.item.name, lv.item.category.label, lv.on_hand, lv.available, "LOW" if lv.low else ""])
    return table(rows, ["sku", "name", "category", "on hand", "free", ""])


def summary(inventory):
    by_cat = inventory.by_category()
    counts = {label: len(skus) for label, skus in sorted(by_cat.items())}
    values = {label: money(sum([inventory.level(s).on_hand * inventory.item(s).price_cents for s in skus]))
              for label, skus in sorted(by_cat.items())}
    initials = {sku[0] for skus in by_cat.values() for sku in skus}
    return [
        f"categories: {counts}",
        f"stock value by category: {values}",
        f"SKU initials: {''.join(sorted(initials))}",
        f"total stock value: {money(inventory.value_cents())}",
    ]

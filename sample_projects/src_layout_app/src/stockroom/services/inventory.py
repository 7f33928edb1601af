"""Stock levels: reservations, restocking plans (generators) and chained errors."""

from ..errors import OutOfStock, UnknownItem
from ..models import StockLevel


class Inventory:
    def __init__(self, entries):
        self._levels = {sku: StockLevel(item, stock, reorder) for sku, (item, stock, reorder) in entries.items()}

    def __len__(self):
        return len(self._levels)

    def __contains__(self, sku):
        return sku in self._levels

    def level(self, sku):
        try:
            return self._levels[sku]
        except KeyError as exc:
            raise UnknownItem(sku) from exc

    def item(self, sku):
        return self.level(sku).item

    def reserve(self, sku, qty):
        level = self.level(sku)
        if qty > level.available:
            raise OutOfStock(sku, qty, level.available)
        level.reserved += qty
        return level.available

    def release(self, sku, qty):
        self.level(sku).reserved -= qty

    def ship(self, sku, qty):
        level = self.level(sku)
        level.reserved -= qty
        level.move(-qty, "shipped")

    def low_stock(self):
        """Levels at or under their reorder point, in SKU order (a generator)."""
        for sku in sorted(self._levels):
            level = self._levels[sku]
            if level.low:
                yield level

    def restock_plan(self, batch=10):
        """Yield (sku, qty) to order, rounded up to whole batches; send() a new batch size."""
        for level in self.low_stock():
            missing = 2 * level.reorder_at - level.available
            qty = -(-missing // batch) * batch
            new_batch = yield level.item.sku, qty
            if new_batch is not None:
                batch = new_batch

    def value_cents(self, category=None):
        return sum(
            lv.on_hand * lv.item.price_cents
            for lv in self._levels.values()
            if category is None or lv.item.category is category
        )

    def by_category(self):
        grouped = {}
        for lv in self._levels.values():
            grouped.setdefault(lv.item.category, []).append(lv.item.sku)
        return {cat.label: sorted(skus) for cat, skus in grouped.items()}

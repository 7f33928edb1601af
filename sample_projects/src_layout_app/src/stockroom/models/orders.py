"""Orders: lines, a status enum, and a rush order that extends the plain one."""

from dataclasses import dataclass
from enum import IntEnum, auto

from ..errors import StockroomError


class OrderStatus(IntEnum):
    NEW = auto()
    PRICED = auto()
    PICKED = auto()
    SHIPPED = auto()
    FAILED = auto()


@dataclass(frozen=True)
class OrderLine:
    sku: str
    qty: int

    def __post_init__(self):
        if self.qty <= 0:
            raise StockroomError(f"order line for {self.sku} needs a positive quantity, got {self.qty}")


class Order:
    """A customer order; lines are (sku, qty) pairs, merged per SKU."""

    kind = "standard"
    _next_number = 1000

    def __init__(self, customer, lines, *, coupon=None):
        Order._next_number += 1
        self.number = Order._next_number
        self.customer = customer
        merged = {}
        for sku, qty in lines:
            merged[sku] = merged.get(sku, 0) + qty
        self.lines = [OrderLine(sku, qty) for sku, qty in merged.items()]
        self.coupon = coupon
        self.status = OrderStatus.NEW
        self.total_cents = None

    @property
    def units(self):
        return sum([line.qty for line in self.lines])

    @property
    def total(self):
        if self.total_cents is None:
            raise StockroomError(f"order {self.number} is not priced yet")
        return f"{self.total_cents / 100:.2f}"

    def shipping_cents(self):
        return 0 if self.units >= 100 else 495

    def advance(self, status):
        if status <= self.status and status != OrderStatus.FAILED:
            raise StockroomError(f"order {self.number}: cannot go from {self.status.name} to {status.name}")
        self.status = status

    def __repr__(self):
        return f"{type(self).__name__}(#{self.number}, {self.customer!r}, {len(self.lines)} lines, {self.status.name})"


class RushOrder(Order):
    """Shipped first; costs a flat surcharge on top of normal shipping."""

    kind = "rush"
    SURCHARGE_CENTS = 1500

    def __init__(self, customer, lines, *, coupon=None, deadline="tomorrow"):
        super().__init__(customer, lines, coupon=coupon)
        self.deadline = deadline

    def shipping_cents(self):
        return super().shipping_cents() + self.SURCHARGE_CENTS

    def __repr__(self):
        return super().__repr__()[:-1] + f", due {self.deadline})"

"""Catalogue items: an enum of categories and frozen, ordered dataclasses."""

from dataclasses import dataclass, field
from enum import Enum


class Category(Enum):
    HARDWARE = "hardware"
    TOOLS = "tools"
    SAFETY = "safety"
    PAINT = "paint"

    @property
    def label(self):
        return self.value.capitalize()

    @classmethod
    def parse(cls, text):
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown category {text!r}; expected one of {[c.value for c in cls]}") from None


@dataclass(frozen=True, order=True)
class Item:
    sku: str
    name: str = field(compare=False)
    category: Category = field(compare=False)
    price_cents: int = field(compare=False, repr=False)

    @property
    def price(self):
        return f"{self.price_cents // 100}.{self.price_cents % 100:02d}"

    @classmethod
    def from_record(cls, record):
        return cls(record["sku"], record["name"], Category.parse(record["category"]), int(record["price_cents"]))


@dataclass
class StockLevel:
    item: Item
    on_hand: int
    reorder_at: int
    reserved: int = 0
    history: list = field(default_factory=list)

    @property
    def available(self):
        return self.on_hand - self.reserved

    @property
    def low(self):
        return self.available <= self.reorder_at

    def move(self, delta, why):
        self.on_hand += delta
        self.history.append((delta, why))

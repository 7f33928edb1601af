"""The catalogue shipped with the package (catalog.json, read with importlib.resources)."""

import json
from importlib import resources

from .models import Item


def read_text(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def load_catalog(name="catalog.json"):
    """(warehouse name, {sku: (Item, stock, reorder_at)}, pricing rules)."""
    data = json.loads(read_text(name))
    entries = {}
    for record in data["items"]:
        item = Item.from_record(record)
        entries[item.sku] = (item, record["stock"], record["reorder_at"])
    return data["warehouse"], entries, data["rules"]


def banner():
    return read_text("banner.txt").strip()

"""stockroom: a small warehouse application (catalogue, stock, pricing, fulfilment)."""

from .errors import OutOfStock, StockroomError, UnknownItem
from .models import Category, Item, Order, RushOrder

__version__ = "0.3.0"
__all__ = ["Category", "Item", "Order", "OutOfStock", "RushOrder", "StockroomError", "UnknownItem", "__version__"]

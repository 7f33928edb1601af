"""The data model: items of the catalogue and customer orders."""

from .items import Category, Item, StockLevel
from .orders import Order, OrderLine, OrderStatus, RushOrder

__all__ = ["Category", "Item", "Order", "OrderLine", "OrderStatus", "RushOrder", "StockLevel"]

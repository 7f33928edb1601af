"""Services over the model: stock keeping, pricing and fulfilment."""

from .fulfil import fulfil_all
from .inventory import Inventory
from .pricing import build_pricer

__all__ = ["Inventory", "build_pricer", "fulfil_all"]

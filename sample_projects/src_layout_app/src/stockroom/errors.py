"""The application's exceptions: one root, and the failures a warehouse meets."""


class StockroomError(Exception):
    """Root of every error stockroom raises on purpose."""

    def describe(self):
        """The error and the chain of causes under it, one 'a <- b <- c' line."""
        parts = [f"{type(self).__name__}: {self}"]
        cause = self.__cause__ or self.__context__
        while cause is not None:
            parts.append(f"{type(cause).__name__}: {cause}")
            cause = cause.__cause__ or cause.__context__
        return " <- ".join(parts)


class UnknownItem(StockroomError, LookupError):
    def __init__(self, sku):
        super().__init__(f"no item with SKU {sku!r}")
        self.sku = sku


class OutOfStock(StockroomError):
    def __init__(self, sku, wanted, available):
        super().__init__(f"{sku}: wanted {wanted}, only {available} in stock")
        self.sku, self.wanted, self.available = sku, wanted, available


class PricingError(StockroomError, ValueError):
    pass


class FulfilmentError(StockroomError):
    pass

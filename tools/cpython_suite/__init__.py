"""CPython's language test modules compiled by ziggurat and run beside the interpreted ones; see run.py."""

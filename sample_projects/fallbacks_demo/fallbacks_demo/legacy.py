"""Excluded from compilation by [tool.ziggurat] exclude: shipped as this .py file."""


def shout(text):
    return text.upper() + "!"


def origin():
    return __file__.rsplit("/", 1)[-1]

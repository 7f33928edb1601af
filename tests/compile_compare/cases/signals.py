"""Signal handlers run inside long loops that call nothing (CPython checks at loop back edges):
a handler's exception interrupts a while loop, a native range loop, a loop over an iterator and
a comprehension."""

import itertools
import signal
import traceback


class Interrupted(Exception):
    pass


HANDLED_IN = []


def _handler(signum, frame):
    HANDLED_IN.append(frame.f_code.co_name if frame else None)
    raise Interrupted("alarm")


def _interrupt(loop):
    old = signal.signal(signal.SIGALRM, _handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        try:
            loop()
        except Interrupted as exc:
            print("interrupted:", exc)
            if loop in LINE_CHECKED:
                # CPython runs handlers at the back edge, on the `while` line
                lines = [t.lineno - loop.__code__.co_firstlineno
                         for t in traceback.extract_tb(exc.__traceback__) if t.name == loop.__name__]
                print(loop.__name__, "interrupted at line", lines)
            if loop in FRAME_CHECKED:  # (run by the loop's own frame, not after it)
                # (an .abi3.so has no frames of its own: docs/differences.md)
                print(loop.__name__, "handled in", HANDLED_IN[-1] if FRAMES else "_counted_generator")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def spin_while():
    n = 0
    while True:
        n += 1


def spin_while_branches():
    n = 0
    k = 0
    while True:
        n += 1
        if n > 5:
            k += 1


def spin_while_test():
    n = 0
    while n >= 0:
        n += 1
        if n < 0:
            break


# Loops whose interrupted line CPython 3.10-3.13 agree on (a `for` loop's is None on 3.11;
# on 3.10 a `while` with a test may show the line of a conditional jump in its body).
LINE_CHECKED = (spin_while, spin_while_branches)


def spin_range():
    total = 0
    for i in range(10**15):
        total += i


def spin_iterator():
    for _ in itertools.count():
        pass


def spin_comprehension():
    return [x for x in itertools.count() if x < 0]


def spin_nested():
    while True:
        for _ in range(3):
            pass


def _counted_generator(cells):
    # a body intloop runs natively, counting down natively too (gen_loops' reversed range)
    for i in reversed(range(10**8)):
        cells[1] += 1
        if cells[1] > 200:
            cells[1] = i - i
    yield cells


def spin_generator_body():
    for cells in _counted_generator([0, 0, 0]):
        print("never", cells)


FRAME_CHECKED = (spin_generator_body,)
FRAMES = not __file__.endswith(".abi3.so")


def test_signals_interrupt_loops():
    for loop in (spin_while, spin_while_branches, spin_while_test, spin_range, spin_iterator,
                 spin_comprehension, spin_nested, spin_generator_body):
        _interrupt(loop)


# Each call spins eight loops for 50 ms each: 20 calls show a leak as 200 would.
test_signals_interrupt_loops.leak_calls = 20

"""Columns worked on side by side. Arrow's kernels (reading, trimming, casting, hashing) let go of
Python's lock while they run, so threads put every core on a table's columns; the results come
back in the order asked for, so what is checked and reported never depends on which finished
first."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

THREADS = os.cpu_count() or 1
T = TypeVar("T")
R = TypeVar("R")


def each(work: Callable[[T], R], items: Iterable[T], threads: int = THREADS) -> list[R]:
    """``work`` done on every item, on ``threads`` threads (as many as the machine has cores), in
    item order."""
    items = list(items)
    threads = min(len(items), threads)
    if threads <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))

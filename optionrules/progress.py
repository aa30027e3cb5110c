"""Progress of long work (sweeps, searches): a callback told how much of how much is done."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]  # (done, total)

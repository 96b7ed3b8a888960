"""Progress of long work: a bar on a terminal, a plain line every few seconds elsewhere.

The only module importing tqdm. On a terminal the bar shows the count, the rate and the
time left; in CI logs and image builds (no terminal) a bar would be one unreadable line,
so a line such as "Bäddar in passager: 96/461 (21 %), 1,8 per sekund, cirka 3 min 20 s
kvar" is written every `LINE_SECONDS` instead, and one when the work is done.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

LINE_SECONDS = 5.0  # between two progress lines when there is no terminal


@contextmanager
def progress(
    total: int, title: str, unit: str, *, stream: TextIO | None = None
) -> Iterator[Callable[[int], None]]:
    """Report progress on `stream` (stderr); yields the callback that adds done items."""
    stream = stream or sys.stderr
    if total <= 0:
        yield lambda _done: None
    elif stream.isatty():
        from tqdm import tqdm

        with tqdm(total=total, desc=title, unit=unit, file=stream) as bar:
            yield bar.update
    else:
        lines = _Lines(total, title, unit, stream)
        yield lines.update
        lines.finish()


class _Lines:
    """Progress as a line every few seconds, for logs."""

    def __init__(self, total: int, title: str, unit: str, stream: TextIO) -> None:
        self.total, self.title, self.unit, self.stream = total, title, unit, stream
        self.done = 0
        self.started = self.said = time.monotonic()

    def update(self, done: int) -> None:
        self.done += done
        now = time.monotonic()
        if now - self.said >= LINE_SECONDS and self.done < self.total:
            self.said = now
            self._say(self._status(now))

    def finish(self) -> None:
        seconds = time.monotonic() - self.started
        self._say(f"{self.done}/{self.total} {self.unit} klart på {duration(seconds)}")

    def _status(self, now: float) -> str:
        rate = self.done / max(now - self.started, 1e-9)
        share = round(100 * self.done / self.total)
        left = f", cirka {duration((self.total - self.done) / rate)} kvar" if rate else ""
        speed = f"{rate:.1f}".replace(".", ",")
        return f"{self.done}/{self.total} ({share} %), {speed} {self.unit} per sekund{left}"

    def _say(self, text: str) -> None:
        print(f"{self.title}: {text}", file=self.stream, flush=True)


def duration(seconds: float) -> str:
    """Seconds as Swedish text: "45 s", "3 min 20 s", "1 h 5 min"."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"

"""Progress of long work: a bar on a terminal, timed plain lines elsewhere."""

import io

import pytest

from assistant import progress as module
from assistant.progress import duration, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_every_few_seconds_with_rate_and_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 1.0, 6.0, 7.0, 20.0, 21.0])
    monkeypatch.setattr(module.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    with progress(100, "Bäddar in passager", "passager", stream=out) as advance:
        advance(10)  # t=1: too soon for a line
        advance(20)  # t=6: 30 done in 6 s
        advance(10)  # t=7: too soon again
        advance(60)  # t=20: all done, the closing line says so
    lines = out.getvalue().splitlines()
    assert lines == [
        "Bäddar in passager: 30/100 (30 %), 5,0 passager per sekund, cirka 14 s kvar",
        "Bäddar in passager: 100/100 passager klart på 21 s",
    ]


def test_a_terminal_gets_a_bar_with_rate_and_time_left() -> None:
    out = Terminal()
    with progress(8, "Bäddar in passager", "passager", stream=out) as advance:
        advance(4)
        advance(4)
    shown = out.getvalue()
    assert "\r" in shown and "Bäddar in passager" in shown and "8/8" in shown
    assert "passager/s" in shown


def test_no_work_says_nothing() -> None:
    out = io.StringIO()
    with progress(0, "Bäddar in passager", "passager", stream=out) as advance:
        advance(0)
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("seconds", "text"), [(4.4, "4 s"), (200, "3 min 20 s"), (120, "2 min"), (3900, "1 h 5 min")]
)
def test_durations_read_as_swedish(seconds: float, text: str) -> None:
    assert duration(seconds) == text

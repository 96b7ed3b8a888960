"""Figures of a measurement: percentiles of durations, memory and CPU time of a process,
the machine measured on, and a path into the nested results."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def summarise(seconds: Sequence[float]) -> dict[str, float | int | None]:
    """Count, p50/p95/p99 and mean of durations, in milliseconds."""
    if not seconds:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


def memory_of(pid: int | None = None) -> dict[str, float | None]:
    """Current and peak resident memory of a process, in MB (None where /proc is missing)."""
    path = Path(f"/proc/{pid or 'self'}/status")
    found: dict[str, float | None] = {"rss_mb": None, "peak_rss_mb": None}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            key = "rss_mb" if name == "VmRSS" else "peak_rss_mb"
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                total = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu": model or "okänd",
        "cores": cores(),
        "memory_gb": total,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "load_average_at_start": [round(x, 2) for x in load] if load else None,
    }


def cpu_seconds(pid: int | None = None) -> float | None:
    """User + system CPU time a process has used so far (None where /proc is missing)."""
    try:
        stat = Path(f"/proc/{pid or 'self'}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces; the fields after it are space-separated.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def with_cpu(pid: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A load level with the CPU time the server and this client used during it."""
    server, client = cpu_seconds(pid), cpu_seconds()
    level = measure()
    server_after, client_after = cpu_seconds(pid), cpu_seconds()
    if None in (server, client, server_after, client_after):
        return level
    used = float(server_after or 0) - float(server or 0)
    level["server_cpu_s"] = round(used, 2)
    level["client_cpu_s"] = round(float(client_after or 0) - float(client or 0), 2)
    level["server_cores_busy"] = round(used / level["seconds"], 2) if level["seconds"] else None
    level["server_cpu_ms_per_answer"] = round(1000 * used / level["ok"], 1) if level["ok"] else None
    return level


def lookup(data: Mapping[str, Any], *path: str | int) -> Any:
    """The value at `path` in nested results, or None where any step is missing."""
    value: Any = data
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value

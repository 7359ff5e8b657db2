"""Login attempt limiting: a sliding window of failures per client and per account."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class LoginLimiter:
    """In-process; enough for the single-process embedded deployment this targets."""

    def __init__(self, max_failures: int = 5, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed for any of ``keys``; 0 = allowed now."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                window = self._prune(key, now)
                if len(window) >= self.max_failures:
                    wait = max(wait, window[0] + self.window_s - now)
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def reset(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _prune(self, key: str, now: float) -> deque[float]:
        window = self._failures[key]
        while window and window[0] <= now - self.window_s:
            window.popleft()
        return window

"""Run a module (daphne) while sampling its main thread's stack: where the event loop's time goes.

cProfile (Python 3.12+) records every thread at once and attributes the lookup threads' time
to whatever the event loop was doing; this samples only the main thread, every INTERVAL
seconds, and writes on exit: per function, the share of samples in which it was on the stack
(inclusive) and on top (exclusive). Samples while the loop waits in `select`/`epoll` count as
idle. Bench only (bench/chat_fanout.py `CHAT_BENCH_SAMPLE=path`).

    python bench/sample_main_thread.py OUT.json -m daphne ... intranet.asgi:application
"""

import atexit
import collections
import json
import runpy
import signal
import sys
import threading
import time

INTERVAL = 0.002


def main() -> None:
    out, _, module, *args = sys.argv[1:]
    main_id = threading.main_thread().ident
    inclusive: collections.Counter = collections.Counter()
    exclusive: collections.Counter = collections.Counter()
    totals = {"samples": 0, "idle": 0}
    running = True

    def sample() -> None:
        while running:
            time.sleep(INTERVAL)
            frame = sys._current_frames().get(main_id)
            if frame is None:
                continue
            totals["samples"] += 1
            top = f"{frame.f_code.co_filename.split('site-packages/')[-1]}:{frame.f_code.co_name}"
            if frame.f_code.co_name in {"select", "poll", "_poll"} or "selectors.py" in top:
                totals["idle"] += 1
                continue
            exclusive[top] += 1
            seen = set()
            while frame is not None:
                key = f"{frame.f_code.co_filename.split('site-packages/')[-1]}:{frame.f_code.co_name}"
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += 1
                frame = frame.f_back

    def write() -> None:
        nonlocal running
        running = False
        busy = max(1, totals["samples"] - totals["idle"])
        report = {
            **totals,
            "inclusive_pct_of_busy": {k: round(v * 100 / busy, 1) for k, v in inclusive.most_common(150)},
            "exclusive_pct_of_busy": {k: round(v * 100 / busy, 1) for k, v in exclusive.most_common(60)},
        }
        with open(out, "w") as f:
            json.dump(report, f, indent=1)

    atexit.register(write)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Thread(target=sample, daemon=True, name="sampler").start()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

/**
 * `granary_task`, the module Granary puts on a task's path (and on the import check's): a task reports progress and log
 * lines through it, as JSON lines on file descriptor 3, which the runner reads (task-process.ts).
 */
/** Its source. A task imports: `from granary_task import progress, log, output_dir`. */
export const helperModuleSource = String.raw`"""Granary's helper for application tasks: report progress, log lines, and find the output folder."""
import json as _json
import os as _os

_channel = None


def _send(message):
    global _channel
    if _channel is None:
        _channel = _os.fdopen(3, "w", buffering=1, encoding="utf-8", closefd=False)
    _channel.write(_json.dumps(message) + "\n")
    _channel.flush()


def progress(fraction, message=None):
    """Reports how far the task is, from 0.0 to 1.0, with an optional message; shown as the run's progress bar."""
    fraction = max(0.0, min(1.0, float(fraction)))
    _send({"type": "progress", "fraction": fraction, "message": None if message is None else str(message)})


def log(line):
    """Adds a line to the run's log."""
    _send({"type": "log", "message": str(line)})


def output_dir():
    """The folder whose files are kept as the run's results (each stored with its sha256)."""
    return _os.environ["GRANARY_OUTPUT_DIR"]
`;


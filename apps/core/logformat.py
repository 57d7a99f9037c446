"""The JSON log format (LOG_FORMAT=json).

Loaded by the logging configuration, before the apps are ready, so it imports nothing of them.
"""

import json
import logging
import time

from .request_id import current_request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, request id, message, the access fields, any error."""

    FIELDS = ("user_id", "method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "message": record.getMessage(),
        }
        line.update({field: getattr(record, field) for field in self.FIELDS if hasattr(record, field)})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


JsonFormatter.converter = time.gmtime

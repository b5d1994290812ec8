"""librdkafka's own log lines (a broker down, a connection refused) through Python logging.

Every confluent_kafka client streamt makes takes its configuration from `client_config`, which
hands librdkafka the `streamt.librdkafka` logger: nothing reaches stderr unless logging is
configured (the CLI's `-v` / `--debug` / `--log-level`). The `streamt` logger has a
NullHandler, so Python's last-resort handler never prints a record nobody asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

LOGGER = logging.getLogger("streamt.librdkafka")
logging.getLogger("streamt").addHandler(logging.NullHandler())


def client_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """`config` with librdkafka's log lines routed to `LOGGER` (a `logger` key is replaced)."""
    return {**config, "logger": LOGGER}

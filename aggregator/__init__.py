"""aggregator: a self-hosted news-feed daemon that mails one clean daily digest."""

import logging

__version__ = "0.1.0"
USER_AGENT = (
    f"aggregator/{__version__} (+https://github.com/aggregator/aggregator; feed digest daemon)"
)

logging.getLogger(__name__).addHandler(logging.NullHandler())

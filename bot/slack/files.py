"""Fetch a file someone shared with ofin: files.info, then its private URL, size-limited.

The bot token goes only to Slack's own hosts (or to SLACK_API_URL's host, for a stand-in), and
never more than ``limit`` bytes are read.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from slack_sdk import WebClient

DOWNLOAD_TIMEOUT = 15  # seconds


class FileRefused(Exception):
    """The file cannot be used; ``str()`` is a message for the person who sent it."""


def _trusted(url: str, api_url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com")):
        return True
    return host != "" and host == (urlsplit(api_url).hostname or "").lower()


def fetch(client: WebClient, file_id: str, limit: int) -> tuple[str, bytes]:
    """The file's name and bytes; FileRefused when it is too big or cannot be fetched."""
    info = client.files_info(file=file_id).get("file") or {}
    name = str(info.get("name") or file_id)
    size = int(info.get("size") or 0)
    if size > limit:
        raise FileRefused(
            f"{name} is {size / 1024 / 1024:.1f} MB; I read templates up to "
            f"{limit // 1024 // 1024} MB."
        )
    url = info.get("url_private_download") or info.get("url_private") or ""
    if not _trusted(url, client.base_url):
        raise FileRefused(f"I cannot download {name} from where Slack says it is.")
    request = Request(url, headers={"Authorization": f"Bearer {client.token}"})
    try:
        with urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 - checked host
            data = response.read(limit + 1)
    except OSError as exc:
        raise FileRefused(f"I could not download {name} ({exc}).") from exc
    if len(data) > limit:
        raise FileRefused(
            f"{name} is over {limit // 1024 // 1024} MB; I read templates up to that."
        )
    return name, data

"""The address participants use: a link the room can reach, and its QR code.

The facilitator's browser usually shows the app at 127.0.0.1, which no participant's phone
can reach. `opsmaturity web` therefore names the address to hand out: `--public-url` when
the app sits behind a proxy, else, when it listens on every interface (`--host 0.0.0.0`),
this machine's address on the local network. No streamlit here: the CLI imports it.
"""

from __future__ import annotations

import io
import ipaddress
import os
from urllib.parse import urlencode, urlsplit

ENV_PUBLIC_URL = "OPSMATURITY_PUBLIC_URL"
"""The app's address as participants reach it (set by `opsmaturity web`)."""
DEFAULT_BASE = "http://localhost:8501"


class LinkError(ValueError):
    """A --public-url that is not an http(s) address."""


def checked_public_url(url: str) -> str:
    """An http(s) address with a host, without a trailing slash (what --public-url takes)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        from opsmaturity.core.messages import text

        raise LinkError(f"--public-url {url!r}: {text('web.public_url')}")
    return url.strip().rstrip("/")


def lan_address() -> str | None:
    """This machine's first private IPv4 address on a network interface (None: none),
    read from the interfaces, without sending anything."""
    import psutil

    found = []
    for name, addresses in psutil.net_if_addrs().items():
        for a in addresses:
            if a.family.name != "AF_INET":
                continue
            ip = ipaddress.ip_address(a.address)
            if not (ip.is_loopback or ip.is_link_local):
                found.append((not ip.is_private, name, a.address))
    return min(found)[2] if found else None


def public_base(host: str, port: int, public_url: str | None) -> str | None:
    """The base address to hand to participants, or None to use the browser's own."""
    if public_url:
        return checked_public_url(public_url)
    if host in ("0.0.0.0", "::"):
        lan = lan_address()
        return f"http://{lan}:{port}" if lan else None
    return None


def join_link(code: str, page_url: str | None) -> str:
    """The participants' link: the public address (or this page's) + the join page + code."""
    public = os.environ.get(ENV_PUBLIC_URL)
    if public:
        return f"{public.rstrip('/')}/join?{urlencode({'join': code})}"
    parts = urlsplit(page_url or DEFAULT_BASE)
    base_path = parts.path.rstrip("/").rsplit("/", 1)[0] if parts.path.count("/") > 1 else ""
    return f"{parts.scheme}://{parts.netloc}{base_path}/join?{urlencode({'join': code})}"


def qr_png(text: str, scale: int = 12) -> bytes:
    """A QR code of `text` as PNG (segno: no image library needed), with the quiet zone a
    phone camera needs."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()

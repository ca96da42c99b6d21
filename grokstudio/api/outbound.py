"""Requests the studio makes to addresses a caller names: reference images and callbacks.

A caller must never make the studio reach somewhere it should not (server-side
request forgery). So a URL is used only when

- its scheme is http or https and it carries no user name or password;
- its host matches the administrator's allow-list for that use, in the syntax
  of Django's ALLOWED_HOSTS (`example.com`, `.example.com` for subdomains too,
  `*` for any host);
- every address the host resolves to (and any IPv4 address carried inside an
  IPv6 one) is public, unless it falls in a network the administrator lets
  through for that use (`STUDIO_API_FETCH_PRIVATE_NETWORKS`,
  `STUDIO_API_CALLBACK_PRIVATE_NETWORKS`, e.g. `127.0.0.0/8` for a service on
  the same machine).

The connection then goes to the address that was checked, not to a second
lookup of the name (which could answer differently), and redirects are not
followed: the place a redirect names was never checked.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.http.request import validate_host

USER_AGENT = "GrokStudio"


class NotAllowed(Exception):
    """The URL may not be used; the message says why, for the caller."""


class FetchError(Exception):
    """The request was allowed but did not give a usable answer."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    path: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _networks(names: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(net, strict=False) for net in names]


def _faces(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list:
    """The address and every IPv4 address carried inside it (mapped, 6to4, Teredo, NAT64, compatible)."""
    faces = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(address in net for net in (*NAT64, IPV4_COMPATIBLE)):
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        faces.extend(face for face in embedded if face is not None)
    return faces


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not getattr(address, "is_site_local", False)
    )


# The longest URL the studio fetches or calls back (and the schema publishes as maxLength).
MAX_URL_LENGTH = 2000


def check(url: str, allowed_hosts: list[str], allowed_networks: list[str] = ()) -> Target:
    """The checked target of `url`, or NotAllowed saying why not.

    `allowed_networks` are the private networks this use may still reach.
    """
    if len(url) > MAX_URL_LENGTH:
        raise NotAllowed(f"the URL is longer than {MAX_URL_LENGTH:,} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise NotAllowed("the URL is not valid") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise NotAllowed("only http and https URLs are allowed")
    if parts.username is not None or parts.password is not None:
        raise NotAllowed("the URL may not carry a user name or password")
    try:
        # One form of the name for the allow-list, DNS, the Host header and TLS: its ASCII (xn--) one.
        host = (parts.hostname or "").rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise NotAllowed("the URL's host name is not valid") from None
    if not host:
        raise NotAllowed("the URL has no host")
    if not allowed_hosts or not validate_host(host, allowed_hosts):
        raise NotAllowed(f"the studio's administrator has not allowed the host {host}")
    port = port or (443 if scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise NotAllowed(f"the host {host} could not be found") from None
    networks = _networks(allowed_networks)
    addresses = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        for face in _faces(address):
            if not _public(face) and not any(face in net for net in networks):
                raise NotAllowed(f"the host {host} is on a private or local network")
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise NotAllowed(f"the host {host} could not be found")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, addresses=tuple(addresses), path=path)


def request(
    target: Target,
    method: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
    max_bytes: int = 1 << 20,
) -> Answer:
    """One request to a checked target: no redirects, no retries, a size cap and an overall deadline.

    The host's checked addresses are tried in turn until one takes the connection.
    """
    for position, address in enumerate(target.addresses):
        try:
            return _request(target, address, method, body, headers, timeout_s, max_bytes)
        except _Unreachable as exc:
            if position == len(target.addresses) - 1:
                raise FetchError(_reason(exc.__cause__)) from None
    raise FetchError("the host has no address")


class _Unreachable(Exception):
    """This address did not take the connection; another of the host's may."""


def _request(target, address, method, body, headers, timeout_s, max_bytes) -> Answer:
    timeout = urllib3.Timeout(connect=min(5.0, timeout_s), read=timeout_s)
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, target.port, timeout=timeout, retries=False,
            server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
            ca_certs=settings.STUDIO_API_CA_BUNDLE,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
    sent = {"Host": target.host_header, "User-Agent": USER_AGENT, **(headers or {})}
    deadline = time.monotonic() + timeout_s
    try:
        with pool:
            response = pool.urlopen(
                method, target.path, body=body, headers=sent, redirect=False, preload_content=False,
                assert_same_host=False,
            )  # fmt: skip
            try:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"the answer is larger than {max_bytes:,} bytes")
                chunks, size = [], 0
                # read1 answers with whatever has arrived, so a host that drips
                # bytes meets the deadline too, not only one that goes silent.
                while chunk := response.read1(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"the answer is larger than {max_bytes:,} bytes")
                    if time.monotonic() > deadline:
                        raise FetchError(f"no complete answer within {timeout_s:g} s")
                    chunks.append(chunk)
            finally:
                response.release_conn()
    except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as exc:
        raise _Unreachable from exc
    except urllib3.exceptions.HTTPError as exc:
        raise FetchError(_reason(exc)) from None
    except (OSError, ValueError, UnicodeError):
        raise FetchError("the connection failed") from None
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return Answer(status=response.status, content_type=content_type, body=b"".join(chunks))


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "the host did not answer in time"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "the host's TLS certificate could not be verified"
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "the host refused the connection"
    return "the connection failed"


def fetch_image(url: str) -> tuple[bytes, str]:
    """A reference image from an allowed host: its bytes and declared type (the form checks the rest)."""
    target = check(url, settings.STUDIO_API_FETCH_HOSTS, settings.STUDIO_API_FETCH_PRIVATE_NETWORKS)
    limit = settings.STUDIO_MAX_UPLOAD_MB * 1024 * 1024
    answer = request(target, "GET", headers={"Accept": "image/*"}, max_bytes=limit, timeout_s=15.0)
    if answer.status != 200:
        raise FetchError(f"the host answered HTTP {answer.status}")
    return answer.body, answer.content_type

"""The HTTP protocol of `atmp-kg serve`: uvicorn's own, with TCP_NODELAY on every connection.

asyncio sets TCP_NODELAY only on connections of a listening socket that declares IPPROTO_TCP.
The socket uvicorn binds for `workers > 1` does not, so each keep-alive answer written in two
parts waited for the client's delayed ACK (Nagle's algorithm): about 40 ms per request, measured
with wrk against `atmp-kg serve --workers 2`."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTP(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)

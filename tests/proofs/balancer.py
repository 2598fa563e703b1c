"""A tiny round-robin load balancer in front of webhook workers, for the multi-worker proofs:
a worker that does not answer (killed) is skipped, as a real balancer's health check would."""

from __future__ import annotations

import itertools
import socket

import aiohttp
from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def balancer(ports: list[int]) -> tuple[web.AppRunner, int]:
    """Start the balancer; returns its runner (to clean up) and port."""
    turn = itertools.cycle(ports)
    http = aiohttp.ClientSession()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        for _ in range(len(ports)):
            port = next(turn)
            try:
                async with http.post(f"http://127.0.0.1:{port}{request.path}", data=body,
                                     headers={k: v for k, v in request.headers.items()
                                              if k.lower().startswith(("x-telegram",
                                                                       "content-type"))}
                                     ) as resp:
                    return web.Response(status=resp.status, body=await resp.read())
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)

    async def close(_: web.Application) -> None:
        await http.close()

    app = web.Application()
    app.router.add_post("/{tail:.*}", forward)
    app.on_cleanup.append(close)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port

#!/usr/bin/env python3
"""A TCP relay that delays every byte by a fixed time in each direction, for deploy/netns-harness.sh
on kernels built without sch_netem (tc netem's qdisc). It keeps order and does not limit
throughput: data read at time t is written at t + delay.

  netns-delay.py --listen 127.0.0.1:7700 --to 10.77.0.1:7700 --delay-ms 200
"""
import argparse
import asyncio


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def feed():
        while True:
            data = await reader.read(65536)
            await queue.put((loop.time() + delay, data))
            if not data:
                return

    async def drain():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(feed(), drain())
    except (ConnectionError, OSError):
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--delay-ms", type=float, default=200)
    a = p.parse_args()
    delay = a.delay_ms / 1000
    to_host, to_port = a.to.rsplit(":", 1)

    async def accepted(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(to_host, int(to_port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, delay), pump(server_reader, client_writer, delay))

    host, port = a.listen.rsplit(":", 1)
    server = await asyncio.start_server(accepted, host, int(port))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())

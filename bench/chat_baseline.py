"""The baseline for bench/chat_fanout.py: a minimal broadcast server written with `websockets`.

It speaks just enough of the intranet's /ws/ protocol for the same load client to drive it
(`hello`, `subscribe` -> `chat.subscribed`, `chat.send` -> a `chat.message` to every
subscriber of the room), with frames of the same shape, each encoded once and written to
every socket with `websockets.broadcast`. No authentication, no database, no channel layer:
the cost of the WebSocket work alone, on the same machine, in the same run.

    python bench/chat_baseline.py --port 8765
"""

import argparse
import asyncio
import itertools
import json
import signal
from datetime import UTC, datetime

from websockets.asyncio.server import ServerConnection, broadcast, serve

rooms: dict[int, set[ServerConnection]] = {}
ids = itertools.count(1)


async def handler(connection: ServerConnection) -> None:
    await connection.send(json.dumps({"type": "hello", "user": {"id": 0, "name": "bench"}}))
    joined: set[int] = set()
    try:
        async for raw in connection:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "subscribe":
                room = frame["room"]
                rooms.setdefault(room, set()).add(connection)
                joined.add(room)
                await connection.send(
                    json.dumps(
                        {"type": "chat.subscribed", "room": room, "last_id": 0, "revision": 0, "has_older": False}
                    )
                )
            elif kind == "chat.send":
                room = frame["room"]
                message_id = next(ids)
                body = frame["body"]
                text = json.dumps(
                    {
                        "type": "chat.message",
                        "room": room,
                        "message": {
                            "id": message_id,
                            "room": room,
                            "author": {"id": 0, "name": "bench"},
                            "body": body,
                            "html": f"<p>{body}</p>",
                            "created_at": datetime.now(UTC).isoformat(),
                            "client_id": frame.get("client_id"),
                            "edited_at": None,
                            "deleted": False,
                            "revision": message_id,
                            "mentions": [],
                        },
                    },
                    separators=(",", ":"),
                )
                broadcast(rooms.get(room, ()), text)
    finally:
        for room in joined:
            rooms[room].discard(connection)


async def main(port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    # compression=None: the load client does not offer it either; daphne does not compress.
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        print(f"baseline listening on 127.0.0.1:{port}", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))

"""The one WebSocket per browser tab, at /ws/.

Only a logged-in, active user gets a connection; the Origin check happens in the
router. Features add their frame types here as thin adapters over their services.
"""

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.accounts.services import session_group_name, user_group_name

CLOSE_UNAUTHENTICATED = 4401
CLOSE_ACCOUNT_ENDED = 4403


class IntranetConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.account_groups = [user_group_name(user.pk)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if session_key:
            self.account_groups.append(session_group_name(session_key))
        for group in self.account_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": {"id": user.pk, "name": user.display_name}})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "account_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if text_data is None:
            await self.send_error("bad_frame", "Frames are JSON text.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self.send_error("bad_json", "The frame is not valid JSON.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_frame", "A frame is a JSON object with a string 'type'.")
            return
        if content["type"] == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.send_error("unknown_type", f"Unknown frame type {content['type'][:50]!r}.")

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def relay_frame(self, event: dict) -> None:
        """A frame a service built for this user's sockets: pass it on unchanged."""
        await self.send_json(event["frame"])

    async def user_disconnect(self, event: dict) -> None:
        """The account was deactivated or logged out: end this socket now."""
        await self.close(code=CLOSE_ACCOUNT_ENDED)

"""Frame handlers: how a feature adds its own frame types to the one socket at /ws/.

A feature registers a `FrameHandler` subclass in its `AppConfig.ready()`, as it registers
its topics; the consumer makes one per socket, routes the handler's frame types to it and
turns every `ServiceError` it raises into an `error` frame. So `consumers` knows no
feature, and a feature never touches the consumer's internals.
"""

from typing import Any, ClassVar


class FrameHandler:
    """One feature's part of one socket. Override what you need."""

    frame_types: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer

    @property
    def user(self) -> Any:
        return self.consumer.scope["user"]

    async def send_json(self, frame: dict) -> None:
        await self.consumer.send_json(frame)

    async def connect(self) -> None:
        """The socket was accepted (after `hello`)."""

    async def disconnect(self) -> None:
        """The socket closed; release what `connect` and the frames took."""

    async def rights_changed(self) -> None:
        """The user's rights changed somewhere: re-check what this handler subscribed them to."""

    async def receive(self, content: dict) -> None:
        """A frame whose `type` is in `frame_types`; raise `ServiceError` to refuse it."""
        raise NotImplementedError


_handlers: list[type[FrameHandler]] = []


def register_frame_handler(handler: type[FrameHandler]) -> None:
    taken = {frame_type for other in _handlers if other is not handler for frame_type in other.frame_types}
    if clash := taken & handler.frame_types:
        raise ValueError(f"frame types {sorted(clash)} are already handled")
    if handler not in _handlers:
        _handlers.append(handler)


def frame_handlers() -> tuple[type[FrameHandler], ...]:
    return tuple(_handlers)


RESERVED_FRAME_TYPES = frozenset({"ping", "watch", "unwatch"})  # the consumer's own

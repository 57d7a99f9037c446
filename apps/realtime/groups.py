"""Names of the channel-layer groups sockets join. One place, so that senders and sockets agree."""


def user_group(user_id: int) -> str:
    """Every open socket of one user."""
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The sockets opened by one browser session (closed at its logout)."""
    return f"session.{session_key}"


def topic_group(kind: str, object_id: int) -> str:
    """Sockets watching a live topic such as `feed:5`."""
    return f"topic.{kind}.{object_id}"

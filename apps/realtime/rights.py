"""Telling open sockets that someone's rights changed, so that they re-check what they receive.

The rule, for every live subscription of every kind (topics of `topics`, chat rooms, and
whatever registers later): a socket receives an object's frames only while its user may
read the object. Services report each change of a right in the transaction that makes it:

- `rights_changed(user_ids)` when what some people may read changes: a membership removed
  or re-roled, a department deleted, an account deactivated, a room left, ...
- `topic_access_changed(kind, object_id)` when who may read one object changes: a
  confidential flag added, an audience narrowed. Every socket watching that topic re-checks.

Both are sent by the transaction's on-commit hook to every process (the channel layer); each
socket re-runs the checkers of what it watches (`topics.can_watch`, with the committed
data), drops what fails with an `unwatched` frame, and asks each feature's frame handler to
re-check its own subscriptions, before it handles any later event. A new topic kind gets
this by registering its checker; it has nothing else to do (tests/realtime/test_revocation.py
iterates over every registered kind).
"""

from collections.abc import Iterable

from .groups import topic_group, user_group
from .publish import send_on_commit

RIGHTS_CHANGED = "rights.changed"


def rights_changed(user_ids: Iterable[int]) -> None:
    """After commit, every socket of these users re-checks everything it watches."""
    for user_id in sorted(set(user_ids)):
        send_on_commit(user_group(user_id), {"type": RIGHTS_CHANGED})


def topic_access_changed(kind: str, object_id: int) -> None:
    """After commit, every socket watching the topic re-checks it (only it)."""
    from .topics import topic_name

    send_on_commit(topic_group(kind, object_id), {"type": RIGHTS_CHANGED, "topic": topic_name(kind, object_id)})

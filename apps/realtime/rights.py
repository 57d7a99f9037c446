"""Telling open sockets that someone's rights changed, so that they re-check what they receive.

Services call `rights_changed(user_ids)` in the transaction that changes a right (a
membership removed or re-roled, an account deactivated, a room left, ...). After commit
every socket of those users, on every process, re-checks each live topic it watches
(see `topics`) and asks each feature's frame handler to re-check its own subscriptions.
"""

from collections.abc import Iterable

from .groups import user_group
from .publish import send_on_commit

RIGHTS_CHANGED = "rights.changed"


def rights_changed(user_ids: Iterable[int]) -> None:
    for user_id in sorted(set(user_ids)):
        send_on_commit(user_group(user_id), {"type": RIGHTS_CHANGED})

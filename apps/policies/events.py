"""Live frames about communication policies.

`policy.version` goes to sockets watching "policy:<id>" (the policy's readers) when a
version is published; `policy.acceptances` goes to the policy's editors (each to their own
sockets) when someone accepts, so the acceptance record counts up while it is open. Both
carry numbers, never the text.
"""

from typing import Literal, TypedDict


class PolicyVersionEvent(TypedDict):
    type: Literal["policy.version"]
    policy: int
    version: int
    needs_acceptance: bool


class PolicyAcceptancesEvent(TypedDict):
    type: Literal["policy.acceptances"]
    policy: int
    version: int
    accepted: int
    total: int

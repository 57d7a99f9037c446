"""Which uploaded file a user may download.

Each app that stores uploads registers a checker for its folder under MEDIA_ROOT. A
file in a folder nobody registered is served to nobody.
"""

from collections.abc import Callable

FileChecker = Callable[[object, str], bool]
_checkers: dict[str, FileChecker] = {}


def register_file_access(prefix: str, checker: FileChecker) -> None:
    """`checker(user, name)` says whether `user` may read the stored file `name` under `prefix`."""
    if not prefix.endswith("/"):
        raise ValueError("A prefix is a folder and ends with '/'")
    _checkers[prefix] = checker


def can_read_file(user, name: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    for prefix, checker in _checkers.items():
        if name.startswith(prefix):
            return checker(user, name)
    return False

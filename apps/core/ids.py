"""Object ids from the outside world (URLs, JSON bodies, socket frames): parsed once, bounded once."""

MAX_ID = 2**63 - 1  # PostgreSQL's bigint; a larger number can name nothing


def parse_id(value: object) -> int | None:
    """A positive id from an int or a string of digits, or None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()) or len(value) > 19:
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None


class IdPathConverter:
    """`<id:name>` in a URL: an id that fits the database, so a view never sees a number it cannot look up.

    Registered once as "id" (`CoreConfig.ready`); routers default to it (`apps.core.routers`).
    Anything else (`0`, `abc`, 2**63) does not match, so the answer is the usual 404.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not an id")  # Django: no match, try the next pattern
        return parsed

    def to_url(self, value: object) -> str:
        return str(value)

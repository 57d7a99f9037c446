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

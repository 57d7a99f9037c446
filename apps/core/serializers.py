"""Serializer pieces every API shares."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .ids import MAX_ID, parse_id


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


def person_field() -> PersonSerializer:
    """An author or actor: `{"id", "name"}`, or null once the account is gone."""
    return PersonSerializer(read_only=True, allow_null=True)


class IdField(serializers.IntegerField):
    """An object's id in a request: 1 to 2**63 - 1 (PostgreSQL's bigint), so the schema says what fits."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@extend_schema_field(ID_SCHEMA)
class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """`PrimaryKeyRelatedField` for an id in a request, bounded like `IdField` (an id out of range names nothing)."""

    def to_internal_value(self, data):
        if parse_id(data) is None:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "example": "09:00"})
class WallClockTimeField(serializers.TimeField):
    """A time of day on a wall clock (a calendar's opening hours), without a zone: not RFC 3339's `time`."""

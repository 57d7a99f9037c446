"""Serializer pieces every API shares."""

from rest_framework import serializers


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


def person_field() -> PersonSerializer:
    """An author or actor: `{"id", "name"}`, or null once the account is gone."""
    return PersonSerializer(read_only=True, allow_null=True)

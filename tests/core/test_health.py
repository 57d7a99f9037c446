import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_without_login_and_reports_each_part():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_channel_layer_with_503(settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    channel_layers.backends.clear()
    try:
        response = Client().get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "channel_layer": "error"}


@pytest.mark.needs_redis
@pytest.mark.django_db
def test_healthz_with_the_redis_channel_layer(settings):
    import os

    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [os.environ["REDIS_URL"]]}}
    }
    channel_layers.backends.clear()
    try:
        response = Client().get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.json()["channel_layer"] == "ok"


@pytest.mark.needs_postgres
@pytest.mark.django_db
def test_postgres_runs_with_the_native_pool_and_no_persistent_connections():
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 1

from django.urls import path

from apps.realtime.consumers import IntranetConsumer

websocket_urlpatterns = [path("ws/", IntranetConsumer.as_asgi())]

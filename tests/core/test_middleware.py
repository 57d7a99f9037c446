"""The project's own middlewares are async-capable: in an async chain they answer like in the sync one."""

import pytest
from asgiref.sync import iscoroutinefunction
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, HttpResponseNotAllowed
from django.test import RequestFactory

from apps.core.input_rules import InputRulesMiddleware
from apps.core.middleware import ErrorBodyMiddleware
from apps.core.request_id import HEADER, RequestIdMiddleware, current_request_id

seen: list[str] = []


async def ok_view(request) -> HttpResponse:
    seen.append(current_request_id())
    return HttpResponse("ok")


async def post_only_view(request) -> HttpResponse:
    return HttpResponseNotAllowed(["POST"])


def _chain(view):
    return RequestIdMiddleware(ErrorBodyMiddleware(InputRulesMiddleware(view)))


def _request(method: str, path: str, body: str = "", content_type: str = "application/json"):
    request = getattr(RequestFactory(), method)(path, body, content_type=content_type)
    request.user = AnonymousUser()
    return request


@pytest.mark.asyncio
async def test_in_an_async_chain_each_request_gets_an_id_that_the_view_sees():
    chain = _chain(ok_view)
    assert iscoroutinefunction(chain)
    first, second = await chain(_request("get", "/")), await chain(_request("get", "/"))
    assert first[HEADER] != second[HEADER]
    assert seen[-2:] == [first[HEADER], second[HEADER]]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_in_an_async_chain_a_bad_body_is_refused_before_the_view():
    response = await _chain(ok_view)(_request("post", "/api/v1/chat/rooms/direct/", "[]"))
    assert response.status_code == 400 and b"not_an_object" in response.content
    page = await _chain(ok_view)(_request("post", "/chat/direct/", "[]"))
    assert page.status_code == 400 and b'<main id="main"' in page.content


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_in_an_async_chain_an_empty_error_gets_the_error_page_and_keeps_its_headers():
    response = await _chain(post_only_view)(_request("get", "/feed/posts/1/delete/"))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert b'<main id="main"' in response.content


def test_in_a_sync_chain_they_stay_sync():
    assert not iscoroutinefunction(_chain(lambda request: HttpResponse("ok")))

"""A bare redirect (an empty ``text/html`` body) is followed without parsing it: no page, and no bs4 warning."""

from __future__ import annotations

import logging

import responses

from client_sdk import HeadlessUser

START = "https://bank.example/start"
PAGE = "https://bank.example/page"


@responses.activate
def test_an_empty_redirect_body_is_not_parsed_and_logs_nothing(caplog):
    responses.get(START, status=302, headers={"Location": "/page"}, body=b"", content_type="text/html; charset=utf-8")
    responses.get(PAGE, body="<html><body><p id='hello'>Hallo</p></body></html>", content_type="text/html")
    user = HeadlessUser()

    with caplog.at_level(logging.WARNING):
        user.open(START)

    assert user.url == PAGE and user.page.find(id="hello").get_text() == "Hallo"
    assert [r for r in caplog.records if r.name.startswith("bs4")] == []


@responses.activate
def test_an_empty_page_has_no_soup():
    responses.get(PAGE, body=b"", content_type="text/html")
    user = HeadlessUser()

    user.open(PAGE)

    assert user.page is None and user.response.status_code == 200

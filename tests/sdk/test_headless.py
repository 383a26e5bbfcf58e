"""``HeadlessUser``'s generic browser: forms by id, links by id, redirects hop by hop, stopping at redirect URIs."""

from __future__ import annotations

import gc
from urllib.parse import parse_qs

import pytest
import requests
import responses

from client_sdk import AuthorizationRedirectError
from client_sdk import AuthorizationResult
from client_sdk import HeadlessUser
from client_sdk import HeadlessUserError

SITE = "https://portal.example"
PAGE = """<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"""


def _html(body: str, title: str = "Page") -> dict:
    return {"body": PAGE.format(title=title, body=body), "content_type": "text/html; charset=utf-8"}


WIZARD = _html(
    """
    <div class="flash error" role="alert">Vul uw KvK-nummer in</div>
    <a id="next" href="/stap-2">Verder</a>
    <form id="form-other" method="post" action="/elders"><input name="x" value="1"></form>
    <form id="form-gegevens" method="post" action="/stap-1">
      <input type="hidden" name="csrf_token" value="tok-1">
      <input type="text" name="kvk" value="">
      <select name="land"><option value="NL" selected>Nederland</option><option value="BE">Belgie</option></select>
      <input type="checkbox" name="akkoord" value="ja">
      <label><input type="radio" name="account" value="NL01"></label>
      <label><input type="radio" name="account" value="NL02"></label>
      <button type="submit" name="decision" value="approve">Toestaan</button>
      <button type="submit" name="decision" value="cancel">Annuleren</button>
    </form>""",
    title="Gegevens",
)


@responses.activate
def test_submit_fills_fields_by_name_and_sends_the_chosen_button():
    responses.get(f"{SITE}/stap-1", **WIZARD)
    responses.post(f"{SITE}/stap-1", **_html("<p>ok</p>", title="Klaar"))
    user = HeadlessUser()
    user.open(f"{SITE}/stap-1")
    assert user.form_ids() == ["form-other", "form-gegevens"]
    assert user.messages() == ["Vul uw KvK-nummer in"]
    assert user.title == "Gegevens"

    user.submit(
        "form-gegevens", {"kvk": "12345678", "land": "BE", "akkoord": True, "account": "NL02"}, button="decision=cancel"
    )

    sent = parse_qs(responses.calls[1].request.body)
    assert sent == {
        "csrf_token": ["tok-1"],
        "kvk": ["12345678"],
        "land": ["BE"],
        "akkoord": ["ja"],
        "account": ["NL02"],
        "decision": ["cancel"],
    }
    assert responses.calls[1].request.headers["Referer"] == f"{SITE}/stap-1"
    assert user.title == "Klaar"


@responses.activate
def test_submitting_the_same_page_twice_starts_from_the_served_form():
    responses.get(f"{SITE}/stap-1", **WIZARD)
    responses.post(f"{SITE}/stap-1", status=303, headers={"Location": "/stap-1"})
    user = HeadlessUser()
    user.open(f"{SITE}/stap-1")
    user.submit("form-gegevens", {"kvk": "1", "account": "NL02"}, button=("decision", "approve"))
    user.submit("form-gegevens", {}, button=("decision", "approve"))
    second = parse_qs(responses.calls[-2].request.body, keep_blank_values=True)
    assert second["kvk"] == [""] and "account" not in second


@responses.activate
def test_unknown_forms_fields_and_links_are_clear_errors():
    responses.get(f"{SITE}/stap-1", **WIZARD)
    user = HeadlessUser()
    user.open(f"{SITE}/stap-1")
    with pytest.raises(HeadlessUserError, match="no form #form-missing .forms here: form-other, form-gegevens"):
        user.submit("form-missing", {})
    with pytest.raises(HeadlessUserError, match="no field 'iban'"):
        user.submit("form-gegevens", {"iban": "NL01"})
    with pytest.raises(HeadlessUserError, match="no button decision=maybe"):
        user.submit("form-gegevens", {}, button="decision=maybe")
    with pytest.raises(HeadlessUserError, match="no link #previous"):
        user.follow_link("previous")


@responses.activate
def test_follow_link_and_redirects_hop_by_hop():
    responses.get(f"{SITE}/stap-1", **WIZARD)
    responses.get(f"{SITE}/stap-2", status=302, headers={"Location": "https://other.example/a"})
    responses.get("https://other.example/a", status=301, headers={"Location": "/b?x=1"})
    responses.get("https://other.example/b", **_html("<p>b</p>", title="B"))
    user = HeadlessUser()
    user.open(f"{SITE}/stap-1")
    user.follow_link("next")
    assert user.url == "https://other.example/b?x=1"
    assert user.title == "B"
    assert [c.request.url for c in responses.calls][-3:] == [
        f"{SITE}/stap-2",
        "https://other.example/a",
        "https://other.example/b?x=1",
    ]


@responses.activate
def test_a_redirect_to_the_redirect_uri_is_caught_not_requested():
    responses.get(f"{SITE}/authorize", status=302, headers={"Location": "https://localhost/auth?code=c1&state=s1"})
    user = HeadlessUser()
    user.open(f"{SITE}/authorize", stop_at="https://localhost/auth")
    assert user.stopped_at == "https://localhost/auth?code=c1&state=s1"
    assert len(responses.calls) == 1  # nothing was sent to localhost
    assert AuthorizationResult.from_url(user.stopped_at).code == "c1"


@responses.activate
def test_a_307_repeats_the_post_with_its_body():
    responses.get(f"{SITE}/stap-1", **WIZARD)
    responses.post(f"{SITE}/stap-1", status=307, headers={"Location": "/stap-1b"})
    responses.post(f"{SITE}/stap-1b", **_html("<p>ok</p>", title="OK"))
    user = HeadlessUser()
    user.open(f"{SITE}/stap-1")
    user.submit("form-gegevens", {"kvk": "42"}, button="decision=approve")
    assert parse_qs(responses.calls[-1].request.body)["kvk"] == ["42"]
    assert user.title == "OK"


@responses.activate
def test_a_redirect_loop_is_an_error():
    responses.get(f"{SITE}/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(HeadlessUserError, match="more than 5 redirects"):
        HeadlessUser(max_redirects=5).open(f"{SITE}/loop")


def test_an_injected_session_keeps_its_cookies_and_headers():
    session = requests.Session()
    session.cookies.set("abnamro_session", "abc", domain="auth-sandbox.connect.abnamro.com")
    agent = session.headers["User-Agent"]
    user = HeadlessUser(session=session)
    assert user.session is session
    del user
    gc.collect()
    assert session.cookies.get("abnamro_session") == "abc"
    assert session.headers["User-Agent"] == agent


def test_an_own_session_gets_the_given_user_agent():
    assert HeadlessUser(user_agent="Mozilla/5.0 (test)").session.headers["User-agent"] == "Mozilla/5.0 (test)"


def test_authorization_result_raises_for_an_error():
    denied = AuthorizationResult.from_url("https://localhost/auth?error=access_denied&state=s#")
    assert (denied.error, denied.state, denied.code) == ("access_denied", "s", None)
    with pytest.raises(AuthorizationRedirectError):
        denied.raise_for_error()
    assert AuthorizationResult.from_url("https://localhost/auth?code=c&state=s").raise_for_error() == "c"


def test_authorize_checks_its_options():
    with pytest.raises(ValueError):
        HeadlessUser().authorize("https://x", redirect_uri="https://localhost/auth", login="password")
    with pytest.raises(ValueError):
        HeadlessUser().authorize("https://x", redirect_uri="https://localhost/auth", decision="maybe")


@responses.activate
def test_text_is_the_visible_words_of_the_page():
    responses.get(
        f"{SITE}/p",
        **_html(
            "<header>Menu</header><main><h1>Klaar</h1>\n<p>U bent   gekoppeld.</p><script>var x=1;</script></main>"
        ),
    )
    user = HeadlessUser()
    user.open(f"{SITE}/p")
    assert user.text() == "Klaar U bent gekoppeld."
    assert user.page.find("script") is not None  # reading the text leaves the page as served

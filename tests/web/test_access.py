"""Who may drive a lab that `netlab web` serves: the rules, without a server.

A browser on this machine is the threat: any page it opens may aim requests at
127.0.0.1 (only Origin tells them apart) or at a name of its own pointed there (DNS
rebinding: only Host tells). Each refusal must say what was wrong and what to do.
"""

from __future__ import annotations

import pytest

from netlab.web.access import Access, is_loopback, new_token


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost"])
def test_loopback_addresses_and_localhost_are_this_machine_only(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0",  # every address this machine has: reachable from the network
        "192.0.2.1",
        "no-such-host.invalid",  # unknown: never assumed safe
    ],
)
def test_other_addresses_and_unknown_names_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def page(
    access: Access,
    host: str = "127.0.0.1:8000",
    *,
    origin: str | None = None,
    token: str | None = None,
    cookie: str | None = None,
    websocket: bool = False,
) -> str | None:
    return access.refusal(host=host, origin=origin, token=token, cookie=cookie, websocket=websocket)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "[::1]:8000", "localhost:8000"])
def test_a_request_naming_loopback_is_allowed(host: str) -> None:
    assert page(Access(), host) is None


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8000",
        # A name that resolves to 127.0.0.1 is still a name another site can point here.
        "127.0.0.1.nip.io:8000",
    ],
)
def test_a_request_naming_another_host_is_refused_as_rebinding(host: str) -> None:
    refusal = page(Access(), host)
    assert refusal is not None
    assert host in refusal  # what was wrong
    assert "127.0.0.1" in refusal and "localhost" in refusal  # what would be right


def test_a_websocket_from_another_sites_page_is_refused() -> None:
    refusal = page(Access(), origin="http://evil.example", websocket=True)
    assert refusal is not None
    assert "evil.example" in refusal
    assert "own page" in refusal


def test_a_websocket_from_the_labs_own_page_is_allowed() -> None:
    assert page(Access(), origin="http://127.0.0.1:8000", websocket=True) is None
    assert page(Access(), "[::1]:8000", origin="http://[::1]:8000", websocket=True) is None


def test_a_websocket_without_an_origin_is_allowed() -> None:
    """No browser omits Origin on a websocket: a client without one is a program that
    could send any Origin it liked, so refusing it would protect nothing."""
    assert page(Access(), websocket=True) is None


def test_origin_matters_only_for_the_websocket() -> None:
    """Only the websocket runs an app; another site may load the page, but the
    same-origin rule keeps its script from reading it, and the page alone drives nothing."""
    assert page(Access(), origin="http://evil.example") is None


@pytest.mark.parametrize("given", [None, "wrong"])
def test_with_a_token_a_request_without_it_is_refused(given: str | None) -> None:
    access = Access(new_token())
    for refusal in (page(access, token=given), page(access, cookie=given)):
        assert refusal is not None
        assert "token" in refusal
        assert "?token=" in refusal  # where the right one is: the URL printed


def test_with_a_token_the_query_or_the_cookie_lets_a_request_in() -> None:
    token = new_token()
    access = Access(token)
    assert page(access, token=token) is None
    assert page(access, cookie=token) is None
    assert page(access, token="wrong", cookie=token) is None
    assert page(access, cookie=token, origin="http://127.0.0.1:8000", websocket=True) is None


def test_with_a_token_the_origin_check_still_holds() -> None:
    """The cookie rides along with any request the browser makes to this host, so a
    token alone would let another site's page drive the lab."""
    token = new_token()
    refusal = page(Access(token), cookie=token, origin="http://evil.example", websocket=True)
    assert refusal is not None and "evil.example" in refusal


def test_holds_token_is_true_only_for_the_token() -> None:
    token = new_token()
    access = Access(token)
    assert access.holds_token(token)
    assert not access.holds_token(None)
    assert not access.holds_token("")
    assert not access.holds_token(token[:-1])
    assert not access.holds_token(token + "x")
    assert not Access().holds_token(token)  # no token set: nothing matches
    assert not Access().holds_token(None)


def test_tokens_are_new_each_time_and_fit_in_a_url() -> None:
    first, second = new_token(), new_token()
    assert first != second
    assert len(first) >= 22  # 128 bits in base64
    assert all(c.isalnum() or c in "-_" for c in first)

"""The verification page as an employer meets it on a real socket, beside the API: a code
that does not match is the verdict, codes and numbers are read as a person types them, and a
refusal on the page is a page."""

from __future__ import annotations

import re

import httpx

from tests.certify.conftest import Served


def page(served: Served, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{served.server.url}{path}", params=params, timeout=10)


def verdict(response: httpx.Response) -> str:
    found = re.search(r'data-verdict="([a-z_]+)"', response.text)
    assert found is not None, response.text
    return found.group(1)


def test_a_code_that_does_not_match_is_the_verdict_not_a_note_under_valid(
    served: Served,
) -> None:
    held = served.story.held[2]
    wrong = page(served, f"/verify/{held.number}", code="NOTTHECODE22")
    assert wrong.status_code == 403 and wrong.headers["content-type"].startswith("text/html")
    assert verdict(wrong) == "wrong_code" and "核验码不符" in wrong.text
    assert 'data-verdict="valid"' not in wrong.text
    # The certificate's own status is still told, as a fact, with the name masked.
    assert re.search(r"证书本身.*?</th><td>有效 Valid</td>", wrong.text)
    assert held.name not in wrong.text
    right = page(served, f"/verify/{held.number}", code=held.code)
    assert right.status_code == 200 and verdict(right) == "valid" and held.name in right.text


def test_codes_and_numbers_are_read_as_a_person_types_them(served: Served) -> None:
    held = served.story.held[2]
    spoken = " " + "-".join(re.findall("....", held.code.lower())) + " "  # code-0000-0003
    answer = page(
        served, f"/v1/certificates/{held.number.lower()}/verification", code=spoken
    ).json()["answer"]
    assert answer["status"] == "valid" and answer["number"] == held.number
    assert answer["codeChecked"] == "permanent" and answer["holderName"] == held.name
    on_page = page(served, f"/verify/{held.number.lower()}", code=spoken)
    assert verdict(on_page) == "valid" and held.name in on_page.text


def test_a_refusal_on_the_page_is_a_page_in_both_languages(served: Served) -> None:
    held = served.story.held[2]
    cases = [
        page(served, f"/verify/{held.number}", code="A" * 65),  # longer than any code
        page(served, "/verify/lookup"),  # no number
        page(served, f"/verify/{'S' * 41}"),  # longer than any number
    ]
    for refused in cases:
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"].startswith("text/html")
        assert verdict(refused) == "refused"
        assert "请求格式有误" in refused.text and "the request is malformed" in refused.text
        assert 'maxlength="40"' in refused.text  # the form again, which refuses what is too long
    # The API's refusals keep their problem details.
    api = page(served, f"/v1/certificates/{held.number}/verification", code="A" * 65)
    assert api.status_code == 400 and api.json()["code"] == "bad-request"


def test_too_many_wrong_codes_say_when_to_come_back(served: Served) -> None:
    from craftreg.certify.codes import CLIENT_LIMIT, WINDOW_SECONDS

    held = served.story.held[1]
    # A client of its own (another loopback address), so no other test's codes count.
    transport = httpx.HTTPTransport(local_address="127.0.0.23")
    with httpx.Client(base_url=served.server.url, transport=transport, timeout=10) as client:
        path = f"/v1/certificates/{held.number}/verification"
        for _ in range(CLIENT_LIMIT):
            assert client.get(path, params={"code": "NOTTHECODE22"}).status_code == 403
        locked = client.get(path, params={"code": held.code})
        assert locked.status_code == 429 and locked.json()["code"] == "rate-limited"
        assert locked.headers["retry-after"] == str(WINDOW_SECONDS)
        on_page = client.get(f"/verify/{held.number}", params={"code": held.code})
        assert on_page.status_code == 429 and verdict(on_page) == "locked"
        assert held.name not in on_page.text and "证书本身" in on_page.text
        # Without a code the public answer still comes.
        assert verdict(client.get(f"/verify/{held.number}")) == "valid"

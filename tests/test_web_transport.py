"""How pages travel: gzip-compressed to browsers that accept it (pages, styles, scripts, larger JSON),
small answers as they are; and because compressed pages must not repeat a secret byte for byte
(BREACH), each page carries its CSRF token under a fresh mask, which the server accepts."""

from __future__ import annotations

import re

from page_support import Pages
from zones.web.csrf import mask

GZIP = {"Accept-Encoding": "gzip"}
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_pages_and_their_styles_and_scripts_go_compressed(pages: Pages) -> None:
    headers = pages.headers("ann") | GZIP
    page = await pages.client.get("/", headers=headers)
    assert page.status_code == 200
    assert page.headers["content-encoding"] == "gzip"
    assert "vary" in page.headers and "accept-encoding" in page.headers["vary"].lower()
    assets = sorted(set(re.findall(r'(?:href|src)="(/static/[^"?]+\.(?:css|js)(?:\?[^"]*)?)"', page.text)))
    assert any(".css" in a for a in assets) and any(".js" in a for a in assets), assets
    for asset in assets:
        answer = await pages.client.get(asset, headers=GZIP)
        assert answer.status_code == 200, asset
        if len(answer.content) >= 1024:
            assert answer.headers.get("content-encoding") == "gzip", asset


async def test_nothing_is_compressed_for_a_client_that_does_not_ask(pages: Pages) -> None:
    headers = pages.headers("ann") | {"Accept-Encoding": "identity"}
    page = await pages.client.get("/", headers=headers)
    assert page.status_code == 200 and "content-encoding" not in page.headers


async def test_a_small_json_answer_goes_as_it_is(pages: Pages) -> None:
    world = pages.world
    me = await pages.client.get("/me", headers=world.headers("ann") | GZIP)
    assert me.status_code == 200 and len(me.content) < 1024
    assert "content-encoding" not in me.headers


async def test_each_page_masks_the_csrf_token_afresh_and_each_mask_is_accepted(pages: Pages) -> None:
    first = await pages.get("ann", "/profile")
    second = await pages.get("ann", "/profile")
    on_first, on_second = set(TOKEN_FIELD.findall(first.text)), set(TOKEN_FIELD.findall(second.text))
    assert len(on_first) == len(on_second) == 1, "one page, one masked token for all its forms"
    tokens = [*on_first, *on_second]
    assert tokens[0] != tokens[1], "the second page repeats the first page's token"
    _, secret = pages.world.sessions["ann"]
    assert all(secret not in page.text for page in (first, second))
    for token in (tokens[0], tokens[-1]):
        saved = await pages.post("ann", "/profile/presence", {"csrf_token": token}, csrf=False)
        assert saved.status_code == 303, saved.text[:300]


async def test_a_masked_token_of_another_secret_is_refused(pages: Pages) -> None:
    _, bob_secret = pages.world.sessions["bob"]
    for forged in (mask(bob_secret), mask(""), "bm90LWEtdG9rZW4=", "%%%", "AAAAAP____8=", "ægte"):
        refused = await pages.post("ann", "/profile/presence", {"csrf_token": forged}, csrf=False)
        assert refused.status_code == 403, forged

"""The attachment route (ui/routes.py): an image attached to a prompt goes to its owner or an admin,
by sha256 of one the record lists; anyone else, and anything malformed, gets the same 404."""
from __future__ import annotations

import pytest

from genlib import GenerationRequest, Identity, attachment_from_bytes
from ui.attachments import attachment_href
from tests.conftest import TEST_ISSUER, user_claims
from tests.test_files_routes import (ANA, BEN, BOSS, assert_not_found, client, get,  # noqa: F401 - fixtures
                                     signed_in, user_cookie)
from tests.vision_helpers import picture


@pytest.fixture
def anas(app_vault):
    """Ana's text generation with one attached JPEG, and the attachment."""
    att = attachment_from_bytes(picture((120, 80), fmt="JPEG"))
    ana = Identity(TEST_ISSUER, user_claims(ANA)["sub"], ANA, True).key
    gen = app_vault.wait(app_vault.start(GenerationRequest("What is this?", "offline-demo", attachments=(att,)), ana),
                         timeout=30)
    return gen, att


def test_the_owner_and_an_admin_get_the_image_others_get_404(client, signed_in, anas):
    gen, att = anas
    for who in (ANA, BOSS):
        response = get(client, attachment_href(gen.id, att.sha256), user_cookie(who))
        assert response.status_code == 200 and response.content == att.data
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-disposition"].startswith("inline")
    assert_not_found(get(client, attachment_href(gen.id, att.sha256), user_cookie(BEN)))
    assert_not_found(get(client, attachment_href(gen.id, att.sha256)))  # no cookie


@pytest.mark.parametrize("sha", ["0" * 64, "A" * 64, "abc", "ab" * 31 + "zz"])
def test_a_sha256_the_record_does_not_list_or_a_malformed_one_is_404(client, signed_in, anas, sha):
    gen, _ = anas
    assert_not_found(get(client, attachment_href(gen.id, sha), user_cookie(ANA)))

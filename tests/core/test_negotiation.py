"""The content-negotiation shortcut answers exactly as DRF's full negotiation for every Accept."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api.negotiation import ShortcutContentNegotiation

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/html, application/json;q=0.9",
    "application/*",
    " */* ",
    "",
    "application/xml",
]


def _choose(negotiation, accept, renderers, query=""):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/x{query}", **extra))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
        return type(renderer).__name__, media_type
    except Exception as exc:
        return type(exc).__name__, None


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("renderer_classes", [[JSONRenderer], [BrowsableAPIRenderer, JSONRenderer]])
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api"])
def test_same_choice_as_drf(accept, renderer_classes, query):
    renderers = [cls() for cls in renderer_classes]
    assert _choose(ShortcutContentNegotiation(), accept, renderers, query) == _choose(
        DefaultContentNegotiation(), accept, renderers, query
    )


def test_api_answers_406_for_an_unacceptable_type(api):
    response = api.get("/api/health", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406

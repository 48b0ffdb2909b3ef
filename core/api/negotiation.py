"""DRF content negotiation with a shortcut for the Accept headers API clients actually send.

Why not DRF's `DefaultContentNegotiation` alone: it parses the Accept header and matches it against
the renderers on every request, for the same answer nearly every time (docs/benchmarks.md #5). No Accept header, `*/*`, or exactly the first
renderer's media type give the first renderer, as DRF's full negotiation would; anything else
(other types, parameters, q-values, `?format=`) goes through DRF's own code, 406 included.
"""

from rest_framework.negotiation import DefaultContentNegotiation


class ShortcutContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if renderers and not format_suffix and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
            accept = request.META.get("HTTP_ACCEPT")  # absent means */*; present but empty is a 406
            first = renderers[0]
            if accept is None or accept in ("*/*", first.media_type):
                return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)

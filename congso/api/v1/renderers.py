import json

from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class UnicodeJSONRenderer(JSONRenderer):
    """JSON with ``ensure_ascii=False``: Vietnamese stays readable on the wire."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)

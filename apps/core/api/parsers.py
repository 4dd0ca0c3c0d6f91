"""Request body parsers of the API."""

import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing two documents that would otherwise end in a 500.

    A body nested deeper than Python's decoder can follow (100,000 `[`) raises RecursionError inside
    `json.loads`, which DRF does not catch. A `\\ud800` escape decodes to a lone surrogate, which is
    not UTF-8 and which PostgreSQL refuses to store.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the document is nested too deeply.")) from None
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(_("JSON parse error - the document contains an unpaired surrogate.")) from None
        return data

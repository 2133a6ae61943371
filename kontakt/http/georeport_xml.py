"""GeoReport v2's XML: the same data as the JSON answers, under the element
names of the specification (``services/service``, ``service_requests/request``,
``errors/error``, ``service_definition/attributes/attribute/values/value``).

``render(root, value)`` turns a JSON-shaped value into a UTF-8 document:
a list becomes one child per item named from ``ITEM`` (``services`` holds
``service`` elements), a dict one child per key, ``None`` an empty element,
booleans ``true``/``false``.  Characters XML 1.0 cannot carry (control
characters other than tab and newlines) become U+FFFD, so a citizen's text
never breaks the document.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree as ET

ITEM = {"services": "service", "service_requests": "request", "errors": "error",
        "attributes": "attribute", "values": "value"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(el: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(ET.SubElement(el, k), v)
    elif isinstance(value, list):
        child = ITEM.get(el.tag, "item")
        for v in value:
            _fill(ET.SubElement(el, child), v)
    elif value is not None:
        el.text = _text(value)


def render(root: str, value: Any) -> bytes:
    el = ET.Element(root)
    _fill(el, value)
    return ET.tostring(el, encoding="utf-8", xml_declaration=True)

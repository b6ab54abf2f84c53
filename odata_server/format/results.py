"""What an operation returns, when not entities, as OData JSON (JSON Format §11, Protocol §10.16-10.19).

A primitive or enumeration value is ``{"@context": "...#Edm.String", "value": ...}``; a
complex value is the object of its properties after its context; a collection is
``{"@context": "...#Collection(...)", "value": [...]}``. A null single value has no
representation: the response is ``204 No Content``. Complex values may be dataclass
instances, dicts or any object with attributes named as the properties; enumeration
values are members of their ``Enum`` or member names.
"""

from __future__ import annotations

from typing import Any

from odata_server.edm.model import ComplexType, EdmType, EnumType, ReturnType
from odata_server.edm.types import PrimitiveType
from odata_server.format.context_url import context
from odata_server.format.negotiation import Negotiated
from odata_server.format.values import dumps, json_converter


def value_document(value: object, returned: ReturnType, negotiated: Negotiated, service_root: str) -> bytes | None:
    """The response body for ``value``; None for a null single value, which has none."""
    if value is None and not returned.collection:
        return None
    head = context(negotiated, service_root, returned.type_name)
    written = _form(value if value is not None else [], returned.type, returned.collection, negotiated)
    return dumps({**head, **written} if isinstance(written, dict) else {**head, "value": written})


def _form(value: object, edm_type: EdmType, collection: bool, negotiated: Negotiated) -> Any:
    if not collection or value is None:
        return json_form(value, edm_type, negotiated)
    if not isinstance(value, list | tuple):
        raise TypeError(f"a collection must be a list, not {value!r}")
    return [json_form(item, edm_type, negotiated) for item in value]


def json_form(value: object, edm_type: EdmType, negotiated: Negotiated) -> Any:
    """One value of ``edm_type`` as the Python data :func:`~odata_server.format.values.dumps` writes."""
    if value is None:
        return None
    if isinstance(edm_type, PrimitiveType | EnumType):
        convert = json_converter(edm_type, ieee754_compatible=negotiated.ieee754_compatible)
        return value if convert is None else convert(value)
    if isinstance(edm_type, ComplexType):
        return {
            name: _form(
                value.get(name) if isinstance(value, dict) else getattr(value, name, None),
                prop.type,
                prop.collection,
                negotiated,
            )
            for name, prop in edm_type.properties.items()
        }
    raise TypeError(f"no JSON form for values of {edm_type!r}")  # entities are read by the query path


__all__ = ["json_form", "value_document"]

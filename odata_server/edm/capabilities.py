"""The Capabilities annotations the framework advertises in ``$metadata``.

They describe what the server really does, so a generic client (Excel, Power BI,
Fiori) does not offer an operation that would fail. Each entry changes when the
feature lands; ``tests/test_capabilities.py`` checks the advertisement against the
server's answers.
"""

from __future__ import annotations

from odata_server.edm.annotations import Annotation, EnumMember, PropertyPath, Record
from odata_server.edm.model import ComplexType, EntityType
from odata_server.edm.types import INTEGER_RANGES, PrimitiveType

#: The ``$apply`` transformations the server runs.
APPLY_TRANSFORMATIONS = (
    "aggregate",
    "groupby",
    "filter",
    "compute",
    "orderby",
    "top",
    "skip",
    "search",
    "concat",
    "identity",
    "topcount",
    "bottomcount",
    "toppercent",
    "bottompercent",
    "topsum",
    "bottomsum",
)

#: Annotations on every entity set.
ENTITY_SET_CAPABILITIES: tuple[Annotation, ...] = (
    Annotation("Capabilities.InsertRestrictions", Record.of({"Insertable": True})),
    Annotation("Capabilities.UpdateRestrictions", Record.of({"Updatable": True, "DeltaUpdateSupported": True})),
    Annotation("Capabilities.DeleteRestrictions", Record.of({"Deletable": True})),
    Annotation("Capabilities.FilterRestrictions", Record.of({"Filterable": True})),
    Annotation("Capabilities.SortRestrictions", Record.of({"Sortable": True})),
    Annotation("Capabilities.SearchRestrictions", Record.of({"Searchable": True})),
    Annotation("Capabilities.ExpandRestrictions", Record.of({"Expandable": True})),
    Annotation("Capabilities.SelectSupport", Record.of({"Supported": True})),
    Annotation("Capabilities.CountRestrictions", Record.of({"Countable": True})),
    Annotation("Capabilities.TopSupported", True),
    Annotation("Capabilities.SkipSupported", True),
)

#: Annotations on the entity container.
CONTAINER_CAPABILITIES: tuple[Annotation, ...] = (
    Annotation("Capabilities.KeyAsSegmentSupported", True),
    Annotation("Capabilities.BatchSupported", True),
    # What $batch offers beyond the basics (the vocabulary's other members default to false).
    Annotation(
        "Capabilities.BatchSupport",
        Record.of(
            {
                "Supported": True,
                "ContinueOnErrorSupported": True,
                "ReferencesAcrossChangeSetsSupported": True,
                "EtagReferencesSupported": True,
            }
        ),
    ),
    Annotation("Capabilities.AsynchronousRequestsSupported", True),
    # $apply: the transformations it runs (Data Aggregation Extension 4.0); one rollup per groupby.
    Annotation(
        "Aggregation.ApplySupportedDefaults",
        Record.of(
            {
                "Transformations": APPLY_TRANSFORMATIONS,
                "Rollup": EnumMember("Aggregation.RollupType/SingleHierarchy"),
                "From": True,
            }
        ),
    ),
)

_NUMERIC = frozenset({*INTEGER_RANGES, PrimitiveType.DECIMAL, PrimitiveType.DOUBLE, PrimitiveType.SINGLE})


def apply_supported(entity_type: EntityType) -> Annotation:
    """``Aggregation.ApplySupported`` of an entity set: what ``$apply`` may group by and
    aggregate, with which methods (numbers all of them; other values min, max and
    countdistinct; binary values, complex values and collections nothing)."""
    properties = [
        prop
        for prop in entity_type.properties.values()
        if not prop.collection and not isinstance(prop.type, ComplexType) and prop.type is not PrimitiveType.BINARY
    ]
    aggregatable = tuple(
        Record.of(
            {
                "Property": PropertyPath(prop.name),
                "SupportedAggregationMethods": ("sum", "min", "max", "average", "countdistinct")
                if prop.type in _NUMERIC
                else ("min", "max", "countdistinct"),
            }
        )
        for prop in properties
    )
    return Annotation(
        "Aggregation.ApplySupported",
        Record.of(
            {
                "Transformations": APPLY_TRANSFORMATIONS,
                "Rollup": EnumMember("Aggregation.RollupType/SingleHierarchy"),
                "From": True,
                "GroupableProperties": tuple(PropertyPath(prop.name) for prop in properties),
                "AggregatableProperties": aggregatable,
            }
        ),
    )


__all__ = ["APPLY_TRANSFORMATIONS", "CONTAINER_CAPABILITIES", "ENTITY_SET_CAPABILITIES", "apply_supported"]

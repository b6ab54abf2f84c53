"""Semantic nodes: expressions bound to the model, each with its Edm type.

What ``$filter``, ``$orderby`` and ``$compute`` say once names are resolved and
types checked (odata.net's SemanticAst). ``query/`` compiles them to SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from odata_server.edm.model import EntityType, NavigationProperty, Property
from odata_server.edm.types import PrimitiveType


@dataclass(frozen=True, slots=True)
class ExprType:
    """The type of an expression: a primitive type, an entity type, or a collection of entities.

    Both ``primitive`` and ``entity_type`` are None for the type of ``null``.
    """

    primitive: PrimitiveType | None = None
    entity_type: EntityType | None = None
    collection: bool = False

    @property
    def is_null(self) -> bool:
        return self.primitive is None and self.entity_type is None

    def describe(self) -> str:
        if self.is_null:
            return "null"
        name = self.primitive.value if self.primitive else self.entity_type.qualified_name  # type: ignore[union-attr]
        return f"Collection({name})" if self.collection else name


NULL_TYPE = ExprType()
BOOLEAN = ExprType(PrimitiveType.BOOLEAN)


def primitive(edm_type: PrimitiveType) -> ExprType:
    return _PRIMITIVES[edm_type]


_PRIMITIVES = {edm_type: ExprType(edm_type) for edm_type in PrimitiveType}


@dataclass(frozen=True, slots=True)
class Constant:
    """A literal value, or a parameter alias's value, already converted to Python."""

    value: object
    type: ExprType


@dataclass(frozen=True, slots=True)
class TypeCast:
    """A type-cast step of a path (``NS.Flight/FlightNumber``): what follows is null unless the
    entity is of ``entity_type`` (or of a type derived from it)."""

    entity_type: EntityType


PathStep = NavigationProperty | TypeCast


@dataclass(frozen=True, slots=True)
class PropertyAccess:
    """A primitive property, reached from a range variable through single-valued navigation.

    ``variable`` is ``"$it"`` for the entity being filtered, or a lambda variable;
    ``navigation`` holds the single-valued navigation properties on the way
    (``Category/CategoryName``: ``(Category,)``), and the type casts among them
    (``NS.Flight/Airline/Name``: ``(TypeCast(Flight), Airline)``).
    """

    variable: str
    navigation: tuple[PathStep, ...]
    property: Property

    @property
    def type(self) -> ExprType:
        return primitive(self.property.type)


@dataclass(frozen=True, slots=True)
class EntityAccess:
    """A single-valued navigation path as a whole entity: only compared with ``null``.

    ``cast($it,NS.Flight)`` is one whose path is a type cast: null unless the entity is a flight."""

    variable: str
    navigation: tuple[PathStep, ...]
    type: ExprType


@dataclass(frozen=True, slots=True)
class CollectionCount:
    """``Orders/$count``: the number of entities of a collection-valued navigation path."""

    variable: str
    navigation: tuple[PathStep, ...]
    type: ExprType = primitive(PrimitiveType.INT64)


@dataclass(frozen=True, slots=True)
class Lambda:
    """``Orders/any(o: o/Freight gt 5)`` or ``all``; ``predicate`` None for ``any()``.

    ``PlanItems/NS.Flight/any(f: ...)`` ends its path with a type cast: only flights count."""

    operator: str
    variable: str
    outer_variable: str
    navigation: tuple[PathStep, ...]
    predicate: Node | None
    type: ExprType = BOOLEAN


@dataclass(frozen=True, slots=True)
class BinaryOperation:
    """``left operator right`` with operand types checked; ``type`` is the result's."""

    operator: str
    left: Node
    right: Node
    type: ExprType


@dataclass(frozen=True, slots=True)
class UnaryOperation:
    """``not`` or ``-``."""

    operator: str
    operand: Node
    type: ExprType


@dataclass(frozen=True, slots=True)
class InList:
    """``x in (a, b, c)``."""

    operand: Node
    items: tuple[Node, ...]
    type: ExprType = BOOLEAN


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A canonical function (URL Conventions §5.1.1.5-§5.1.1.12), lower-case name."""

    name: str
    arguments: tuple[Node, ...]
    type: ExprType


@dataclass(frozen=True, slots=True)
class Cast:
    """``cast(x, Edm.Type)`` to a primitive type."""

    operand: Node
    type: ExprType


@dataclass(frozen=True, slots=True)
class Case:
    """``case(c1:v1, c2:v2, true:v3)``."""

    branches: tuple[tuple[Node, Node], ...]
    type: ExprType


Node = Union[
    Constant,
    PropertyAccess,
    EntityAccess,
    CollectionCount,
    Lambda,
    BinaryOperation,
    UnaryOperation,
    InList,
    FunctionCall,
    Cast,
    Case,
]

__all__ = [
    "BOOLEAN",
    "NULL_TYPE",
    "PathStep",
    "BinaryOperation",
    "Case",
    "Cast",
    "CollectionCount",
    "Constant",
    "EntityAccess",
    "ExprType",
    "FunctionCall",
    "InList",
    "Lambda",
    "Node",
    "PropertyAccess",
    "TypeCast",
    "UnaryOperation",
    "primitive",
]

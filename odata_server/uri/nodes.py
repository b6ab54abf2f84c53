"""Semantic nodes: expressions bound to the model, each with its Edm type.

What ``$filter``, ``$orderby`` and ``$compute`` say once names are resolved and
types checked (odata.net's SemanticAst). ``query/`` compiles them to SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from odata_server.edm.model import ComplexType, EntityType, EnumType, NavigationProperty, Property
from odata_server.edm.types import PrimitiveType


@dataclass(frozen=True, slots=True)
class ExprType:
    """The type of an expression: primitive, enumeration, complex or entity, or a collection.

    All four are None for the type of ``null``.
    """

    primitive: PrimitiveType | None = None
    entity_type: EntityType | None = None
    collection: bool = False
    enum_type: EnumType | None = None
    complex_type: ComplexType | None = None

    @property
    def is_null(self) -> bool:
        return self.primitive is None and self.entity_type is None and self.enum_type is None and not self.complex_type

    def describe(self) -> str:
        if self.is_null:
            return "null"
        named = self.primitive or self.entity_type or self.enum_type or self.complex_type
        name = named.value if isinstance(named, PrimitiveType) else named.qualified_name  # type: ignore[union-attr]
        return f"Collection({name})" if self.collection else name


NULL_TYPE = ExprType()
BOOLEAN = ExprType(PrimitiveType.BOOLEAN)


def primitive(edm_type: PrimitiveType) -> ExprType:
    return _PRIMITIVES[edm_type]


def type_of(edm_type: PrimitiveType | EnumType | ComplexType, collection: bool = False) -> ExprType:
    """The expression type of a value of a property's type."""
    if isinstance(edm_type, PrimitiveType):
        return ExprType(edm_type, collection=True) if collection else _PRIMITIVES[edm_type]
    if isinstance(edm_type, EnumType):
        return ExprType(enum_type=edm_type, collection=collection)
    return ExprType(complex_type=edm_type, collection=collection)


_PRIMITIVES = {edm_type: ExprType(edm_type) for edm_type in PrimitiveType}


@dataclass(frozen=True, slots=True)
class Constant:
    """A literal value, or a parameter alias's value, already converted to Python.

    ``slot`` numbers a literal of a query shape (``uri/shapes.py``): its value is a
    parameter of the statements compiled from the node, so that queries of one shape
    share them. ``query/`` must compile such a constant as that parameter and never read
    its value in Python.
    """

    value: object
    type: ExprType
    slot: int | None = None


@dataclass(frozen=True, slots=True)
class TypeCast:
    """A type-cast step of a path (``NS.Flight/FlightNumber``): what follows is null unless the
    entity is of ``entity_type`` (or of a type derived from it)."""

    entity_type: EntityType


PathStep = NavigationProperty | TypeCast


@dataclass(frozen=True, slots=True)
class PropertyAccess:
    """A structural property, reached from a range variable through single-valued navigation.

    ``variable`` is ``"$it"`` for the entity being filtered, or a lambda variable;
    ``navigation`` holds the single-valued navigation properties on the way
    (``Category/CategoryName``: ``(Category,)``), and the type casts among them
    (``NS.Flight/Airline/Name``: ``(TypeCast(Flight), Airline)``); ``members`` the
    properties inside a complex ``property`` (``HomeAddress/City/Region``: ``(City, Region)``).
    """

    variable: str
    navigation: tuple[PathStep, ...]
    property: Property
    members: tuple[Property, ...] = ()

    @property
    def leaf(self) -> Property:
        """The property whose value the path reaches."""
        return self.members[-1] if self.members else self.property

    @property
    def type(self) -> ExprType:
        leaf = self.leaf
        return type_of(leaf.type, leaf.collection)


@dataclass(frozen=True, slots=True)
class ElementAccess:
    """An element of a collection-valued structural property inside a lambda
    (``Emails/any(e: endswith(e, '.com'))``: ``e``; ``AddressInfo/any(a: a/City/Name eq 'Boise')``:
    ``a`` with members ``(City, Name)``)."""

    variable: str
    element: Property
    """The collection property whose elements ``variable`` ranges over."""
    members: tuple[Property, ...] = ()

    @property
    def type(self) -> ExprType:
        if self.members:
            return type_of(self.members[-1].type, self.members[-1].collection)
        return type_of(self.element.type)


@dataclass(frozen=True, slots=True)
class EntityAccess:
    """A single-valued navigation path as a whole entity: only compared with ``null``.

    ``cast($it,NS.Flight)`` is one whose path is a type cast: null unless the entity is a flight."""

    variable: str
    navigation: tuple[PathStep, ...]
    type: ExprType


@dataclass(frozen=True, slots=True)
class CollectionCount:
    """``Orders/$count``: the number of entities of a collection-valued navigation path.

    ``filters`` are the predicates of its ``$filter(...)`` segments, over the entities as ``$this``."""

    variable: str
    navigation: tuple[PathStep, ...]
    filters: tuple[Node, ...] = ()
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
    filters: tuple[Node, ...] = ()
    """Predicates of ``$filter(...)`` segments before it, over the entities as ``$this``."""
    type: ExprType = BOOLEAN


@dataclass(frozen=True, slots=True)
class ValueCount:
    """``Emails/$count``: the number of elements of a collection-valued structural property."""

    collection: PropertyAccess
    type: ExprType = primitive(PrimitiveType.INT64)


@dataclass(frozen=True, slots=True)
class ValueLambda:
    """``Emails/any(e: ...)`` or ``all`` over a collection-valued structural property;
    ``predicate`` None for ``any()``."""

    operator: str
    variable: str
    collection: PropertyAccess
    predicate: Node | None
    type: ExprType = BOOLEAN


@dataclass(frozen=True, slots=True)
class RootValue:
    """``$root/Products(1)/UnitPrice``: a value reached from one entity of an entity set, named
    by its key, whichever entity ``$it`` is (URL Conventions §5.1.1.14.5).

    ``value`` is the path after the key, bound against the range variable ``"$root"``,
    which stands for that entity; ``key`` gives each key property its constant. Null
    when no entity has the key."""

    entity_type: EntityType
    key: tuple[tuple[Property, Constant], ...]
    value: Node

    @property
    def type(self) -> ExprType:
        return self.value.type


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
    ElementAccess,
    EntityAccess,
    CollectionCount,
    Lambda,
    ValueLambda,
    ValueCount,
    RootValue,
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
    "ElementAccess",
    "EntityAccess",
    "ExprType",
    "FunctionCall",
    "InList",
    "Lambda",
    "Node",
    "PropertyAccess",
    "RootValue",
    "TypeCast",
    "UnaryOperation",
    "ValueCount",
    "ValueLambda",
    "primitive",
    "type_of",
]

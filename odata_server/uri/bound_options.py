"""System query options bound to the model: what to filter, sort, page, select and expand.

The same binding serves the options of a request and those nested in a ``$expand``
item (``Orders($filter=...;$select=...;$expand=...)``), so an expanded collection
accepts everything a top-level one does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from odata_server.edm.model import (
    ComplexType,
    ContainerKey,
    EntitySet,
    EntityType,
    Model,
    NavigationProperty,
    NavigationSource,
    Property,
    declared_properties,
    frozen_mapping,
)
from odata_server.edm.types import PrimitiveType
from odata_server.errors import BadRequestError, FeatureNotImplementedError
from odata_server.uri import apply, syntax
from odata_server.uri.expressions import ExpressionBinder
from odata_server.uri.nodes import Node
from odata_server.uri.options import QueryOptions
from odata_server.uri.parser import parse


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may ask for; each exceeded limit is a 400 naming the option."""

    max_top: int
    max_expression_nodes: int
    max_expand_depth: int
    max_expand_width: int


@dataclass(frozen=True, slots=True)
class OrderBy:
    expression: Node
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Computed:
    """A property defined by ``$compute=<expression> as <alias>``."""

    alias: str
    expression: Node

    @property
    def name(self) -> str:
        return self.alias

    @property
    def property(self) -> Property:
        """The computed value as a property, for writing it (its type is the expression's)."""
        return Property(self.alias, self.expression.type.primitive or PrimitiveType.STRING)


@dataclass(frozen=True, slots=True)
class DerivedProperty:
    """A property of the entities of a type derived from the addressed one: written only for
    entities of ``entity_type`` (or of types derived from it). ``$select=NS.Flight/FlightNumber``
    selects one; without ``$select`` every property of every derived type is one."""

    entity_type: EntityType
    property: Property

    @property
    def name(self) -> str:
        return self.property.name


@dataclass(frozen=True, slots=True)
class EntityTypeName:
    """Not a property: the qualified name of each entity's type, read with the fields of
    entities whose type has derived types (for ``@odata.type``, and to write the properties
    of each entity's own type)."""


ENTITY_TYPE_NAME = EntityTypeName()

Field = Property | Computed | ContainerKey | DerivedProperty | EntityTypeName
"""What a row holds for each entity: properties, computed values, the keys of a
contained entity's containers (for its canonical URL), properties of derived types, and
each entity's type."""


@dataclass(frozen=True, slots=True, eq=False)
class Expand:
    """One ``$expand`` item: a navigation property, its target set, and its own options.

    ``entity_type`` is the type of the related entities: the navigation property's target
    type, or the type a cast after it names (``PlanItems/NS.Flight``: only flights).
    ``source_type`` is the type a cast before it names (``NS.Flight/Airline``): only
    entities of that type have the navigation property, and are expanded.
    ``ref`` is ``Nav/$ref`` (ids only); ``count_only`` is ``Nav/$count`` (a number only);
    ``source`` is the nested options as written, for the ``@nextLink`` of a long collection.

    An Expand equals only itself: the plan cache keys the statements of an expansion by
    the Expand, which keeps it alive for as long as they are kept.
    """

    navigation: NavigationProperty
    entity_set: EntitySet
    options: BoundOptions
    entity_type: EntityType
    source_type: EntityType | None = None
    ref: bool = False
    count_only: bool = False
    source: syntax.NestedOptions = syntax.NestedOptions()


@dataclass(frozen=True, slots=True)
class Applied:
    """``$apply`` with the options that apply to its result: ``steps`` are its
    transformations, then ``$filter`` and ``$orderby`` bound against its output;
    ``select`` the output properties ``$select`` keeps (None for all)."""

    steps: tuple[apply.Step, ...]
    shape: apply.Shape
    select: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class BoundOptions:
    """The options shaping a collection or entity, bound to its entity set.

    ``select`` is None when every property is wanted: those of the addressed type, those
    of its derived types (``derived``) and the computed ones; ``streams`` are the stream
    properties ``$select`` names (they have no value to select, only control information).
    """

    filter: Node | None = None
    orderby: tuple[OrderBy, ...] = ()
    top: int | None = None
    skip: int | None = None
    count: bool = False
    skiptoken: str | None = None
    select: tuple[Field, ...] | None = None
    expand: tuple[Expand, ...] = ()
    search: syntax.SearchExpr | None = None
    compute: tuple[Computed, ...] = ()
    apply: Applied | None = None
    streams: tuple[str, ...] = ()
    derived: tuple[DerivedProperty, ...] = ()

    def shown(self, entity_type: EntityType) -> tuple[Field, ...]:
        """The properties written for each entity of ``entity_type`` (the type the options are
        bound to): the selected ones, or all (of derived types and computed ones too)."""
        if self.select is None:
            return (*entity_type.properties.values(), *self.derived, *self.compute)
        return self.select

    def shown_streams(self, entity_type: EntityType) -> tuple[str, ...]:
        """The stream properties written for each entity: the selected ones, or all."""
        return tuple(entity_type.streams) if self.select is None else self.streams


def bind_options(
    options: QueryOptions,
    model: Model,
    entity_set: NavigationSource,
    limits: Limits,
    entity_type: EntityType | None = None,
    filter_slots: Mapping[int, tuple[int, syntax.Literal]] | None = None,
) -> BoundOptions:
    """Parse and bind the system query options of a request to the entities of ``entity_set``
    it addresses, of ``entity_type`` (the set's, or a type derived from it after a type cast).
    ``filter_slots`` are the literals of the shape of ``$filter`` (``uri/shapes.py``).

    Raises:
        BadRequestError: a syntax or type error, or a limit exceeded; the target
            names the option.
    """
    system = options.system
    entity_type = entity_type or entity_set.entity_type

    def parsed(option: str) -> object:
        return parse(system[option], option, where=f"${option}") if option in system else None

    if "apply" in system:
        if entity_type is not entity_set.entity_type:
            raise FeatureNotImplementedError("$apply after a type cast is not supported yet", target="$apply")
        return _bind_applied(options, model, entity_set, limits, parsed)  # type: ignore[arg-type]

    nested = syntax.NestedOptions(
        filter=parsed("filter"),  # type: ignore[arg-type]
        orderby=parsed("orderby"),  # type: ignore[arg-type]
        select=parsed("select"),  # type: ignore[arg-type]
        expand=parsed("expand"),  # type: ignore[arg-type]
        top=_non_negative(system, "top"),
        skip=_non_negative(system, "skip"),
        count=_boolean(system, "count"),
        search=parsed("search"),  # type: ignore[arg-type]
        compute=parsed("compute"),  # type: ignore[arg-type]
    )
    bound = _Binder(model, options.aliases, limits, filter_slots).bind(nested, entity_set, entity_type, depth=0)
    return replace(bound, skiptoken=system.get("skiptoken"))


class _Binder:
    def __init__(
        self,
        model: Model,
        aliases: Mapping[str, str],
        limits: Limits,
        filter_slots: Mapping[int, tuple[int, syntax.Literal]] | None = None,
    ) -> None:
        self.model = model
        self.aliases = aliases
        self.limits = limits
        self.filter_slots = filter_slots

    def expressions(
        self,
        entity_type: EntityType,
        option: str,
        computed: tuple[Computed, ...] = (),
        slots: Mapping[int, tuple[int, syntax.Literal]] | None = None,
    ) -> ExpressionBinder:
        return ExpressionBinder(
            self.model,
            entity_type,
            self.aliases,
            option=option,
            max_nodes=self.limits.max_expression_nodes,
            computed={item.alias: item.expression for item in computed},
            slots=slots,
        )

    def compute(self, items: tuple[syntax.ComputeItem, ...] | None, entity_type: EntityType) -> tuple[Computed, ...]:
        """Each alias is bound in order, so a later item may use an earlier one."""
        computed: list[Computed] = []
        for item in items or ():
            taken = {*entity_type.properties, *entity_type.streams, *entity_type.navigation_properties}
            if item.alias in taken or any(c.alias == item.alias for c in computed):
                raise BadRequestError(f"$compute alias {item.alias} is already a property name", target="$compute")
            node = self.expressions(entity_type, "$compute", tuple(computed)).bind(item.expression)
            if node.type.primitive is None:
                raise BadRequestError(f"$compute {item.alias} must compute a value, not null", target="$compute")
            computed.append(Computed(item.alias, node))
        return tuple(computed)

    def bind(
        self, nested: syntax.NestedOptions, entity_set: NavigationSource, entity_type: EntityType, depth: int
    ) -> BoundOptions:
        _check_top(nested.top, self.limits)
        computed = self.compute(nested.compute, entity_type)
        filter_node = None
        if nested.filter is not None:
            slots = self.filter_slots if depth == 0 else None  # the shape is of the request's own $filter
            filter_node = self.expressions(entity_type, "$filter", computed, slots).bind_boolean(nested.filter)
        orderby = tuple(
            OrderBy(self.expressions(entity_type, "$orderby", computed).bind(item.expression), item.descending)
            for item in nested.orderby or ()
        )
        select, streams = self.select(nested.select, entity_type, computed)
        return BoundOptions(
            filter=filter_node,
            orderby=orderby,
            top=nested.top,
            skip=nested.skip,
            count=bool(nested.count),
            select=select,
            expand=self.expand(nested.expand or (), entity_set, entity_type, depth),
            search=nested.search,
            compute=computed,
            streams=streams,
            derived=self._derived_properties(entity_type),
        )

    def _derived_properties(self, entity_type: EntityType) -> tuple[DerivedProperty, ...]:
        """The properties the types derived from ``entity_type`` declare, base types first."""
        found = []
        for derived in self.model.derived_types(entity_type):
            base = self.model.entity_types[derived.base_type] if derived.base_type else None
            properties, _ = declared_properties(derived, base)
            found += [DerivedProperty(derived, prop) for prop in properties]
        return tuple(found)

    def select(
        self, items: tuple[syntax.SelectItem, ...] | None, entity_type: EntityType, computed: tuple[Computed, ...]
    ) -> tuple[tuple[Field, ...] | None, tuple[str, ...]]:
        """The selected properties, in entity type order, then those of derived types
        (``NS.Flight/FlightNumber``), then the selected computed ones (None for all); and the
        selected stream properties."""
        if items is None:
            return None, ()
        chosen: set[str] = set()
        chosen_derived: set[tuple[str, str]] = set()
        members: dict[str, list[tuple[str, ...]]] = {}
        every = False
        for item in items:
            name = item.path[0]
            if item.path == ("*",):
                every = True
                continue
            if len(item.path) == 2 and "." in name:
                cast = self._type_cast(name, entity_type, "$select")
                owner = cast or entity_type
                member = item.path[1]
                if member in owner.properties and item.options is None:
                    if cast is None:
                        chosen.add(member)
                    else:
                        chosen_derived.add((cast.qualified_name, member))
                elif member not in owner.navigation_properties:
                    raise BadRequestError(
                        f"Entity type {owner.name} has no property {member!r}", target="$select", code="UnknownProperty"
                    )
                continue
            if "." in name:
                raise FeatureNotImplementedError(
                    f"Selecting {'/'.join(item.path)} (a type cast or operation) is not supported yet",
                    target="$select",
                )
            if len(item.path) > 1:
                prop = entity_type.properties.get(name)
                if prop is None or not isinstance(prop.type, ComplexType):
                    raise BadRequestError(
                        f"{'/'.join(item.path)}: only the properties of a complex property can be selected by a path",
                        target="$select",
                    )
                members.setdefault(name, []).append(item.path[1:])
                continue
            if item.options is not None:
                raise BadRequestError(f"{name} is not a collection; it takes no options in $select", target="$select")
            if name in entity_type.properties or name in entity_type.streams or any(c.alias == name for c in computed):
                chosen.add(name)
            elif name not in entity_type.navigation_properties:
                raise BadRequestError(
                    f"Entity type {entity_type.name} has no property {name!r}", target="$select", code="UnknownProperty"
                )
        if every:
            return None, ()
        properties = [
            _selected_members(prop, members[name]) if name in members and name not in chosen else prop
            for name, prop in entity_type.properties.items()
            if name in chosen or name in members
        ]
        derived = [
            DerivedProperty(derived_type, derived_type.properties[name])
            for derived_type in self.model.derived_types(entity_type)
            for name in derived_type.properties
            if (derived_type.qualified_name, name) in chosen_derived
        ]
        streams = tuple(name for name in entity_type.streams if name in chosen)
        return (*properties, *derived, *(item for item in computed if item.alias in chosen)), streams

    def _type_cast(self, name: str, entity_type: EntityType, option: str) -> EntityType | None:
        """The type derived from ``entity_type`` a path of ``$select`` or ``$expand`` casts to
        (None for a cast to the type itself or a base type of it)."""
        target = self.model.entity_types.get(name)
        if target is None:
            raise BadRequestError(f"{name} is not an entity type of this service", target=option, code="UnknownType")
        if entity_type.qualified_name in self.model.lineage(target):
            return None if target is entity_type else target
        if name in self.model.lineage(entity_type):
            return None
        raise BadRequestError(
            f"{name} is not derived from {entity_type.qualified_name}", target=option, code="InvalidTypeCast"
        )

    def expand(
        self, items: tuple[syntax.ExpandItem, ...], entity_set: NavigationSource, entity_type: EntityType, depth: int
    ) -> tuple[Expand, ...]:
        if not items:
            return ()
        if depth >= self.limits.max_expand_depth:
            raise BadRequestError(
                f"$expand may nest at most {self.limits.max_expand_depth} levels on this service", target="$expand"
            )
        expanded: dict[tuple[str, str], Expand] = {}
        for item in items:
            path = item.path
            source = None
            if len(path) > 1 and "." in path[0]:
                source = self._type_cast(path[0], entity_type, "$expand")
                path = path[1:]
            target_cast = None
            if len(path) == 2 and "." in path[1] and path[0] != "*":
                target_cast = path[1]
                path = path[:1]
            if path == ("$value",) or len(path) > 1 or "." in path[0]:
                raise FeatureNotImplementedError(
                    f"Expanding {'/'.join(item.path)} (a stream, path or operation) is not supported yet",
                    target="$expand",
                )
            name = path[0]
            owner = source or entity_type
            if name == "*":
                if source is not None:
                    raise FeatureNotImplementedError(
                        "Expanding * after a type cast is not supported yet", target="$expand"
                    )
                navigations = list(owner.navigation_properties.values())
            else:
                navigations = [self._navigation(owner, name)]
            for navigation in navigations:
                slot = (owner.qualified_name, navigation.name)
                if slot in expanded and name != "*":
                    raise BadRequestError(f"{navigation.name} is expanded twice", target="$expand")
                if slot not in expanded:
                    expanded[slot] = self._expand_item(item, entity_set, navigation, source, target_cast, depth)
        if len(expanded) > self.limits.max_expand_width:
            raise BadRequestError(
                f"$expand may name at most {self.limits.max_expand_width} navigation properties per level "
                "on this service",
                target="$expand",
            )
        return tuple(expanded.values())

    def _navigation(self, entity_type: EntityType, name: str) -> NavigationProperty:
        navigation = entity_type.navigation_properties.get(name)
        if navigation is None:
            if name in entity_type.streams:
                raise FeatureNotImplementedError(
                    f"Expanding the stream property {name} (its value inline) is not supported; read it at its URL",
                    target="$expand",
                )
            if name in entity_type.properties:
                raise BadRequestError(f"{name} is not a navigation property; it cannot be expanded", target="$expand")
            raise BadRequestError(
                f"Entity type {entity_type.name} has no navigation property {name!r}",
                target="$expand",
                code="UnknownProperty",
            )
        return navigation

    def _expand_item(
        self,
        item: syntax.ExpandItem,
        entity_set: NavigationSource,
        navigation: NavigationProperty,
        source: EntityType | None,
        target_cast: str | None,
        depth: int,
    ) -> Expand:
        target = self.model.navigation_target_set(entity_set, navigation)
        target_type = self.model.entity_type(navigation.target_type)
        if target_cast is not None:
            target_type = self._type_cast(target_cast, target_type, "$expand") or target_type
        nested = item.options
        levels = nested.levels
        if levels is not None:
            # $levels=n expands the same navigation property n levels deep (URL Conventions §5.1.3).
            levels = self.limits.max_expand_depth - depth if levels == "max" else int(levels)
            if levels < 1:
                raise BadRequestError("$levels must be at least 1", target="$levels")
            deeper = replace(item, options=replace(nested, levels=levels - 1)) if levels > 1 else None
            nested = replace(nested, levels=None, expand=(*(nested.expand or ()), *((deeper,) if deeper else ())))
        if not navigation.collection and any(
            value is not None
            for value in (nested.filter, nested.orderby, nested.top, nested.skip, nested.count, nested.search)
        ):
            raise BadRequestError(
                f"{navigation.name} is single-valued; $filter, $orderby, $top, $skip and $count apply to collections",
                target="$expand",
            )
        if item.count and not navigation.collection:
            raise BadRequestError(f"{navigation.name} is single-valued; it has no $count", target="$expand")
        options = self.bind(nested, target, target_type, depth + 1)
        return Expand(
            navigation,
            target,  # type: ignore[arg-type]
            options,
            target_type,
            source_type=source,
            ref=item.ref,
            count_only=item.count,
            source=nested,
        )


def _selected_members(prop: Property, paths: list[tuple[str, ...]]) -> Property:
    """``prop`` with a partial complex type holding only the members ``paths`` select
    (``$select=HomeAddress/City/Name``)."""
    complex_type = prop.type
    assert isinstance(complex_type, ComplexType)
    # Member name → the paths selected inside it; an empty list selects the whole member.
    wanted: dict[str, list[tuple[str, ...]]] = {}
    whole: set[str] = set()
    for path in paths:
        member = complex_type.properties.get(path[0])
        if member is None:
            raise BadRequestError(
                f"Complex type {complex_type.name} has no property {path[0]!r}",
                target="$select",
                code="UnknownProperty",
            )
        if len(path) > 1 and not isinstance(member.type, ComplexType):
            raise BadRequestError(f"{member.name} is not complex; nothing can follow it in $select", target="$select")
        wanted.setdefault(path[0], [])
        if len(path) > 1:
            wanted[path[0]].append(path[1:])
        else:
            whole.add(path[0])
    selected = {
        name: _selected_members(member, wanted[name]) if wanted[name] and name not in whole else member
        for name, member in complex_type.properties.items()
        if name in wanted
    }
    return replace(prop, type=replace(complex_type, properties=frozen_mapping(selected), partial=True))


def _bind_applied(
    options: QueryOptions, model: Model, entity_set: EntitySet, limits: Limits, parsed: Callable[[str], object]
) -> BoundOptions:
    """``$apply``, then ``$filter``, ``$orderby``, ``$skip``, ``$top``, ``$count`` and
    ``$select`` on its output (Data Aggregation §3.1)."""
    system = options.system
    for option in ("compute", "search", "skiptoken"):
        if option in system:
            raise FeatureNotImplementedError(f"${option} together with $apply is not supported", target=f"${option}")
    binder = apply.ApplyBinder(model, entity_set, options.aliases, limits.max_expression_nodes)
    steps = binder.bind(parsed("apply"))  # type: ignore[arg-type]
    if model.derived_types(entity_set.entity_type) and _keeps_entities(steps, apply.Shape(entity_set.entity_type)):
        raise FeatureNotImplementedError(
            f"$apply results that keep entities of {entity_set.name}, whose type has derived types, are not "
            "supported yet; aggregate them, or use $filter",
            target="$apply",
        )
    shape = apply.output_shape(steps, apply.Shape(entity_set.entity_type))
    expand: tuple[Expand, ...] = ()
    if "expand" in system:
        # The entities $apply keeps (filter, top, ...) expand as any; aggregated instances have no navigation.
        if shape.aggregated or any(isinstance(step, apply.Concat) for step in steps):
            raise FeatureNotImplementedError(
                "$expand of aggregated instances is not supported; it expands the entities $apply keeps",
                target="$expand",
            )
        expand = _Binder(model, options.aliases, limits).expand(
            parsed("expand"),  # type: ignore[arg-type]
            entity_set,
            entity_set.entity_type,
            depth=0,
        )
    after = binder.after(shape, filter=parsed("filter"), orderby=parsed("orderby"))  # type: ignore[arg-type]
    top = _non_negative(system, "top")
    if top is not None and top > limits.max_top:
        raise BadRequestError(f"$top may be at most {limits.max_top} on this service, not {top}", target="$top")
    select = _applied_select(parsed("select"), shape)  # type: ignore[arg-type]
    return BoundOptions(
        top=top,
        skip=_non_negative(system, "skip"),
        count=_boolean(system, "count"),
        expand=expand,
        apply=Applied((*steps, *after), shape, select),
    )


def _keeps_entities(steps: tuple[apply.Step, ...], shape: apply.Shape) -> bool:
    """Whether the result of ``steps`` holds entities (not aggregated instances), in whole or in a
    ``concat`` branch."""
    for step in steps:
        if isinstance(step, apply.Concat) and any(_keeps_entities(branch, shape) for branch in step.branches):
            return True
        shape = step.shape
    return not shape.aggregated


def _applied_select(items: tuple[syntax.SelectItem, ...] | None, shape: apply.Shape) -> tuple[str, ...] | None:
    if items is None or any(item.path == ("*",) for item in items):
        return None
    chosen = []
    for item in items:
        name = "/".join(item.path)
        if name not in shape.names and not any(known.startswith(f"{name}/") for known in shape.names):
            raise BadRequestError(f"The result of $apply has no property {name!r}", target="$select")
        chosen.append(name)
    return tuple(known for known in shape.names if known in chosen or any(known.startswith(f"{c}/") for c in chosen))


_LARGEST = 2**63 - 1  # what a database's LIMIT and OFFSET take


def page_options(system: Mapping[str, str], limits: Limits) -> tuple[int | None, int | None, str | None]:
    """``$top``, ``$skip`` and ``$skiptoken`` of a request, checked: which entities of the
    collection it asks for. Every page of one query shares the rest of its bound options."""
    top = _non_negative(system, "top")
    _check_top(top, limits)
    return top, _non_negative(system, "skip"), system.get("skiptoken")


def _check_top(top: int | None, limits: Limits) -> None:
    if top is not None and top > limits.max_top:
        raise BadRequestError(f"$top may be at most {limits.max_top} on this service, not {top}", target="$top")


def _non_negative(system: Mapping[str, str], option: str) -> int | None:
    text = system.get(option)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > _LARGEST:
        raise BadRequestError(
            f"${option} must be a non-negative integer up to {_LARGEST}, not {text!r}", target=f"${option}"
        )
    return int(text)


def _boolean(system: Mapping[str, str], option: str) -> bool:
    text = system.get(option)
    if text is None:
        return False
    if text.lower() not in ("true", "false"):
        raise BadRequestError(f"${option} must be true or false, not {text!r}", target=f"${option}")
    return text.lower() == "true"


__all__ = [
    "ENTITY_TYPE_NAME",
    "Applied",
    "BoundOptions",
    "Computed",
    "DerivedProperty",
    "EntityTypeName",
    "Expand",
    "Field",
    "Limits",
    "OrderBy",
    "bind_options",
]

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
    Model,
    NavigationProperty,
    Property,
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


Field = Property | Computed | ContainerKey
"""What a row holds for each entity: properties, computed values, and the keys of a
contained entity's containers (for its canonical URL)."""


@dataclass(frozen=True, slots=True)
class Expand:
    """One ``$expand`` item: a navigation property, its target set, and its own options.

    ``ref`` is ``Nav/$ref`` (ids only); ``count_only`` is ``Nav/$count`` (a number only);
    ``source`` is the nested options as written, for the ``@nextLink`` of a long collection.
    """

    navigation: NavigationProperty
    entity_set: EntitySet
    options: BoundOptions
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

    ``select`` is None when every property is wanted.
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

    def shown(self, entity_set: EntitySet) -> tuple[Field, ...]:
        """The properties written for each entity: the selected ones, or all (computed ones too)."""
        if self.select is None:
            return (*entity_set.entity_type.properties.values(), *self.compute)
        return self.select


def bind_options(options: QueryOptions, model: Model, entity_set: EntitySet, limits: Limits) -> BoundOptions:
    """Parse and bind the system query options of a request.

    Raises:
        BadRequestError: a syntax or type error, or a limit exceeded; the target
            names the option.
    """
    system = options.system

    def parsed(option: str) -> object:
        return parse(system[option], option, where=f"${option}") if option in system else None

    if "apply" in system:
        return _bind_applied(options, model, entity_set, limits, parsed)

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
    bound = _Binder(model, options.aliases, limits).bind(nested, entity_set, depth=0)
    return replace(bound, skiptoken=system.get("skiptoken"))


class _Binder:
    def __init__(self, model: Model, aliases: Mapping[str, str], limits: Limits) -> None:
        self.model = model
        self.aliases = aliases
        self.limits = limits

    def expressions(self, entity_set: EntitySet, option: str, computed: tuple[Computed, ...] = ()) -> ExpressionBinder:
        return ExpressionBinder(
            self.model,
            entity_set.entity_type,
            self.aliases,
            option=option,
            max_nodes=self.limits.max_expression_nodes,
            computed={item.alias: item.expression for item in computed},
        )

    def compute(self, items: tuple[syntax.ComputeItem, ...] | None, entity_set: EntitySet) -> tuple[Computed, ...]:
        """Each alias is bound in order, so a later item may use an earlier one."""
        computed: list[Computed] = []
        for item in items or ():
            taken = {*entity_set.entity_type.properties, *entity_set.entity_type.navigation_properties}
            if item.alias in taken or any(c.alias == item.alias for c in computed):
                raise BadRequestError(f"$compute alias {item.alias} is already a property name", target="$compute")
            node = self.expressions(entity_set, "$compute", tuple(computed)).bind(item.expression)
            if node.type.primitive is None:
                raise BadRequestError(f"$compute {item.alias} must compute a value, not null", target="$compute")
            computed.append(Computed(item.alias, node))
        return tuple(computed)

    def bind(self, nested: syntax.NestedOptions, entity_set: EntitySet, depth: int) -> BoundOptions:
        if nested.top is not None and nested.top > self.limits.max_top:
            raise BadRequestError(
                f"$top may be at most {self.limits.max_top} on this service, not {nested.top}", target="$top"
            )
        computed = self.compute(nested.compute, entity_set)
        filter_node = None
        if nested.filter is not None:
            filter_node = self.expressions(entity_set, "$filter", computed).bind_boolean(nested.filter)
        orderby = tuple(
            OrderBy(self.expressions(entity_set, "$orderby", computed).bind(item.expression), item.descending)
            for item in nested.orderby or ()
        )
        return BoundOptions(
            filter=filter_node,
            orderby=orderby,
            top=nested.top,
            skip=nested.skip,
            count=bool(nested.count),
            select=self.select(nested.select, entity_set, computed),
            expand=self.expand(nested.expand or (), entity_set, depth),
            search=nested.search,
            compute=computed,
        )

    def select(
        self, items: tuple[syntax.SelectItem, ...] | None, entity_set: EntitySet, computed: tuple[Computed, ...]
    ) -> tuple[Field, ...] | None:
        """The selected properties, in entity type order, then the selected computed ones; None for all."""
        if items is None:
            return None
        entity_type = entity_set.entity_type
        chosen: set[str] = set()
        members: dict[str, list[tuple[str, ...]]] = {}
        every = False
        for item in items:
            name = item.path[0]
            if item.path == ("*",):
                every = True
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
            if name in entity_type.properties or any(item.alias == name for item in computed):
                chosen.add(name)
            elif name not in entity_type.navigation_properties:
                raise BadRequestError(
                    f"Entity type {entity_type.name} has no property {name!r}", target="$select", code="UnknownProperty"
                )
        if every:
            return None
        properties = [
            _selected_members(prop, members[name]) if name in members and name not in chosen else prop
            for name, prop in entity_type.properties.items()
            if name in chosen or name in members
        ]
        return (*properties, *(item for item in computed if item.alias in chosen))

    def expand(self, items: tuple[syntax.ExpandItem, ...], entity_set: EntitySet, depth: int) -> tuple[Expand, ...]:
        if not items:
            return ()
        if depth >= self.limits.max_expand_depth:
            raise BadRequestError(
                f"$expand may nest at most {self.limits.max_expand_depth} levels on this service", target="$expand"
            )
        entity_type = entity_set.entity_type
        expanded: dict[str, Expand] = {}
        for item in items:
            if item.path == ("$value",) or len(item.path) > 1 or "." in item.path[0]:
                raise FeatureNotImplementedError(
                    f"Expanding {'/'.join(item.path)} (a stream, type cast or path) is not supported yet",
                    target="$expand",
                )
            name = item.path[0]
            navigations = (
                list(entity_type.navigation_properties.values())
                if name == "*"
                else [self._navigation(entity_set, name)]
            )
            for navigation in navigations:
                if navigation.name in expanded and name != "*":
                    raise BadRequestError(f"{navigation.name} is expanded twice", target="$expand")
                expanded.setdefault(navigation.name, self._expand_item(item, entity_set, navigation, depth))
        if len(expanded) > self.limits.max_expand_width:
            raise BadRequestError(
                f"$expand may name at most {self.limits.max_expand_width} navigation properties per level "
                "on this service",
                target="$expand",
            )
        return tuple(expanded.values())

    def _navigation(self, entity_set: EntitySet, name: str) -> NavigationProperty:
        navigation = entity_set.entity_type.navigation_properties.get(name)
        if navigation is None:
            if name in entity_set.entity_type.properties:
                raise BadRequestError(f"{name} is not a navigation property; it cannot be expanded", target="$expand")
            raise BadRequestError(
                f"Entity type {entity_set.entity_type.name} has no navigation property {name!r}",
                target="$expand",
                code="UnknownProperty",
            )
        return navigation

    def _expand_item(
        self, item: syntax.ExpandItem, entity_set: EntitySet, navigation: NavigationProperty, depth: int
    ) -> Expand:
        target = self.model.navigation_target_set(entity_set, navigation)
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
        options = self.bind(nested, target, depth + 1)
        return Expand(navigation, target, options, ref=item.ref, count_only=item.count, source=nested)


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
    shape = apply.output_shape(steps, apply.Shape(entity_set.entity_type))
    expand: tuple[Expand, ...] = ()
    if "expand" in system:
        # The entities $apply keeps (filter, top, ...) expand as any; aggregated instances have no navigation.
        if shape.aggregated or any(isinstance(step, apply.Concat) for step in steps):
            raise FeatureNotImplementedError(
                "$expand of aggregated instances is not supported; it expands the entities $apply keeps",
                target="$expand",
            )
        expand = _Binder(model, options.aliases, limits).expand(parsed("expand"), entity_set, depth=0)  # type: ignore[arg-type]
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


__all__ = ["Applied", "BoundOptions", "Computed", "Expand", "Field", "Limits", "OrderBy", "bind_options"]

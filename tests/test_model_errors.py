"""Models the framework cannot express fail at start-up, naming the class and attribute."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from odata_server import ModelError, ODataService


class Base(DeclarativeBase):
    pass


class WithJson(Base):
    __tablename__ = "with_json"
    id: Mapped[int] = mapped_column(primary_key=True)
    settings: Mapped[dict[str, object]] = mapped_column(sa.JSON)


class WithPickle(Base):
    __tablename__ = "with_pickle"
    id: Mapped[int] = mapped_column(primary_key=True)
    blob: Mapped[object] = mapped_column(sa.PickleType)


class FloatKey(Base):
    __tablename__ = "float_key"
    id: Mapped[float] = mapped_column(sa.Float, primary_key=True)


class Person(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))


class NotMapped:
    pass


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda s: s.add(WithJson), "WithJson.settings: column type JSON() has no OData equivalent"),
        (lambda s: s.add(WithPickle), "WithPickle.blob: PickleType"),
        (lambda s: s.add(FloatKey), "FloatKey: key property 'id' has type Edm.Double, which cannot be a key"),
        (lambda s: s.add(NotMapped), "NotMapped is not a SQLAlchemy mapped class"),
        (lambda s: s.add(Person, name="Bad Name"), "entity set name of Person is not an OData identifier"),
        (
            lambda s: s.add(Person, names={"name": "2name"}),
            "Person.name (OData name '2name') is not an OData identifier",
        ),
        (lambda s: s.add(Person, names={"name": "id"}), "Person: two attributes are both exposed as 'id'"),
        (lambda s: s.add(Person, exclude=["nope"]), "Person: exclude= names no mapped attribute: nope"),
        (lambda s: s.add(Person, exclude=["id"]), "Person.id is part of the key and cannot be excluded"),
        (lambda s: s.add(Person, names={"nope": "Nope"}), "Person: names= names no mapped attribute: nope"),
        (
            lambda s: s.add(Person, search=["id"]),
            "Person: search= names id, but $search looks only in string properties",
        ),
        (
            lambda s: s.add(Person, name="People").add(Person, name="Staff", type_name="Employee"),
            "Person is exposed twice with different type_name, exclude or names",
        ),
        (lambda s: s.add(Person).add(Person), "two entity sets are both named 'Persons'"),
        (
            lambda s: s.add(Person, type_name="Container"),
            "two schema members (entity, complex and enumeration types, functions, actions and the container) "
            "are both named 'Container'",
        ),
    ],
)
def test_unexpressible_models_fail_at_start_up(declare: object, message: str) -> None:
    service = ODataService("sqlite://")
    declare(service)  # type: ignore[operator]
    with pytest.raises(ModelError, match=re.escape(message)):
        service.asgi()


def test_excluding_an_unsupported_column_makes_the_model_valid() -> None:
    service = ODataService("sqlite://").add(WithJson, exclude=["settings"])
    assert list(service.model.entity_sets["WithJsons"].entity_type.properties) == ["id"]


def test_one_class_may_back_several_entity_sets() -> None:
    service = ODataService("sqlite://").add(Person, name="People").add(Person, name="Staff")
    sets = service.model.entity_sets
    assert sets["People"].entity_type is sets["Staff"].entity_type


def test_no_declaration_is_accepted_once_the_service_is_built() -> None:
    service = ODataService("sqlite://").add(Person, name="People")
    service.asgi()
    with pytest.raises(RuntimeError, match="already built"):
        service.add(WithJson)

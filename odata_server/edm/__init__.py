"""The Entity Data Model, built from SQLAlchemy mappers and immutable afterwards."""

from odata_server.edm.annotations import Annotation, PropertyPath, Record
from odata_server.edm.from_sqlalchemy import EntitySetDeclaration, build_model
from odata_server.edm.model import (
    EntitySet,
    EntityType,
    Model,
    NavigationProperty,
    Property,
    ReferentialConstraint,
)
from odata_server.edm.storage import EntityStorage, Storage
from odata_server.edm.types import PrimitiveType

__all__ = [
    "Annotation",
    "EntitySet",
    "EntitySetDeclaration",
    "EntityStorage",
    "EntityType",
    "Model",
    "NavigationProperty",
    "PrimitiveType",
    "Property",
    "PropertyPath",
    "Record",
    "ReferentialConstraint",
    "Storage",
    "build_model",
]

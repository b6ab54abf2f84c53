"""Values → bytes: OData JSON, CSDL XML and JSON, the service document, errors."""

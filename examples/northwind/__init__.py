"""The classic Northwind database served as OData v4.01."""

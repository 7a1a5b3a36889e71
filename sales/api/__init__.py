"""/api/sales/: customers, price lists, quotations, sales orders and customer returns over HTTP.

Every read goes through ``sales.selectors`` (the screens' scoping): a sales rep sees only the
customers granted to them and their documents, a sales manager the whole company; anything out of
scope is a 404. Every write is one call of a sales service, so the API refuses exactly what the
screens refuse: a DomainError becomes a 400 (bad input, on the field to blame) or a 409 (an illegal
change of status, a credit limit), see ``erp.api.exception_handler``. Master data and lines name
items, units, tax codes, payment terms, price lists, warehouses and customers by code, users by
username.

- ``common``: the API root, status fields and parameters
- ``masterdata``: customers and price lists
- ``documents``: quotations and sales orders
- ``confirmation``: the answer of confirming an order (the API's hot path, built by hand)
- ``returns``: customer returns

The generic tools (code fields, query parameters, the company viewset mixin) are the core's, in
``erp.api``; ``sales.api_urls`` registers the viewsets.
"""

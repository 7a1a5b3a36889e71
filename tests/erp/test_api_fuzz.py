"""Schemathesis over every API operation but inventory's (sales, office, the token; inventory's are in
test_api_fuzz_inventory.py): generated requests never answer 5xx and always answer as /api/schema/
says. The machinery is in tests/erp/api_fuzz.py; docs/testing.md, "API fuzzing"."""

import pytest

from tests.erp.api_fuzz import (  # noqa: F401
    _fuzz_schema,
    _fuzz_shared,
    _requests_keep_the_connection,
    api_schema,
    fuzz,
    operations_under,
)

OPERATIONS = operations_under("/api/", but=("/api/inventory/",))


@pytest.mark.parametrize("method,path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_never_get_a_server_error_or_an_answer_outside_the_schema(
        api_schema, method, path):  # noqa: F811
    fuzz(api_schema, method, path)

"""Schemathesis hooks of the contract run (tests/contract/schemathesis.sh).

The fuzzer draws `Idempotency-Key` values from a small space ("0", "!", ...), so most
POSTs would reuse a key with a different body and get the idempotency layer's 422 instead
of reaching their handler. A unique suffix keeps every key the fuzzer chose (invalid ones
stay invalid) while making each request a first use.
"""

import uuid

import schemathesis


@schemathesis.hook
def map_headers(context, headers):
    if headers and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = f"{headers['Idempotency-Key']}-{uuid.uuid4().hex}"
    return headers

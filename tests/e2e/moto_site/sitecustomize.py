"""Put on PYTHONPATH by the Makefile tests: every Python process that make starts then talks to
moto's in-memory AWS (account 123456789012) instead of AWS, so a credentials check can pass offline."""

import moto

_mock = moto.mock_aws()
_mock.start()

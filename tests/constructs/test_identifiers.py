"""``is_token`` answers like the CDK's ``Token.is_unresolved`` for every kind of string it meets."""

from __future__ import annotations

import jsii
import pytest
from aws_cdk import Aws, CfnParameter, Fn, IStringProducer, Lazy, Stack, Token

from onboarding_constructs._identifiers import is_token


@jsii.implements(IStringProducer)
class _Constant:
    def produce(self, _context: object) -> str:
        return "x"


def _samples() -> list[object]:
    stack = Stack()
    parameter = CfnParameter(stack, "P")
    ids = CfnParameter(stack, "Ids", type="CommaDelimitedList")
    return [
        "subnet-0123456789abcdef0",
        "",
        "${Token",  # only part of a marker
        "#{Token",
        "literal ${Token[ inside",  # a marker with no end still makes the CDK see a token
        parameter.value_as_string,
        f"prefix-{parameter.value_as_string}-suffix",
        Aws.REGION,
        Fn.join("-", ["a", Aws.ACCOUNT_ID]),
        Fn.ref("P"),
        Fn.select(0, ids.value_as_list),
        *ids.value_as_list,  # a list token: one element carrying the list marker
        Lazy.uncached_string(_Constant()),
        42,
        None,
    ]


@pytest.mark.parametrize("index", range(len(_samples())))
def test_is_token_agrees_with_the_cdk(index: int) -> None:
    value = _samples()[index]
    expected = isinstance(value, str) and Token.is_unresolved(value)
    assert is_token(value) == expected, repr(value)

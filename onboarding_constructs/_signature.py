"""``public_signature``: a construct class shows its own signature in ``help()`` and ``inspect``.

jsii gives every construct class a metaclass whose ``__call__(cls, *args, **kwargs)`` hides the
class's ``__init__`` from ``inspect.signature``; ``inspect`` honours a class attribute
``__signature__`` first, so this sets one from ``__init__`` (without ``self``).
"""

from __future__ import annotations

import inspect
from typing import TypeVar

from constructs import Construct

ConstructClass = TypeVar("ConstructClass", bound=type[Construct])


def public_signature(cls: ConstructClass) -> ConstructClass:
    """Class decorator: ``inspect.signature(cls)`` is ``cls.__init__``'s, without ``self``."""
    init = inspect.signature(cls.__init__, eval_str=True)
    parameters = list(init.parameters.values())[1:]
    cls.__signature__ = init.replace(parameters=parameters, return_annotation=inspect.Signature.empty)
    return cls

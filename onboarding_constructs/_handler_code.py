"""The source of the custom-resource handlers, which the constructs inline into templates.

Inline code keeps templates free of assets, so they deploy through StackSets into accounts that
were never CDK-bootstrapped. Each handler is one self-contained file, ``lambda/<name>/index.py``
in the repository.

A handler may use another handler's code as a module (the estate-coverage function makes the EKS
handler's change on each cluster it covers, with the same code). Lambda's inline code is one file, so
``inline_source`` puts each such module into that file: its source as a string, run as a module of that
name before the handler's own code imports it. Tests run the handler from this same text.

An installed package carries those files as ``onboarding_constructs/lambda_handlers/<name>/index.py``
(pyproject.toml maps that subpackage to ``lambda/``), so that location is read first; a source
checkout has no such directory and reads the repository's ``lambda/`` instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
#: Where to look for ``<name>/index.py``, in order: the installed package, then the source checkout.
HANDLER_DIRS = (_PACKAGE / "lambda_handlers", _PACKAGE.parent / "lambda")


#: The modules each handler imports from other handlers, by handler: module name -> handler whose file it is.
BUNDLED_MODULES: dict[str, dict[str, str]] = {"estate_coverage": {"eks_cluster_access": "eks_cluster_access"}}

#: The line a handler's inline source gets its bundled modules after (it must stay the file's first statement).
_FUTURE_IMPORT = "from __future__ import annotations\n"

_LOADER = """
# --- bundled: {modules} (see onboarding_constructs/_handler_code.py) ---
def _bundle(name: str, source: str) -> None:
    import sys
    import types

    module = types.ModuleType(name)
    module.__file__ = f"<inline {{name}}>"
    sys.modules[name] = module  # before running it: dataclasses look their module up there
    exec(compile(source, module.__file__, "exec"), module.__dict__)


"""


@cache
def inline_source(name: str) -> str:
    """What the function of handler ``name`` runs: its file, with the modules it takes from other handlers
    put in (``BUNDLED_MODULES``)."""
    source = handler_source(name)
    modules = BUNDLED_MODULES.get(name, {})
    if not modules:
        return source
    head, future, body = source.partition(_FUTURE_IMPORT)
    if not future:
        raise ValueError(f"handler {name!r} must start with {_FUTURE_IMPORT.strip()!r} to have modules bundled")
    loads = "".join(f"_bundle({module!r}, {handler_source(owner)!r})\n" for module, owner in modules.items())
    return head + future + _LOADER.format(modules=", ".join(modules)) + loads + body


@cache
def handler_source(name: str) -> str:
    for directory in HANDLER_DIRS:
        path = directory / name / "index.py"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    tried = ", ".join(str(directory / name / "index.py") for directory in HANDLER_DIRS)
    raise FileNotFoundError(f"handler {name!r} not found: expected one of {tried}")

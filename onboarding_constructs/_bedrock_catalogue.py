"""The Bedrock foundation model ids this version knows, read from ``bedrock_model_catalogue.json``.

The file holds the ids of the AWS page it names (``source``), as of the day it was read
(``retrieved``). It is only used to warn: AWS adds models every month, so an id missing from it
may be new rather than wrong, and only the region itself (``make doctor``, or
``aws bedrock list-foundation-models``) can say whether it offers a model.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

CATALOGUE_FILE = "bedrock_model_catalogue.json"
#: How many known ids a warning suggests at most.
MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class ModelCatalogue:
    source: str
    retrieved: str
    models: tuple[str, ...]

    def knows(self, model_id: str) -> bool:
        return model_id in self.models

    def closest(self, model_id: str) -> list[str]:
        """Up to ``MAX_SUGGESTIONS`` known ids that look most like ``model_id``, closest first."""
        return difflib.get_close_matches(model_id, self.models, n=MAX_SUGGESTIONS)


@lru_cache(maxsize=1)
def model_catalogue() -> ModelCatalogue:
    """The catalogue shipped with this package (the wheel carries the JSON file)."""
    text = resources.files(__package__).joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    return ModelCatalogue(source=data["source"], retrieved=data["retrieved"], models=tuple(data["models"]))

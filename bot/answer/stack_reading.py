"""Which layer of a responsibility stack a question is closest to, and whose that layer is.

Every service in the knowledge base has a stack (its layers, each with an owner: "the hosts
under the database": AWS; "the database's users": the customer). A question's embedding is
compared with the layers' names: those of the asked service, and those of every service.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import numpy as np

from bot.answer import language
from bot.answer.lexical import Parsed
from bot.answer.semantic import SemanticIndex
from bot.kb.model import KnowledgeBase

# A stack term counts as AWS's layer when only AWS-owned layers use it, this many times at least.
_STACK_TERM_MIN_LAYERS = 8


class StackReader:
    """The layers of every service's stack, embedded once."""

    def __init__(self, kb: KnowledgeBase, semantic: SemanticIndex):
        self._semantic = semantic
        texts = [layer.name for service in kb.services for layer in service.stack]
        vectors = semantic.embed_texts(texts)
        self._layers_of: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}
        start = 0
        for service in kb.services:
            end = start + len(service.stack)
            self._layers_of[service.id] = (
                vectors[start:end],
                tuple(x.owner for x in service.stack),
            )
            start = end
        self._all = (vectors, tuple(o for _, owners in self._layers_of.values() for o in owners))

    def asked_service(self, text: str, parsed: Parsed) -> tuple[str | None, float]:
        """The owner of the asked service's layer closest to the question, and by how much
        that layer beats the closest layer of another owner (None, 0: no service or stack)."""
        if parsed.service is None:
            return None, 0.0
        vectors, owners = self._layers_of.get(parsed.service.id, (None, ()))
        if vectors is None or not owners:
            return None, 0.0
        if parsed.typed is not None:
            question = self._semantic.vector(parsed.typed, as_typed=True)
        else:
            question = self._semantic.vector(language.question_clause(text) or text)
        return _closest(vectors @ question, owners)

    def any_service(self, text: str, parsed: Parsed) -> tuple[str | None, float]:
        """The owner of the closest layer of any service's stack, and its margin over the
        closest layer of another owner: "the host under the database" reads as AWS's anywhere."""
        vectors, owners = self._all
        if not owners:
            return None, 0.0
        question = parsed.typed or language.question_clause(text) or text
        return _closest(
            vectors @ self._semantic.vector(question, as_typed=parsed.typed is not None), owners
        )


def _closest(similarity: np.ndarray, owners: tuple[str, ...]) -> tuple[str, float]:
    best = int(np.argmax(similarity))
    rivals = similarity[_owner_array(owners) != owners[best]]
    return owners[best], float(similarity[best]) - (float(rivals.max()) if len(rivals) else 0.0)


@lru_cache(maxsize=64)
def _owner_array(owners: tuple[str, ...]) -> np.ndarray:
    return np.array(owners)


def lower_layer_terms(kb: KnowledgeBase) -> frozenset[str]:
    """Terms of AWS's layer: the curated words, and those the stacks use only in AWS's layers."""
    aws: dict[str, int] = defaultdict(int)
    customer: set[str] = set()
    for service in kb.services:
        for layer in service.stack:
            for t in set(language.terms(layer.name)):
                if layer.owner == "aws":
                    aws[t] += 1
                else:
                    customer.add(t)
    from_stacks = {t for t, n in aws.items() if n >= _STACK_TERM_MIN_LAYERS and t not in customer}
    return frozenset(language.term(w) for w in language.LOWER_LAYER_WORDS) | from_stacks

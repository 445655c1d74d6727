"""Find the cloud services a question names ("my lambda", "on RDS", "ec2 instances")."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from bot.answer import language
from bot.kb.model import Service


class ServiceDetector:
    """Detect services by their id, name and aliases (knowledge/services.yaml), as word n-grams."""

    def __init__(self, services: tuple[Service, ...]):
        self._by_id = {s.id: s for s in services}
        self._branded = _branded_names(services)
        self._branded_pattern = re.compile(
            r"\b(" + "|".join(map(re.escape, sorted(self._branded, key=len, reverse=True))) + r")\b"
        )
        self._ngrams = _service_ngrams(services, self.fuse_branded_names)
        self._longest = max((len(n) for n in self._ngrams), default=1)
        self._name_words = {
            s.id: frozenset(
                language.content_words(
                    self.fuse_branded_names(language.fold(f"{s.id} {s.name} {s.matched_name}"))
                )
            )
            for s in services
        }
        self._ngrams_of: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for ngram, service_id in self._ngrams.items():
            self._ngrams_of[service_id].append(ngram)

    def fuse_branded_names(self, folded: str) -> str:
        """``folded`` text, each branded name made one word: "aws batch jobs" -> "awsbatch jobs".

        "aws" and "amazon" are filler, so without its brand "AWS Batch" is any "batch": a service
        whose official name alone would match too much (it has a ``match_name``) is named when its
        brand directly precedes the rest of its name, and only then ("a batch of files" names no
        service). Questions and the items' phrasings both go through this (bot/answer/lexical.py),
        after typos are corrected and before filler is dropped.
        """
        if not self._branded:
            return folded
        return self._branded_pattern.sub(lambda m: self._branded[m.group(1)], folded)

    def by_id(self, service_id: str) -> Service | None:
        """The service with this id, if the knowledge base has it."""
        return self._by_id.get(service_id)

    def detect(self, words: list[str]) -> list[Service]:
        """Services named in ``words``: longest alias first, then earliest; refinements first.

        A service whose aliases spell out another one found alongside it is the more precise
        reading: in "the ecs agent on fargate", Fargate ("ecs on fargate") wins over ECS on EC2.
        """
        hits: list[tuple[int, int, str, tuple[str, ...]]] = []
        for size in range(min(self._longest, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                ngram = tuple(words[start : start + size])
                service_id = self._ngrams.get(ngram)
                if service_id:
                    hits.append((-size, start, service_id, ngram))
        for start in range(len(words) - 1):
            # A name typed in two pieces: "ec 2", "red shift"
            # ("cloud front": bot/answer/language.py).
            service_id = self._ngrams.get((words[start] + words[start + 1],))
            if service_id:
                hits.append((-2, start, service_id, tuple(words[start : start + 2])))
        found: dict[str, tuple[str, ...]] = {}
        for _, _, service_id, ngram in sorted(hits):
            found.setdefault(service_id, ngram)
        order = list(found)
        for refined in list(order):
            for general in order[: order.index(refined)]:
                if self._refines(refined, set(found[refined]) | set(found[general])):
                    order.remove(refined)
                    order.insert(order.index(general), refined)
                    break
        return [self._by_id[i] for i in order]

    def split(self, words: list[str]) -> tuple[list[Service], set[str]]:
        """The services ``words`` name, and the words that name them (to set apart from the topic).

        A service's shortest aliases present count, and the words of its longer aliases that
        belong to its name: "eks worker nodes" names EKS, but "worker nodes" is the topic, so only
        "eks" is set aside; "elastic beanstalk" sets both words aside.
        """
        services = self.detect(words)
        naming: set[str] = set()
        for service in services:
            own = self._ngrams_of[service.id]
            present = [n for n in own if _contains(words, n)]
            pairs = zip(words, words[1:], strict=False)
            present += [pair for pair in pairs if ("".join(pair),) in own]
            for ngram in present:
                if not any(other != ngram and set(other) < set(ngram) for other in present):
                    naming.update(ngram)
                else:
                    naming.update(w for w in ngram if w in self._name_words[service.id])
        return services, naming

    def _refines(self, service_id: str, words: set[str]) -> bool:
        """True when an alias of ``service_id`` uses every one of ``words``."""
        return any(words <= set(ngram) for ngram in self._ngrams_of[service_id])


def _branded_names(services: tuple[Service, ...]) -> dict[str, str]:
    """Folded official names that need their brand ("aws batch") -> the one word they become.

    The services whose name alone would match too much are those the curators gave a
    ``match_name``; their name counts when it starts with a brand, a filler word ("aws", "amazon").
    """
    branded: dict[str, str] = {}
    for service in services:
        words = language.fold(service.name).split()
        if service.match_name and len(words) > 1 and words[0] in language.FILLER:
            branded[" ".join(words)] = "".join(words)
    return branded


def _service_ngrams(
    services: tuple[Service, ...], fuse: Callable[[str], str]
) -> dict[tuple[str, ...], str]:
    """Each service alias (and matched name, and id) as a tuple of content words -> service id.

    The matched name, not the displayed one: "AWS" is filler, so "AWS Batch" would be any "batch";
    the displayed one only as its branded word ("awsbatch", from ``fuse``).
    """
    ngrams: dict[tuple[str, ...], str] = {}
    for service in services:
        texts = [service.id.replace("-", " "), service.matched_name, *service.aliases]
        branded = fuse(language.fold(service.name))
        if branded != language.fold(service.name):
            texts.append(branded)
            # An id that spells only the generic name ("organizations") is not read either: "our
            # organization's data" names no service.
            if _words(texts[0]) == _words(service.name):
                texts.pop(0)
        for text in texts:
            words = _words(text)
            if words and words not in ngrams:
                ngrams[words] = service.id
    return ngrams


def _words(text: str) -> tuple[str, ...]:
    return tuple(language.content_words(language.fold_phrases(language.fold(text))))


def _contains(words: list[str], ngram: tuple[str, ...]) -> bool:
    """True when ``ngram`` occurs in ``words`` as consecutive words."""
    size = len(ngram)
    return any(tuple(words[i : i + size]) == ngram for i in range(len(words) - size + 1))

"""Read a question's parts: the services it asks about, its topic terms, its words to compare.

A service the question sets aside ("not EKS", "moved from ECS to ...") is no context; a service
name is weighed by words, not by meaning, so the text compared by meaning leaves names out.
"""

from __future__ import annotations

from bot.answer import language
from bot.answer.lexical import LexicalIndex, Parsed
from bot.answer.service_detector import ServiceDetector
from bot.kb.model import Service


class QuestionReader:
    """Parse questions against one knowledge base's services and vocabulary."""

    def __init__(self, services: ServiceDetector, lexical: LexicalIndex):
        self._services = services
        self._lexical = lexical

    def parse(self, text: str) -> Parsed:
        """The topic terms and the services ``text`` asks about (the first is the context)."""
        folded = language.fold(text)
        words = self._lexical.words(language.strip_of_in_phrasing(folded))
        services, service_words = self._services.split(words)
        services = self._current_services(folded, services)
        topic = frozenset(language.term(w) for w in words if w not in service_words)
        only_service = bool(services) and not topic
        if only_service:
            topic = frozenset(language.term(w) for w in words)
        return Parsed(
            topic=topic,
            service=services[0] if services else None,
            services=frozenset(s.id for s in services),
            only_service=only_service,
        )

    def find_service(self, text: str) -> Service | None:
        """The service named in ``text`` ("my lambda", "on RDS"), or None."""
        found = self.services_in(language.fold(text))
        return found[0] if found else None

    def services_in(self, folded: str) -> list[Service]:
        """Every service named in already folded text, the most precise first."""
        return self._services.detect(self._lexical.words(folded))

    def without_services(self, text: str) -> str:
        """``text`` folded, without framing or service names: what the meaning is compared on.

        Service names dominate a sentence embedding ("… on Elastic Beanstalk" pulls every
        question towards Beanstalk's items); services are weighed by the lexical side instead.
        Framing ("aws or us?", "security OF or IN the cloud") names no topic, on either side.
        """
        words = language.strip_of_in_phrasing(language.fold(text)).split()
        _, naming = self._services.split(words)
        kept = [w for w in words if w not in naming]
        return " ".join(kept) if kept else " ".join(words)

    def _current_services(self, folded: str, services: list[Service]) -> list[Service]:
        """``services`` without those the question sets aside: "not EKS", "moved from ECS to …".

        A service named only as what the team left or does not use says nothing about whose job
        the question is; when another service is named, that one is the context.
        """
        if len(services) < 2:
            return services
        phrases = language.set_aside_phrases(folded)
        # A service named outside what is set aside is the context ("moved self-managed
        # Kubernetes on EC2 to EKS": Kubernetes names EKS too, but EKS is where they went).
        remainder = folded
        for phrase in phrases:
            remainder = remainder.replace(phrase, " ", 1)
        outside = {s.id for s in self.services_in(remainder)} if phrases else set()
        kept = [s for s in services if s.id in outside]
        if kept:
            return kept
        left = set()
        for phrase in phrases:
            named = self.services_in(phrase)
            if named:
                left.add(named[0].id)  # the longest name: "not RDS Custom" leaves RDS in
        kept = [s for s in services if s.id not in left]
        return kept or services

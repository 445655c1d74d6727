"""Question -> best knowledge item, with a confidence; no Slack imports.

How a question is matched (README, "How the answer engine works"):
1. An exam question listing options is answered option by option; how-tos, prices, definitions
   and trivia are declined before any matching (bot/answer/topic_gate.py).
2. Fold it (case, accents, punctuation), drop framing ("security OF/IN the cloud", "aws or us?"),
   correct typos against the knowledge base's own vocabulary, fold phrases and synonyms.
3. Detect the service it names (bot/answer/service_detector.py), minus any it sets aside
   ("not EKS").
4. Score every item on words (a weighted F-measure of shared terms blended with rapidfuzz's
   token-set ratio, discounted for incidental words, adjusted for service fit) and on meaning
   (cosine similarity of sentence embeddings, bot/answer/semantic.py), half and half; a long
   message's question clause is scored too; wording about a layer leans the owner.
5. The best item wins; its owner comes from the item's per-service owners when it has one for the
   detected service. Below a confidence threshold the engine declines and offers close candidates.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process

from bot.answer import language, topic_gate
from bot.answer.glossary import shared_glossary
from bot.answer.owner_model import (
    CANDIDATE_FEATURES,
    Evidence,
    Judgement,
    OwnerModel,
    load_model,
)
from bot.answer.semantic import SemanticIndex, build_index
from bot.answer.service_detector import ServiceDetector
from bot.kb.model import Item, KnowledgeBase, Service

MAX_QUESTION_CHARS = 500
ANSWER_THRESHOLD = 42  # confidence at or above which the engine names an owner
SUGGEST_THRESHOLD = 35  # confidence at or above which an item is offered as "did you mean"
# With the semantic signal the score is a blend of the two (see _blended); its own thresholds.
BLEND_ANSWER_THRESHOLD = 30
BLEND_SUGGEST_THRESHOLD = 24
_LEXICAL_SHARE = 0.5  # the blend: half lexical score, half cosine similarity
_MAX_LEXICAL = 1.2  # a lexical score can exceed 1 with service bonuses; cap its pull
# A question that shares no word with the knowledge base and names no service is answered only
# when its meaning is this close to an item: otherwise "who founded amazon" finds "AWS's side".
_SEMANTIC_ONLY_FLOOR = 0.78
_SEMANTIC_ELSEWHERE_PENALTY = 0.1
# A question about the layer under the guest ("underlying", "firmware", "physical host") lifts
# the items AWS owns in that context by this much, and lowers the customer's; one about a
# control as a whole lifts the shared items.
_OWNER_LEAN = 0.08
_FOCUS_SHARE = 0.5  # a long message: its question clause counts for half, against the whole
# A stack term counts as AWS's layer when only AWS-owned layers use it, this many times at least.
_STACK_TERM_MIN_LAYERS = 8
MAX_SUGGESTIONS = 3
_CANDIDATES = 8  # closest items the owner model weighs
_CONSENSUS_SHARPNESS = 20.0  # how fast a candidate's vote fades with its gap to the best
_SUGGEST_PROBABILITY = 0.08  # a candidate this probable is offered as "did you mean"
_AGREEING = 3  # top items whose shared owner answers a question just under the line
_AGREEING_DETAIL = 5  # terms such a question must have
# Service fit: an item stating an owner for the asked service gains; a phrase naming another
# service than the question's (or any, when the question names none) loses.
_SERVICE_BONUS = 0.06
_OTHER_SERVICE_FACTOR = 0.6  # a phrase naming only other services keeps 60% of its score
_ELSEWHERE_PENALTY = 0.15  # divided by how many services the item speaks of
_UNASKED_SERVICE_PENALTY = 0.08
_INCIDENTAL_DISCOUNT = 0.25  # a match only on words found in one alias keeps 75% of its score
_FUZZY_SHARE = 0.25  # how much of a phrase's score comes from rapidfuzz's token-set ratio
_SHORTLIST = 40  # phrases re-scored with rapidfuzz after the term overlap
_BETA = 1.5  # F-beta over shared terms: covering the question weighs more than covering the phrase
_MAX_CACHED_CORRECTIONS = 50_000
# "how old are you", "what's your name": talk to the bot about itself, when nothing else is asked.
_SMALL_TALK = re.compile(r"\b(?:are|do|can|will|would|have) you\b|\byour(?:self)?\b|\byou re\b")


@dataclass(frozen=True)
class Answer:
    """What the engine concluded about one question."""

    question: str
    owner: str | None  # "aws" | "customer" | "shared", or None when declining
    item: Item | None
    confidence: int  # 0-100
    service: Service | None
    suggestions: tuple[Item, ...]  # "did you mean" candidates (up to 3), best first
    note: str | None = None  # the item's note for the detected service
    declined_because: str | None = None  # "empty" | "too_long" | "off_topic" | "unsure" | "depends"
    # Layer by layer, when the evidence names more than one owner: (what, owner) pairs.
    layers: tuple[tuple[str, str], ...] = ()
    probability: float | None = None  # calibrated chance that ``owner`` is right (learned model)

    @property
    def answered(self) -> bool:
        """True when the engine names an owner."""
        return self.owner is not None

    def to_json(self) -> dict:
        """The JSON contract of `python -m bot ask --json`."""
        return {
            "question": self.question,
            "owner": self.owner,
            "item": self.item.id if self.item else None,
            "title": self.item.title if self.item else None,
            "confidence": self.confidence,
            "service": self.service.id if self.service else None,
            "suggestions": [s.id for s in self.suggestions],
            "note": self.note,
            "declined_because": self.declined_because,
            "probability": None if self.probability is None else round(self.probability, 3),
            "layers": [{"what": what, "owner": owner} for what, owner in self.layers],
        }


@dataclass(frozen=True)
class _Phrase:
    """One searchable phrase of an item: its title or one alias, as terms."""

    item_index: int
    topic: frozenset[str]  # terms that are not service names (or all terms, if only services)
    services: frozenset[str]  # ids of the services the phrase names
    weight: float  # summed weight of `topic`
    text: str  # topic terms joined, for rapidfuzz


@dataclass(frozen=True)
class _Signals:
    """Per item scores for one question (arrays in knowledge-base order)."""

    lexical: np.ndarray
    semantic: np.ndarray
    lexical_clause: np.ndarray
    semantic_clause: np.ndarray
    blended: np.ndarray
    lean: dict[str, float]
    no_words_shared: bool


@dataclass(frozen=True)
class _Parsed:
    """A question reduced to what the scorer needs."""

    topic: frozenset[str]
    service: Service | None
    services: frozenset[str]
    only_service: bool = False  # the question names a service and nothing else
    typed: str | None = None  # a question in another language, as typed (for the embedding)


class Matcher:
    """Match free-text questions against a knowledge base, indexed once."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        semantic: SemanticIndex | None | bool = True,
        model: OwnerModel | None | bool = True,
    ):
        """Index ``kb``; ``semantic``: an index, True to build one (when the model is installed),
        or False/None for the lexical signal alone; ``model``: the learned owner model, True for
        the one shipped with ofin, False/None for the hand-set thresholds (used while fitting)."""
        self.kb = kb
        self._model = load_model() if model is True else (model or None)
        self._glossary = shared_glossary().knowing(_vocabulary(kb))
        self._services = ServiceDetector(kb.services)
        self._semantic = (
            build_index(kb, self._without_services) if semantic is True else (semantic or None)
        )
        self._vocabulary = _vocabulary(kb)
        self._vocabulary_by_length = _by_length(self._vocabulary)
        self._corrections: dict[str, str] = {}
        self._phrases = self._index_phrases()
        self._postings = _postings(self._phrases)
        self._central_terms = self._index_central_terms()
        self._phrase_topics = frozenset(p.topic for p in self._phrases)
        self._lower_layer_terms = _lower_layer_terms(kb)
        self._phrases_naming = self._index_semantic_services()
        phrase_count = len(self._semantic.phrases) if self._semantic else 0
        self._names_a_service = np.zeros(phrase_count, dtype=bool)
        for naming in self._phrases_naming.values():
            self._names_a_service |= naming
        self._guest_terms = frozenset(language.term(w) for w in language.GUEST_LAYER_WORDS)
        self._phrase_weights = np.array([p.weight for p in self._phrases], dtype=np.float64)
        self._layers_of = self._index_layers()
        self._all_layers = (
            np.vstack([v for v, _ in self._layers_of.values()])
            if self._layers_of
            else np.zeros((0, 1)),
            tuple(o for _, owners in self._layers_of.values() for o in owners),
        )

    # -- public API ---------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        """Answer one question; deterministic."""
        text = " ".join(question.split())
        if not text:
            return self._decline(question, "empty")
        if len(text) > MAX_QUESTION_CHARS:
            return self._decline(question, "too_long")
        reading = self._glossary.read(text)
        typed = text if reading.translated else None
        text = reading.text
        options = language.answer_options(text)
        if options:
            chosen = self._choose_option(options)
            if chosen is not None:
                return replace(chosen, question=question)
        folded = language.fold(text)
        if topic_gate.off_topic_reason(folded, names_a_service=self._names_a_service_in(folded)):
            return self._decline(question, "off_topic")
        parsed = self._parse(text)
        if parsed.only_service and parsed.service and not self._names_a_topic(parsed.topic):
            # "kms?" names a service and no responsibility: offer its main items instead.
            return self._decline(
                question,
                "unsure",
                service=parsed.service,
                suggestions=self._items_about(parsed.service.id)[:MAX_SUGGESTIONS],
            )
        if _SMALL_TALK.search(folded) and not self._names_a_topic(parsed.topic):
            return self._decline(question, "off_topic", service=parsed.service)
        parsed = replace(parsed, typed=typed)
        if self._model is not None and self._semantic is not None:
            evidence = self.evidence_for(text, parsed, folded)
            return self._judged(question, parsed, evidence, self._model.judge(evidence))
        ranked = self._ranked(text, parsed)
        if not ranked:
            return self._decline(question, "off_topic", service=parsed.service)
        answer_at, suggest_at = (
            (BLEND_ANSWER_THRESHOLD, BLEND_SUGGEST_THRESHOLD)
            if self._semantic
            else (ANSWER_THRESHOLD, SUGGEST_THRESHOLD)
        )
        best_index, best_score = ranked[0]
        confidence = _confidence(best_score)
        close = tuple(
            self.kb.items[index]
            for index, score in ranked[1 : MAX_SUGGESTIONS + 1]
            if _confidence(score) >= suggest_at
        )
        best = self.kb.items[best_index]
        if confidence < answer_at and not (
            confidence >= suggest_at and self._owners_agree(ranked, parsed, folded)
        ):
            near = confidence >= suggest_at
            candidates = ((best,) + close)[:MAX_SUGGESTIONS] if near else ()
            return self._decline(
                question,
                "unsure" if candidates else "off_topic",
                service=parsed.service,
                suggestions=candidates,
                confidence=confidence,
            )
        service_id = parsed.service.id if parsed.service else None
        owner = self._owner(best, parsed, folded)
        return Answer(
            question=question,
            owner=owner,
            item=best,
            confidence=confidence,
            service=parsed.service,
            suggestions=close if confidence < 75 else (),
            # The service's note speaks for the service's owner, not for the control as a whole.
            note=best.note_for(service_id) if owner == best.owner_for(service_id) else None,
        )

    def evidence(self, question: str) -> Evidence | None:
        """The evidence the learned model weighs for ``question`` (None: decided by rules alone:
        empty, too long, exam options, off topic, a bare service name, small talk)."""
        text = " ".join(question.split())
        if not text or len(text) > MAX_QUESTION_CHARS:
            return None
        reading = self._glossary.read(text)
        typed = text if reading.translated else None
        text = reading.text
        if language.answer_options(text):
            return None
        folded = language.fold(text)
        if topic_gate.off_topic_reason(folded, names_a_service=self._names_a_service_in(folded)):
            return None
        parsed = self._parse(text)
        if parsed.only_service and parsed.service and not self._names_a_topic(parsed.topic):
            return None
        if _SMALL_TALK.search(folded) and not self._names_a_topic(parsed.topic):
            return None
        return self.evidence_for(text, replace(parsed, typed=typed), folded)

    def evidence_for(self, text: str, parsed: _Parsed, folded: str) -> Evidence:
        """Features of the closest items and signals of the question, for the owner model."""
        signals = self._signals(text, parsed)
        blended = signals.blended
        order = np.lexsort((np.arange(len(blended)), -blended))[:_CANDIDATES]
        service_id = parsed.service.id if parsed.service else None
        side = (
            1.0
            if signals.lean.get("aws", 0) > 0
            else -1.0
            if signals.lean.get("customer", 0) > 0
            else 0.0
        )
        whole = "shared" in signals.lean
        best_blended = float(blended[order[0]])
        best_semantic = float(signals.semantic.max()) if len(signals.semantic) else 0.0
        best_lexical = float(signals.lexical.max())
        stack_owner, stack_margin = self._stack_reading(text, parsed)
        any_owner, any_margin = self._any_stack_reading(text, parsed)
        strength = np.exp(_CONSENSUS_SHARPNESS * (blended[order] - best_blended))
        candidate_owners = [self._owner(self.kb.items[int(i)], parsed, folded) for i in order]
        semantic_rank = np.argsort(np.argsort(-signals.semantic[order]))
        lexical_rank = np.argsort(np.argsort(-signals.lexical[order]))
        owners: list[str] = []
        rows: list[list[float]] = []
        for rank, index in enumerate(order):
            item = self.kb.items[int(index)]
            owner = candidate_owners[rank]
            owners.append(owner)
            same = np.array([o == owner for o in candidate_owners])
            consensus = float(strength[same].sum() / strength.sum())
            rows.append(
                [
                    float(blended[index]),
                    float(signals.lexical[index]),
                    float(signals.semantic[index]),
                    float(signals.lexical_clause[index]),
                    float(signals.semantic_clause[index]),
                    float(signals.semantic[index]) - best_semantic,
                    float(blended[index]) - best_blended,
                    float(signals.lexical[index]) - best_lexical,
                    float(service_id is not None and service_id in item.services),
                    float(
                        service_id is not None
                        and bool(item.services)
                        and service_id not in item.services
                    ),
                    side * (owner == "aws"),
                    side * (owner == "customer"),
                    float(whole and owner == "shared"),
                    float(owner == "shared"),
                    float(rank == 0),
                    float(owner == stack_owner),
                    stack_margin * (owner == stack_owner),
                    float(owner == any_owner),
                    any_margin * (owner == any_owner),
                    consensus,
                    float(rank == 1),
                    float(semantic_rank[rank] == 0),
                    float(lexical_rank[rank] == 0 and signals.lexical[index] > 0),
                ]
            )
        question_signals = [
            1.0,
            best_blended,
            best_lexical,
            best_semantic,
            float(topic_gate.asks_who(folded)),
            math.log1p(len(parsed.topic)),
            float(parsed.service is not None),
            float(parsed.typed is not None),
            float(signals.no_words_shared),
            stack_margin,
        ]
        return Evidence(
            items=tuple(int(i) for i in order),
            owners=tuple(owners),
            features=np.array(rows, dtype=np.float64).reshape(len(rows), len(CANDIDATE_FEATURES)),
            signals=np.array(question_signals, dtype=np.float64),
        )

    def _judged(
        self, question: str, parsed: _Parsed, evidence: Evidence, judgement: Judgement
    ) -> Answer:
        """Name an owner only when the model is sure of it and not of its opposite."""
        assert self._model is not None
        policy = self._model.policy
        owner = judgement.best_owner
        chance = judgement.owner_probability[owner]
        position = judgement.best_item_for(owner, evidence.owners)
        item = self.kb.items[evidence.items[position]]
        service_id = parsed.service.id if parsed.service else None
        ranked = sorted(range(len(evidence.items)), key=lambda k: -judgement.item_probability[k])
        others = tuple(
            self.kb.items[evidence.items[k]]
            for k in ranked
            if k != position and judgement.item_probability[k] >= _SUGGEST_PROBABILITY
        )[:MAX_SUGGESTIONS]
        confidence = round(100 * chance)
        verdict = policy.decide(
            judgement.owner_probability, judgement.decline_probability, evidence.stack_owner
        )
        if verdict == "none":
            close = tuple(
                self.kb.items[evidence.items[k]]
                for k in ranked
                if judgement.item_probability[k] >= _SUGGEST_PROBABILITY
            )[:MAX_SUGGESTIONS]
            return self._decline(
                question,
                "unsure" if close else "off_topic",
                service=parsed.service,
                suggestions=close,
                confidence=confidence,
            )
        if verdict == owner:
            return Answer(
                question=question,
                owner=owner,
                item=item,
                confidence=confidence,
                service=parsed.service,
                suggestions=others if chance < 0.75 else (),
                note=item.note_for(service_id) if owner == item.owner_for(service_id) else None,
                probability=chance,
            )
        return Answer(
            question=question,
            owner=None,
            item=item,
            confidence=confidence,
            service=parsed.service,
            suggestions=((item,) + others)[:MAX_SUGGESTIONS],  # the parts it weighed
            declined_because="depends",
            layers=self._layers(parsed, evidence, judgement),
            probability=chance,
        )

    def _layers(
        self, parsed: _Parsed, evidence: Evidence, judgement: Judgement
    ) -> tuple[tuple[str, str], ...]:
        """What is certain, layer by layer: the asked service's stack, else the closest items
        with their owners (one line per owner, most probable first)."""
        if parsed.service and parsed.service.stack:
            return tuple((layer.name, layer.owner) for layer in parsed.service.stack)
        seen: dict[str, str] = {}
        for k in sorted(range(len(evidence.items)), key=lambda k: -judgement.item_probability[k]):
            owner = evidence.owners[k]
            if owner not in seen and judgement.item_probability[k] >= _SUGGEST_PROBABILITY:
                seen[owner] = self.kb.items[evidence.items[k]].title
        return tuple((title, owner) for owner, title in seen.items())

    def _index_layers(self) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
        """Service id -> its stack's layer embeddings and owners (with the semantic signal)."""
        if self._semantic is None:
            return {}
        texts = [layer.name for service in self.kb.services for layer in service.stack]
        vectors = self._semantic.embed_texts(texts)
        layers: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}
        start = 0
        for service in self.kb.services:
            end = start + len(service.stack)
            layers[service.id] = (vectors[start:end], tuple(x.owner for x in service.stack))
            start = end
        return layers

    def _any_stack_reading(self, text: str, parsed: _Parsed) -> tuple[str | None, float]:
        """The owner of the closest layer of any service's stack, and its margin over the
        closest layer of another owner: "the host under the database" reads as AWS's anywhere."""
        if self._semantic is None or not self._all_layers[1]:
            return None, 0.0
        vectors, owners = self._all_layers
        question = parsed.typed or language.question_clause(text) or text
        similarity = vectors @ self._semantic.vector(question, as_typed=parsed.typed is not None)
        best = int(np.argmax(similarity))
        rivals = similarity[np.array([o != owners[best] for o in owners])]
        margin = float(similarity[best]) - (float(rivals.max()) if len(rivals) else 0.0)
        return owners[best], margin

    def _stack_reading(self, text: str, parsed: _Parsed) -> tuple[str | None, float]:
        """The owner of the asked service's layer closest to the question, and by how much
        that layer beats the closest layer of another owner (None, 0: no service or stack)."""
        if self._semantic is None or parsed.service is None:
            return None, 0.0
        vectors, owners = self._layers_of.get(parsed.service.id, (None, ()))
        if vectors is None or not owners:
            return None, 0.0
        if parsed.typed is not None:
            similarity = vectors @ self._semantic.vector(parsed.typed, as_typed=True)
        else:
            similarity = vectors @ self._semantic.vector(language.question_clause(text) or text)
        best = int(np.argmax(similarity))
        rivals = [float(x) for x, o in zip(similarity, owners, strict=True) if o != owners[best]]
        margin = float(similarity[best]) - (max(rivals) if rivals else 0.0)
        return owners[best], margin

    def _owners_agree(self, ranked: list[tuple[int, float]], parsed: _Parsed, folded: str) -> bool:
        """True when a question that asks who, in some detail, has closest items that all have
        the same owner: the owner is clear even if the item is not.

        "SSH open to the world, aws or ours?" sits near security groups, key pairs and incident
        response, all the customer's. A vague one ("who runs the show") stays a "did you mean".
        """
        if len(parsed.topic) < _AGREEING_DETAIL or len(ranked) < _AGREEING:
            return False
        if not topic_gate.asks_who(folded):
            return False
        owners = {self._owner(self.kb.items[i], parsed, folded) for i, _ in ranked[:_AGREEING]}
        return len(owners) == 1

    @staticmethod
    def _owner(item: Item, parsed: _Parsed, folded: str) -> str:
        """The item's owner for the question: the asked service's, unless the item is a shared
        control and the question asks about it as a whole, or names services on which it has
        different owners ("patch management, given we run EC2 and RDS" is the shared control)."""
        if item.owner == "shared":
            owners = {item.owner_for(service_id) for service_id in parsed.services}
            if len(owners) > 1 or language.AS_A_WHOLE.search(folded):
                return item.owner
        return item.owner_for(parsed.service.id if parsed.service else None)

    def _choose_option(self, options: language.Options) -> Answer | None:
        """The option that answers the stem: the one the asked side owns (or, negated, does not).

        Options that are the owners themselves ("A) AWS B) the customer C) both") leave the stem
        as the question. Each option is asked in the stem's context: "patching the database
        software" is AWS's on DynamoDB, the customer's on EC2.
        """
        if options.are_owners:
            return self.ask(options.stem)
        if options.side is None:
            return None
        service = self.find_service(options.stem)
        context = f" on {service.name}" if service else ""
        answers = [self.ask(option + context) for option in options.options]
        for answer in answers:
            if answer.answered and (answer.owner == options.side) != options.negated:
                return answer
        return None

    def _names_a_service_in(self, folded: str) -> bool:
        return bool(self._services.detect(self._words(folded)))

    def find_service(self, text: str) -> Service | None:
        """The service named in ``text`` ("my lambda", "on RDS"), or None."""
        found = self._services.detect(self._words(language.fold(text)))
        return found[0] if found else None

    # -- question parsing -----------------------------------------------------------------------

    def _parse(self, text: str) -> _Parsed:
        folded = language.fold(text)
        words = self._words(language.strip_of_in_phrasing(folded))
        services, service_words = self._services.split(words)
        services = self._current_services(folded, services)
        topic = frozenset(language.term(w) for w in words if w not in service_words)
        only_service = bool(services) and not topic
        if only_service:
            topic = frozenset(language.term(w) for w in words)
        return _Parsed(
            topic=topic,
            service=services[0] if services else None,
            services=frozenset(s.id for s in services),
            only_service=only_service,
        )

    def _current_services(self, folded: str, services: list[Service]) -> list[Service]:
        """``services`` without those the question sets aside: "not EKS", "moved from ECS to …".

        A service named only as what the team left or does not use says nothing about whose job
        the question is; when another service is named, that one is the context.
        """
        if len(services) < 2:
            return services
        left = set()
        for phrase in language.set_aside_phrases(folded):
            named = self._services.detect(self._words(phrase))
            if named:
                left.add(named[0].id)  # the longest name: "not RDS Custom" leaves RDS in
        kept = [s for s in services if s.id not in left]
        return kept or services

    def _without_services(self, text: str) -> str:
        """``text`` folded, without framing or service names: what the meaning is compared on.

        Service names dominate a sentence embedding ("… on Elastic Beanstalk" pulls every
        question towards Beanstalk's items); services are weighed by the lexical side instead.
        Framing ("aws or us?", "security OF or IN the cloud") names no topic, on either side.
        """
        words = language.strip_of_in_phrasing(language.fold(text)).split()
        _, naming = self._services.split(words)
        kept = [w for w in words if w not in naming]
        return " ".join(kept) if kept else " ".join(words)

    def _words(self, folded: str) -> list[str]:
        """Content words of folded text: typos corrected, then phrases folded, filler dropped."""
        corrected = " ".join(self._correct(w) for w in folded.split())
        return language.content_words(language.fold_phrases(corrected))

    def _correct(self, word: str) -> str:
        """``word`` itself when known, filler, short or numeric; else its closest known word."""
        if word in self._vocabulary or word in language.FILLER or len(word) < 4:
            return word
        if not word.isalpha():
            return word
        corrected = self._corrections.get(word)
        if corrected is None:
            corrected = _closest(word, self._vocabulary_by_length)
            if len(self._corrections) < _MAX_CACHED_CORRECTIONS:
                self._corrections[word] = corrected
        return corrected

    # -- scoring --------------------------------------------------------------------------------

    def _ranked(self, text: str, parsed: _Parsed) -> list[tuple[int, float]]:
        """Items for the question, best first: the lexical rank, blended with meaning if we can."""
        if self._semantic is None:
            return self._rank(parsed)
        blended = self._signals(text, parsed).blended
        order = np.lexsort((np.arange(len(blended)), -blended))
        return [(int(i), float(blended[i])) for i in order[: MAX_SUGGESTIONS + 1]]

    def _signals(self, text: str, parsed: _Parsed) -> _Signals:
        """Per item: the lexical and semantic scores, on the whole message and on its question
        clause, blended with the wording's owner lean.

        A long message is also scored on its question clause alone ("… so who patches the OS of
        the hosts now?"), and each item keeps the better of the two: the team's story around the
        question must not outweigh the question.
        """
        lexical = self._lexical_scores(parsed)
        semantic = self._semantic_scores(text, parsed)
        blended = _LEXICAL_SHARE * lexical + (1 - _LEXICAL_SHARE) * semantic
        lexical_clause, semantic_clause = lexical, semantic
        focus = language.question_clause(text)
        if focus:
            focus_parsed = replace(
                self._parse(focus), service=parsed.service, services=parsed.services
            )
            lexical_clause = self._lexical_scores(focus_parsed)
            semantic_clause = self._semantic_scores(focus, focus_parsed)
            focused = _LEXICAL_SHARE * lexical_clause + (1 - _LEXICAL_SHARE) * semantic_clause
            blended = np.maximum(blended, _FOCUS_SHARE * focused + (1 - _FOCUS_SHARE) * blended)
        lean = self._owner_lean(text, parsed.topic)
        if lean:
            service_id = parsed.service.id if parsed.service else None
            blended = blended + np.array(
                [lean.get(i.owner_for(service_id), 0.0) for i in self.kb.items]
            )
        return _Signals(
            lexical=lexical,
            semantic=semantic,
            lexical_clause=lexical_clause,
            semantic_clause=semantic_clause,
            blended=blended,
            lean=lean,
            no_words_shared=not lexical.any(),
        )

    def _lexical_scores(self, parsed: _Parsed) -> np.ndarray:
        scores = np.zeros(len(self.kb.items), dtype=np.float64)
        for index, score in self._rank(parsed):
            scores[index] = min(score, _MAX_LEXICAL)
        return scores

    def _rank(self, parsed: _Parsed) -> list[tuple[int, float]]:
        """Items scored for the question, best first (ties: knowledge-base order)."""
        weights = {t: self._weight(t) for t in parsed.topic}
        asked = sum(weights.values())
        if asked == 0:
            return []
        shortlist = self._shortlist(weights, asked)
        if not shortlist:
            return []
        query_text = " ".join(sorted(parsed.topic))
        best: dict[int, float] = {}
        for base, phrase_index in shortlist:
            phrase = self._phrases[phrase_index]
            fuzzy = fuzz.token_set_ratio(query_text, phrase.text) / 100.0
            score = (1 - _FUZZY_SHARE) * base + _FUZZY_SHARE * fuzzy * min(1.0, base * 2)
            score *= self._centrality(phrase, parsed.topic, weights)
            if phrase.services and parsed.services and not phrase.services & parsed.services:
                score *= _OTHER_SERVICE_FACTOR  # "emr cluster patching" is not about ECS
            score += self._service_fit(phrase, parsed)
            item_index = phrase.item_index
            if score > best.get(item_index, -1.0):
                best[item_index] = score
        return sorted(best.items(), key=lambda pair: (-pair[1], pair[0]))

    def _semantic_scores(self, text: str, parsed: _Parsed) -> np.ndarray:
        """Per item: its closest phrasing's similarity, less when that phrasing names a service
        the question does not (service names are left out of the comparison itself)."""
        assert self._semantic is not None
        if parsed.typed is not None:
            scores = self._semantic.phrase_similarities(parsed.typed, as_typed=True)
        else:
            scores = self._semantic.phrase_similarities(text)
        elsewhere = self._names_a_service.copy()
        for service_id in parsed.services:
            if service_id in self._phrases_naming:
                elsewhere &= ~self._phrases_naming[service_id]
        return self._semantic.item_best(scores - _SEMANTIC_ELSEWHERE_PENALTY * elsewhere)

    def _index_semantic_services(self) -> dict[str, np.ndarray]:
        """Service id -> which phrasings of the semantic index name it (a boolean mask)."""
        if self._semantic is None:
            return {}
        masks: dict[str, np.ndarray] = {}
        size = len(self._semantic.phrases)
        for number, phrase in enumerate(self._semantic.phrases):
            for service in self._services.detect(self._words(language.fold(phrase))):
                masks.setdefault(service.id, np.zeros(size, dtype=bool))[number] = True
        return masks

    def _owner_lean(self, text: str, topic: frozenset[str]) -> dict[str, float]:
        """Owners the question's wording leans to: AWS's lower layer (hosts, hardware,
        facilities), the customer's (the guest, keys it manages), or a control as a whole
        ("patching in general" is shared)."""
        if language.WHOLE_CONTROL.search(language.fold(text)):
            return {"shared": _OWNER_LEAN}
        guest, lower = bool(topic & self._guest_terms), bool(topic & self._lower_layer_terms)
        if guest == lower:
            return {}
        side = 1 if lower else -1
        return {"aws": side * _OWNER_LEAN, "customer": -side * _OWNER_LEAN}

    def _centrality(self, phrase: _Phrase, topic: frozenset[str], weights: dict) -> float:
        """Discount a match made only of words incidental to the item (1.0: central words).

        "name" occurs in one alias of the serverless item ("route 53 name servers"): a question
        whose only link to an item is such a word is weak evidence, unlike its title's words.
        """
        central = self._central_terms[phrase.item_index]
        shared = topic & phrase.topic
        total = sum(weights[t] for t in shared)
        if not total:
            return 1.0
        share = sum(weights[t] for t in shared if t in central) / total
        # A one-word question ("old", "live") leans on that word alone: discount it twice as much.
        discount = _INCIDENTAL_DISCOUNT * (2 if len(topic) == 1 else 1)
        return 1 - discount * (1 - share)

    def _shortlist(self, weights: dict[str, float], asked: float) -> list[tuple[float, int]]:
        """The phrases sharing most with the question: (F-measure, phrase index), best first.

        Vectorised with numpy: at 100x the knowledge base a common term ("patch") sits in
        thousands of phrases, and a Python loop over them costs tens of milliseconds.
        """
        hits = [(self._postings[t], w) for t, w in weights.items() if t in self._postings]
        if not hits:
            return []
        indexes = np.concatenate([postings for postings, _ in hits])
        term_weights = np.repeat([w for _, w in hits], [len(postings) for postings, _ in hits])
        phrases, inverse = np.unique(indexes, return_inverse=True)
        shared = np.bincount(inverse, weights=term_weights)
        recall = shared / asked
        precision = shared / self._phrase_weights[phrases]
        b2 = _BETA * _BETA
        f_measure = (1 + b2) * precision * recall / (b2 * precision + recall)
        if len(phrases) > _SHORTLIST:
            keep = np.argpartition(-f_measure, _SHORTLIST)[:_SHORTLIST]
            phrases, f_measure = phrases[keep], f_measure[keep]
        order = np.lexsort((phrases, -f_measure))  # best first; ties: knowledge-base order
        return [(float(f_measure[i]), int(phrases[i])) for i in order]

    def _service_fit(self, phrase: _Phrase, parsed: _Parsed) -> float:
        """Nudge a phrase's score by how well the services it and its item name fit the question."""
        item = self.kb.items[phrase.item_index]
        fit = 0.0
        if parsed.service and parsed.service.id in item.services:
            fit += _SERVICE_BONUS
        elif parsed.service and item.services:
            # The item speaks of other services; the fewer it names, the more specific it is.
            fit -= max(_ELSEWHERE_PENALTY / len(item.services), _SERVICE_BONUS / 2)
        if phrase.services and parsed.services:
            if phrase.services & parsed.services:
                fit += _SERVICE_BONUS / 2
        elif phrase.services:
            fit -= _UNASKED_SERVICE_PENALTY  # "emr patching" is not the answer to "patching"
        return fit

    def _weight(self, t: str) -> float:
        return self._idf.get(t, self._unknown_weight)

    # -- indexing -------------------------------------------------------------------------------

    def _index_phrases(self) -> list[_Phrase]:
        """Every title and alias as a phrase; also sets the term weights (idf over items)."""
        raw: list[tuple[int, list[str]]] = []
        for item_index, item in enumerate(self.kb.items):
            for text in (item.title, *item.aliases):
                raw.append((item_index, language.content_words(_fold_for_index(text))))
        document_frequency: dict[str, set[int]] = defaultdict(set)
        split: list[tuple[int, frozenset[str], frozenset[str]]] = []
        for item_index, words in raw:
            services, service_words = self._services.split(words)
            topic = frozenset(language.term(w) for w in words if w not in service_words)
            if not topic:
                topic = frozenset(language.term(w) for w in words)
            split.append((item_index, topic, frozenset(s.id for s in services)))
            for t in topic:
                document_frequency[t].add(item_index)
        items = max(1, len(self.kb.items))
        self._idf = {t: math.log(1 + items / len(docs)) for t, docs in document_frequency.items()}
        self._unknown_weight = math.log(1 + items / 0.5)
        return [
            _Phrase(
                item_index=item_index,
                topic=topic,
                services=services,
                weight=sum(self._idf[t] for t in topic),
                text=" ".join(sorted(topic)),
            )
            for item_index, topic, services in split
            if topic
        ]

    def _names_a_topic(self, topic: frozenset[str]) -> bool:
        """True when some phrase of the knowledge base is made only of words of ``topic``."""
        if len(topic) > 3:
            return True
        words = sorted(topic)
        return any(
            frozenset(subset) in self._phrase_topics
            for size in range(1, len(words) + 1)
            for subset in itertools.combinations(words, size)
        )

    def _items_about(self, service_id: str) -> tuple[Item, ...]:
        """Items that speak of a service, those naming it in most phrases first."""
        mentions: dict[int, int] = defaultdict(int)
        for phrase in self._phrases:
            if service_id in phrase.services:
                mentions[phrase.item_index] += 1
        for index, item in enumerate(self.kb.items):
            if service_id in item.services:
                mentions[index] += 0
        ranked = sorted(mentions.items(), key=lambda pair: (-pair[1], pair[0]))
        return tuple(self.kb.items[index] for index, _ in ranked)

    def _index_central_terms(self) -> list[frozenset[str]]:
        """Per item: its title's terms, and terms found in at least two of its phrases."""
        counts: list[dict[str, int]] = [defaultdict(int) for _ in self.kb.items]
        for phrase in self._phrases:
            for t in phrase.topic:
                counts[phrase.item_index][t] += 1
        central = []
        for item, item_counts in zip(self.kb.items, counts, strict=True):
            title = set(language.terms(item.title))
            central.append(frozenset(t for t, n in item_counts.items() if n >= 2 or t in title))
        return central

    def _decline(
        self,
        question: str,
        reason: str,
        *,
        service: Service | None = None,
        suggestions: tuple[Item, ...] = (),
        confidence: int = 0,
    ) -> Answer:
        return Answer(
            question=question,
            owner=None,
            item=None,
            confidence=confidence,
            service=service,
            suggestions=suggestions,
            declined_because=reason,
        )


def _lower_layer_terms(kb: KnowledgeBase) -> frozenset[str]:
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


def _fold_for_index(text: str) -> str:
    return language.fold_phrases(language.strip_of_in_phrasing(language.fold(text)))


def _confidence(score: float) -> int:
    return max(0, min(100, round(score * 100)))


def _vocabulary(kb: KnowledgeBase) -> frozenset[str]:
    """Every word the knowledge base uses, before synonyms and suffixes: the typo targets."""
    texts: list[str] = []
    for item in kb.items:
        texts.extend((item.title, *item.aliases))
    for service in kb.services:
        texts.extend((service.name, *service.aliases))
    words = {w for text in texts for w in language.fold(text).split()}
    words.update(language.SYNONYMS)
    words.update(language.SIDE_TERMS)
    words.update(w for phrase in language.PHRASES for w in phrase.split())
    return frozenset(words)


def _by_length(vocabulary: frozenset[str]) -> dict[int, list[str]]:
    buckets: dict[int, list[str]] = defaultdict(list)
    for word in sorted(vocabulary):
        buckets[len(word)].append(word)
    return dict(buckets)


def _closest(word: str, by_length: dict[int, list[str]]) -> str:
    """The vocabulary word closest to a misspelt ``word`` (similar length), or ``word`` itself."""
    # Short words only meet words of about their length: "poem" must not become "pem".
    spread = 1 if len(word) <= 5 else 2
    candidates: list[str] = []
    for length in range(max(4, len(word) - spread), len(word) + spread + 1):
        candidates.extend(by_length.get(length, ()))
    cutoff = 85 if len(word) <= 5 else 82
    if len(word) <= 5:
        # In a short word a letter too many is a big change ("robot" is not "root"), a letter
        # left out is the commonest typo ("grup" is "group", "lamda" is "lambda").
        same = [c for c in candidates if len(c) == len(word)]
        longer = [c for c in candidates if len(c) == len(word) + 1]
        for pool, floor in ((same, cutoff), (longer, 88)):
            match = process.extractOne(word, pool, scorer=fuzz.ratio, score_cutoff=floor)
            if match:
                return match[0]
        cutoff = 90
    match = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=cutoff)
    return match[0] if match else word


def _postings(phrases: list[_Phrase]) -> dict[str, np.ndarray]:
    """Term -> indexes of the phrases that contain it."""
    postings: dict[str, list[int]] = defaultdict(list)
    for index, phrase in enumerate(phrases):
        for t in phrase.topic:
            postings[t].append(index)
    return {t: np.array(indexes, dtype=np.int64) for t, indexes in postings.items()}

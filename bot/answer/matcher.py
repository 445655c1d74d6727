"""Question -> an owner, "it depends, layer by layer", or a decline; no Slack imports.

How a question is answered (docs/engine.md):
1. Rules that are real structure first: empty or over-long questions, exam options (answered
   option by option), the topic gate (bot/answer/topic_gate.py), a bare service name.
2. A question in another language is read through the glossary (bot/answer/glossary.py).
3. The service it names is detected (bot/answer/service_detector.py), minus any it sets aside
   ("not EKS", "migrated Mongo on EC2 to DocumentDB").
4. Evidence: the closest items by words (bot/answer/lexical.py) and meaning
   (bot/answer/semantic.py), on the whole message and its question clause, with their fit to the
   asked service's stack; and the owner head's reading of the question itself
   (bot/answer/owner_head.py).
5. The owner model (bot/answer/owner_model.py) turns the evidence into calibrated probabilities;
   its fitted policy names an owner, answers layer by layer, or declines with "did you mean".
   Without the model (``OFIN_ENGINE=words``, or while fitting) hand-set thresholds decide.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from bot.answer import language, topic_gate, word_head
from bot.answer.answer import Answer
from bot.answer.exam_options import choose_option, held_to_the_stem
from bot.answer.fitted import shipped_head, shipped_model, shipped_words
from bot.answer.glossary import shared_glossary
from bot.answer.lexical import LexicalIndex, Parsed
from bot.answer.owner_head import OwnerHead
from bot.answer.owner_model import CANDIDATE_FEATURES, Evidence, Judgement, OwnerModel
from bot.answer.question_reader import QuestionReader
from bot.answer.semantic import SemanticIndex, build_index
from bot.answer.service_detector import ServiceDetector
from bot.answer.stack_reading import StackReader, lower_layer_terms
from bot.answer.word_head import WordHead
from bot.kb.model import Item, KnowledgeBase, Service

MAX_QUESTION_CHARS = 500
ANSWER_THRESHOLD = 42  # confidence at or above which the engine names an owner
SUGGEST_THRESHOLD = 35  # confidence at or above which an item is offered as "did you mean"
# With the semantic signal the score is a blend of the two (see _blended); its own thresholds.
BLEND_ANSWER_THRESHOLD = 30
BLEND_SUGGEST_THRESHOLD = 24
_LEXICAL_SHARE = 0.5  # the blend: half lexical score, half cosine similarity
_SEMANTIC_ELSEWHERE_PENALTY = 0.1
# A question about the layer under the guest ("underlying", "firmware", "physical host") lifts
# the items AWS owns in that context by this much, and lowers the customer's; one about a
# control as a whole lifts the shared items.
_OWNER_LEAN = 0.08
_FOCUS_SHARE = 0.5  # a long message: its question clause counts for half, against the whole
MAX_SUGGESTIONS = 3
_CANDIDATES = 8  # closest items the owner model weighs
# ... and the next closest items of the service the question names, beyond those eight: its own
# wording of a layer (the Direct Connect item for "encrypting traffic over a Direct Connect
# link", whose other words read as the data centre's network) must be weighed too
_SERVICE_CANDIDATES = 2
# The owner head's reading of a question when no head is installed: every class alike.
_UNREAD = dict.fromkeys(("aws", "customer", "shared", "none"), 0.25)
_CONSENSUS_SHARPNESS = 20.0  # how fast a candidate's vote fades with its gap to the best
_SUGGEST_PROBABILITY = 0.08  # a candidate this probable is offered as "did you mean"
_AGREEING = 3  # top items whose shared owner answers a question just under the line
_AGREEING_DETAIL = 5  # terms such a question must have
# "how old are you", "what's your name": talk to the bot about itself, when nothing else is asked.
_SMALL_TALK = re.compile(r"\b(?:are|do|can|will|would|have) you\b|\byour(?:self)?\b|\byou re\b")


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


class Matcher:
    """Match free-text questions against a knowledge base, indexed once."""

    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        semantic: SemanticIndex | None | bool = True,
        model: OwnerModel | None | bool = True,
        head: OwnerHead | None = None,
        words: WordHead | None = None,
    ):
        """Index ``kb``; ``semantic``: an index, True to build one (when the model is installed),
        or False/None for the lexical signal alone; ``model``: the learned owner model, True for
        the one shipped with ofin, False/None for the hand-set thresholds (used while fitting).
        Raise FittedFilesError (bot/answer/fitted.py) when the shipped files do not fit the code."""
        self.kb = kb
        self._model = shipped_model() if model is True else (model or None)
        self._head: OwnerHead | None = None
        self._words: WordHead | None = None
        self._services = ServiceDetector(kb.services)
        self._service_masks: dict[str, np.ndarray] = {}
        self._lexical = LexicalIndex(kb, self._services)
        self._reader = QuestionReader(self._services, self._lexical)
        self._glossary = shared_glossary().knowing(self._lexical.vocabulary)
        self._semantic = (
            build_index(kb, self._reader.without_services)
            if semantic is True
            else (semantic or None)
        )
        if self._model is not None and self._semantic is not None:
            self._head = head or shipped_head(self._semantic.encoder)
        self._words = (words or shipped_words()) if self._model is not None else None
        self._lower_layer_terms = lower_layer_terms(kb)
        self._phrases_naming = self._index_semantic_services()
        phrase_count = len(self._semantic.phrases) if self._semantic else 0
        self._names_a_service = np.zeros(phrase_count, dtype=bool)
        for naming in self._phrases_naming.values():
            self._names_a_service |= naming
        self._guest_terms = frozenset(language.term(w) for w in language.GUEST_LAYER_WORDS)
        self._stacks = StackReader(kb, self._semantic) if self._semantic else None

    @property
    def encoder(self) -> str | None:
        """The embedding model's fingerprint (None: answering on words alone)."""
        return self._semantic.encoder if self._semantic else None

    def labelled_phrasings(
        self,
    ) -> tuple[np.ndarray, tuple[str, ...], tuple[str | None, ...]]:
        """The knowledge base's own statements as labelled phrasings, for the owner head's vote
        (used while fitting): every alias with its item's owner for the service it names, and
        every per-service owner an item states ("server-side encryption … on Amazon MSK": shared);
        with the service each speaks of.
        """
        if self._semantic is None:
            return np.zeros((0, 0)), (), ()
        texts, owners, services = [], [], []
        for item in self.kb.items:
            for alias in item.aliases:
                service = self._reader.find_service(alias)
                texts.append(alias)
                owners.append(item.owner_for(service.id if service else None))
                services.append(service.id if service else None)
            for service_id in item.services:
                service = self._services.by_id(service_id)
                if service is not None:
                    texts.append(f"{item.title} on {service.matched_name}")
                    owners.append(item.owner_for(service_id))
                    services.append(service_id)
        vectors = np.vstack([self._semantic.vector(t) for t in texts])
        return vectors, tuple(owners), tuple(services)

    # -- public API ---------------------------------------------------------------------------

    def ask(self, question: str) -> Answer:
        """Answer one question; deterministic."""
        read = self._read(question)
        if isinstance(read, Answer):
            return read
        text, parsed, folded = read
        return held_to_the_stem(self._answer(question, text, parsed, folded), text)

    def _answer(self, question: str, text: str, parsed: Parsed, folded: str) -> Answer:
        """The evidence's answer to a question the rules left open."""
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
        read = self._read(question, options=False)
        if isinstance(read, Answer):
            return None
        return self.evidence_for(*read)

    def _read(self, question: str, *, options: bool = True) -> Answer | tuple[str, Parsed, str]:
        """The rules that are real structure, before any evidence: an answer when they decide
        (empty, too long, exam options, off topic, a bare service name, small talk), else the
        text read (through the glossary when typed in another language), parsed and folded.
        ``options``: answer exam options one by one (False: leave them undecided)."""
        text = " ".join(question.split())
        if not text:
            return self._decline(question, "empty")
        if len(text) > MAX_QUESTION_CHARS:
            return self._decline(question, "too_long")
        reading = self._glossary.read(text)
        typed = text if reading.translated else None
        text = reading.text
        folded = language.fold(text)
        if topic_gate.asks_which_service(folded) or topic_gate.asks_which_statement(folded):
            # before its options: they are services, or claims about how a feature works
            return self._decline(question, "off_topic")
        found = language.answer_options(text)
        if found:
            chosen = choose_option(found, self.ask, self._reader.find_service) if options else None
            if chosen is not None:
                return replace(chosen, question=question)
            if not options:
                return self._decline(question, "unsure")  # not the model's to weigh
        services = self._reader.services_in(folded)
        reason = topic_gate.off_topic_reason(folded, names_a_service=bool(services))
        if reason:
            return self._decline(
                question, "other_cloud" if reason == "other_cloud" else "off_topic"
            )
        parsed = self._reader.parse(text)
        if parsed.only_service and parsed.service and not self._lexical.names_a_topic(parsed.topic):
            # "kms?" names a service and no responsibility: offer its main items instead.
            return self._decline(
                question,
                "unsure",
                service=parsed.service,
                suggestions=self._lexical.items_about(parsed.service.id)[:MAX_SUGGESTIONS],
            )
        if _SMALL_TALK.search(folded) and not self._lexical.names_a_topic(parsed.topic):
            return self._decline(question, "off_topic", service=parsed.service)
        return text, replace(parsed, typed=typed), folded

    def evidence_for(self, text: str, parsed: Parsed, folded: str) -> Evidence:
        """Features of the closest items and signals of the question, for the owner model."""
        signals = self._signals(text, parsed)
        blended = signals.blended
        ranking = np.lexsort((np.arange(len(blended)), -blended))
        order = ranking[:_CANDIDATES]
        service_id = parsed.service.id if parsed.service else None
        if service_id is not None:
            rest = ranking[_CANDIDATES:]
            own = rest[self._items_naming(service_id)[rest]][:_SERVICE_CANDIDATES]
            order = np.concatenate((order, own.astype(order.dtype)))
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
        stack_owner, stack_margin, any_owner, any_margin = None, 0.0, None, 0.0
        if self._stacks is not None:
            stack_owner, stack_margin = self._stacks.asked_service(text, parsed)
            any_owner, any_margin = self._stacks.any_service(text, parsed)
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
                    0.0,  # head_owner: filled in by Evidence.with_head below
                    0.0,  # head_owner_clause
                    0.0,  # words_owner: filled in by Evidence.with_words below
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
            0.0,  # head_none: filled in by Evidence.with_head below
            0.0,  # head_none_clause
            0.0,  # words_none
        ]
        vector = self._question_vector(text, parsed)
        focus = language.question_clause(text)
        clause_vector = self._semantic.vector(focus) if focus and self._semantic else vector
        evidence = Evidence(
            items=tuple(int(i) for i in order),
            owners=tuple(owners),
            features=np.array(rows, dtype=np.float64).reshape(len(rows), len(CANDIDATE_FEATURES)),
            signals=np.array(question_signals, dtype=np.float64),
            vector=vector,
            clause_vector=clause_vector,
            service=service_id,
            words=word_head.terms(self._reader.without_services(text).split()),
        )
        if self._words is not None:
            evidence = evidence.with_words(self._words.probabilities(evidence.words))
        else:
            evidence = evidence.with_words(_UNREAD)
        if self._head is None:
            return evidence.with_head(_UNREAD)
        read = self._head.probabilities(vector, service_id)
        read_clause = (
            read if clause_vector is vector else self._head.probabilities(clause_vector, service_id)
        )
        return evidence.with_head(read, read_clause)

    def _items_naming(self, service_id: str) -> np.ndarray:
        """Which items state an owner for ``service_id`` (a mask in KB order, kept per service)."""
        known = self._service_masks.get(service_id)
        if known is None:
            known = np.array([service_id in item.services for item in self.kb.items], dtype=bool)
            self._service_masks[service_id] = known
        return known

    def _question_vector(self, text: str, parsed: Parsed) -> np.ndarray:
        """The question's embedding as the semantic signal compares it (cached: no new work)."""
        assert self._semantic is not None
        if parsed.typed is not None:
            return self._semantic.vector(parsed.typed, as_typed=True)
        return self._semantic.vector(text)

    def _judged(
        self, question: str, parsed: Parsed, evidence: Evidence, judgement: Judgement
    ) -> Answer:
        """Name an owner only when the model is sure of it and not of its opposite."""
        assert self._model is not None
        policy = self._model.policy
        owner = judgement.best_owner
        chance = self._model.calibrated(judgement.owner_probability[owner])  # what is shown
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
                cues=tuple(self._words.leaning(evidence.words, owner)) if self._words else (),
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
        self, parsed: Parsed, evidence: Evidence, judgement: Judgement
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

    def _owners_agree(self, ranked: list[tuple[int, float]], parsed: Parsed, folded: str) -> bool:
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
    def _owner(item: Item, parsed: Parsed, folded: str) -> str:
        """The item's owner for the question: the asked service's, unless the item is a shared
        control and the question asks about it as a whole, or names services on which it has
        different owners ("patch management, given we run EC2 and RDS" is the shared control)."""
        if item.owner == "shared":
            owners = {item.owner_for(service_id) for service_id in parsed.services}
            if len(owners) > 1 or language.AS_A_WHOLE.search(folded):
                return item.owner
        return item.owner_for(parsed.service.id if parsed.service else None)

    def find_service(self, text: str) -> Service | None:
        """The service named in ``text`` ("my lambda", "on RDS"), or None."""
        return self._reader.find_service(text)

    # -- scoring --------------------------------------------------------------------------------

    def _ranked(self, text: str, parsed: Parsed) -> list[tuple[int, float]]:
        """Items for the question, best first: the lexical rank, blended with meaning if we can."""
        if self._semantic is None:
            return self._lexical.rank(parsed)
        blended = self._signals(text, parsed).blended
        order = np.lexsort((np.arange(len(blended)), -blended))
        return [(int(i), float(blended[i])) for i in order[: MAX_SUGGESTIONS + 1]]

    def _signals(self, text: str, parsed: Parsed) -> _Signals:
        """Per item: the lexical and semantic scores, on the whole message and on its question
        clause, blended with the wording's owner lean.

        A long message is also scored on its question clause alone ("… so who patches the OS of
        the hosts now?"), and each item keeps the better of the two: the team's story around the
        question must not outweigh the question.
        """
        lexical = self._lexical.scores(parsed)
        semantic = self._semantic_scores(text, parsed)
        blended = _LEXICAL_SHARE * lexical + (1 - _LEXICAL_SHARE) * semantic
        lexical_clause, semantic_clause = lexical, semantic
        focus = language.question_clause(text)
        if focus:
            focus_parsed = replace(
                self._reader.parse(focus), service=parsed.service, services=parsed.services
            )
            lexical_clause = self._lexical.scores(focus_parsed)
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

    def _semantic_scores(self, text: str, parsed: Parsed) -> np.ndarray:
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
            for service in self._reader.services_in(language.fold(phrase)):
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

    # -- indexing -------------------------------------------------------------------------------

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


def _confidence(score: float) -> int:
    return max(0, min(100, round(score * 100)))

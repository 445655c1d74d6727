"""The word side of matching: terms shared with each item's phrasings, weighted and corrected.

Every title and alias of the knowledge base is indexed as a phrase of terms (service names kept
apart); a question's terms are corrected against the knowledge base's own vocabulary, and each
item is scored by a weighted F-measure of shared terms blended with rapidfuzz's token-set ratio,
discounted for incidental words and nudged by how its services fit the question's.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.answer import language
from bot.answer.service_detector import ServiceDetector
from bot.kb.model import Item, KnowledgeBase, Service

_MAX_LEXICAL = 1.2  # a lexical score can exceed 1 with service bonuses; cap its pull
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


@dataclass(frozen=True)
class Parsed:
    """A question reduced to what the scorers need."""

    topic: frozenset[str]
    service: Service | None
    services: frozenset[str]
    only_service: bool = False  # the question names a service and nothing else
    typed: str | None = None  # a question in another language, as typed (for the embedding)


@dataclass(frozen=True)
class Phrase:
    """One searchable phrase of an item: its title or one alias, as terms."""

    item_index: int
    topic: frozenset[str]  # terms that are not service names (or all terms, if only services)
    services: frozenset[str]  # ids of the services the phrase names
    weight: float  # summed weight of `topic`
    text: str  # topic terms joined, for rapidfuzz


class LexicalIndex:
    """The knowledge base's phrasings as terms, indexed once; item scores for a parsed question."""

    def __init__(self, kb: KnowledgeBase, services: ServiceDetector):
        self.kb = kb
        self._services = services
        self.vocabulary = _vocabulary(kb)
        self._by_length = _by_length(self.vocabulary)
        self._corrections: dict[str, str] = {}
        self._idf: dict[str, float] = {}
        self._unknown_weight = 1.0
        self.phrases = self._index_phrases()
        self._postings = _postings(self.phrases)
        self._central_terms = self._index_central_terms()
        self._phrase_topics = frozenset(p.topic for p in self.phrases)
        self._phrase_weights = np.array([p.weight for p in self.phrases], dtype=np.float64)

    def words(self, folded: str) -> list[str]:
        """Content words of folded text: typos corrected, then phrases folded, filler dropped."""
        corrected = " ".join(self.correct(w) for w in folded.split())
        fused = self._services.fuse_branded_names(corrected)
        return language.content_words(language.fold_phrases(fused))

    def correct(self, word: str) -> str:
        """``word`` itself when known, filler, short or numeric; else its closest known word."""
        if word in self.vocabulary or word in language.FILLER or len(word) < 4:
            return word
        if not word.isalpha():
            return word
        corrected = self._corrections.get(word)
        if corrected is None:
            corrected = _closest(word, self._by_length)
            if len(self._corrections) < _MAX_CACHED_CORRECTIONS:
                self._corrections[word] = corrected
        return corrected

    def scores(self, parsed: Parsed) -> np.ndarray:
        scores = np.zeros(len(self.kb.items), dtype=np.float64)
        for index, score in self.rank(parsed):
            scores[index] = min(score, _MAX_LEXICAL)
        return scores

    def rank(self, parsed: Parsed) -> list[tuple[int, float]]:
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
            phrase = self.phrases[phrase_index]
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

    def names_a_topic(self, topic: frozenset[str]) -> bool:
        """True when some phrase of the knowledge base is made only of words of ``topic``."""
        if len(topic) > 3:
            return True
        words = sorted(topic)
        return any(
            frozenset(subset) in self._phrase_topics
            for size in range(1, len(words) + 1)
            for subset in itertools.combinations(words, size)
        )

    def items_about(self, service_id: str) -> tuple[Item, ...]:
        """Items that speak of a service, those naming it in most phrases first."""
        mentions: dict[int, int] = defaultdict(int)
        for phrase in self.phrases:
            if service_id in phrase.services:
                mentions[phrase.item_index] += 1
        for index, item in enumerate(self.kb.items):
            if service_id in item.services:
                mentions[index] += 0
        ranked = sorted(mentions.items(), key=lambda pair: (-pair[1], pair[0]))
        return tuple(self.kb.items[index] for index, _ in ranked)

    def _centrality(self, phrase: Phrase, topic: frozenset[str], weights: dict) -> float:
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

    def _service_fit(self, phrase: Phrase, parsed: Parsed) -> float:
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

    def _index_phrases(self) -> list[Phrase]:
        """Every title and alias as a phrase; also sets the term weights (idf over items)."""
        raw: list[tuple[int, list[str]]] = []
        for item_index, item in enumerate(self.kb.items):
            for text in (item.title, *item.aliases):
                folded = self._services.fuse_branded_names(_fold_for_index(text))
                raw.append((item_index, language.content_words(language.fold_phrases(folded))))
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
            Phrase(
                item_index=item_index,
                topic=topic,
                services=services,
                weight=sum(self._idf[t] for t in topic),
                text=" ".join(sorted(topic)),
            )
            for item_index, topic, services in split
            if topic
        ]

    def _index_central_terms(self) -> list[frozenset[str]]:
        """Per item: its title's terms, and terms found in at least two of its phrases."""
        counts: list[dict[str, int]] = [defaultdict(int) for _ in self.kb.items]
        for phrase in self.phrases:
            for t in phrase.topic:
                counts[phrase.item_index][t] += 1
        central = []
        for item, item_counts in zip(self.kb.items, counts, strict=True):
            title = set(language.terms(item.title))
            central.append(frozenset(t for t, n in item_counts.items() if n >= 2 or t in title))
        return central


def _fold_for_index(text: str) -> str:
    return language.strip_of_in_phrasing(language.fold(text))


def _vocabulary(kb: KnowledgeBase) -> frozenset[str]:
    """Every word the knowledge base uses, before synonyms and suffixes: the typo targets."""
    texts: list[str] = []
    for item in kb.items:
        texts.extend((item.title, *item.aliases))
    for service in kb.services:
        texts.extend((service.matched_name, *service.aliases))
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


def _postings(phrases: list[Phrase]) -> dict[str, np.ndarray]:
    """Term -> indexes of the phrases that contain it."""
    postings: dict[str, list[int]] = defaultdict(list)
    for index, phrase in enumerate(phrases):
        for t in phrase.topic:
            postings[t].append(index)
    return {t: np.array(indexes, dtype=np.int64) for t, indexes in postings.items()}

"""Turn free text into comparable terms: case, punctuation, filler, phrases, synonyms, suffixes.

Questions and knowledge-base aliases go through the same functions, so whatever a person types and
whatever a curator wrote meet in one vocabulary of terms. No Slack, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

VOCABULARY_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "vocabulary" / "english.yaml"
_VOCABULARY = yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8"))

# Words that carry no meaning for "whose job is this?": question words, the "responsible for"
# family, pronouns, articles, the provider's own name. Domain words (security, data, network) stay.
FILLER = frozenset(_VOCABULARY["filler"])

# Multi-word phrases folded into one term before tokenising (applied left to right, longest first).
PHRASES: dict[str, str] = dict(_VOCABULARY["phrases"])

# Single words mapped to a canonical term (after typo correction, before suffix stripping).
SYNONYMS: dict[str, str] = dict(_VOCABULARY["synonyms"])

# Words that point below the guest: at the hosts, hardware and buildings that are always AWS's,
# even when the question names EC2 ("firmware of the EC2 hosts"). bot/answer/matcher.py adds the
# terms that knowledge/services.yaml uses only in AWS-owned layers of its responsibility stacks.
LOWER_LAYER_WORDS = frozenset(_VOCABULARY["lower_layer_words"])
# Asking about a control as a whole, across both layers: "patching in general", "both sides".
WHOLE_CONTROL = re.compile(
    r"\b(?:in general|as a whole|overall|all in all|end to end|across the board|as a control"
    r"|both (?:sides|layers|parties)|both the|on both|at both|whole (?:thing|control|process))\b"
)
# A control asked about as a whole, not on one service: "patch management as a control".
AS_A_WHOLE = re.compile(r"\b(?:in general|as a whole|overall|as a control|across the board)\b")
# Words that put the question back in the customer's layer whatever else it says.
GUEST_LAYER_WORDS = frozenset(_VOCABULARY["guest_layer_words"])

# Words too short or too special to be typo-corrected or suffix-stripped.
_KEEP_AS_IS = frozenset({"os", "vm", "az", "ssh", "tls", "ssl", "iam", "mfa", "sso", "ddos"})

_TOKEN = re.compile(r"[a-z0-9]+")
_PHRASE_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)) + r")\b"
)
# "is X security OF the cloud or IN the cloud?" -> "X": that wording asks who, it names no topic.
_OF_IN_PATTERN = re.compile(
    r"\b(?:(?:is|are)\s+(?:it|this|that|they)?\s*)?(?:security\s+)?(?:of|in)\s+(?:the\s+)?cloud"
    r"(?:\s+or\s+(?:security\s+)?(?:of|in)\s+(?:the\s+)?cloud)?\b"
    r"|\b(?:security\s+)?of\s+or\s+in\s+(?:the\s+)?cloud\b"
)


_MODEL_FRAMING = re.compile(
    r"\b(?:according to|under|in|per|based on|within|by)\s+(?:the\s+)?(?:aws\s+|amazon\s+)?"
    r"shared\s+responsibility\s+model\b"
    r"|\b(?:according to|per|as per) (?:aws|amazon)\b"
)
# The model's own name in a stem never says which side is asked (a translated stem may have lost
# the "according to" before it: "segundo o modelo de responsabilidade compartilhada").
_MODEL_NAME = re.compile(r"\b(?:the\s+)?(?:aws\s+|amazon\s+)?shared\s+responsibility\s+model\b")
# "…: customer, AWS, or shared?", "aws or us?", "us vs aws": the possible answers, not a topic.
_OWNER_WORD = (
    r"(?:aws|awss|amazon|amazons|the customer|customer|customers|cust|shared|both|us|we|me|mine"
    r"|ours|the provider|provider|them|theirs)"
)
_OWNER_CHOICES = re.compile(
    rf"\b{_OWNER_WORD}(?:\s+(?:job|responsibility|problem|side|task|duty))?"
    rf"(?:\s+(?:or|vs|versus)?\s*{_OWNER_WORD}(?:\s+(?:job|responsibility|side))?)+"
    rf"(?:\s+(?:or|and)\s+{_OWNER_WORD})?\b"
)
_CATEGORY_OPTION = re.compile(
    r"\b(shared|inherited|customer specific|customer owned|aws owned)(?:\s+controls?)?\b"
)
# Words naming a side of the model, kept only when a question names nothing else.
_SIDES = {
    "aws": "awsside",
    "amazon": "awsside",
    "provider": "awsside",
    "customer": "customerside",
    "customers": "customerside",
    "i": "customerside",
    "me": "customerside",
    "we": "customerside",
    "us": "customerside",
}
SIDE_TERMS = frozenset({"ofcloud", "incloud", *_SIDES.values()})
_SIDE_PATTERN = re.compile(
    r"\b(?:security\s+)?(of|in)\s+(?:the\s+)?cloud\b"
    r"|\b(?:aws|amazon|provider|customers?|i|me|we|us)\b"
)


# "not EKS", "instead of RDS", "moved from ECS on EC2 over to Fargate": services set aside.
_SET_ASIDE = re.compile(
    r"\b(?:not|instead of|rather than|without|no longer on|away from|moved from|moving from"
    r"|migrated from|migrating from|switched from|from)"
    r"((?:\s+(?!(?:to|over|onto|into|but|and|so|who|whose|what|which|is|are|now)\b)\w+){1,6})"
    # "we migrated Mongo on EC2 to DocumentDB": what was moved, and from where, without "from"
    r"|\b(?:moved|moving|migrated|migrating|switched|switching|ported|porting|lifted and shifted)"
    r"((?:\s+(?!(?:to|over|onto|into|from|but|and|so|who|whose|what|which|is|are|now)\b)\w+)"
    r"{1,6})\s+(?:over\s+)?(?:to|onto|into)\b"
    # "we swapped self-managed Kafka on EC2 for MSK", "replaced RabbitMQ on EC2 with Amazon MQ"
    r"|\b(?:swapped|swapping|swap|traded|trading|ditched|ditching|replaced|replacing|replace)"
    r"((?:\s+(?!(?:for|with|by|but|and|so|who|whose|what|which|is|are|now)\b)\w+){1,6})"
    r"\s+(?:for|with)\b"
    # "we're moving our postgres off a self-managed EC2 box and onto RDS": what it came off
    r"|\b(?:moved|moving|move|migrated|migrating|migrate|took|taking|getting|got)(?:\s+\w+){0,4}?"
    r"\s+off\s+(?:of\s+)?((?:\s*(?!(?:to|over|onto|into|and|but|so|who|whose|what|which|is|are"
    r"|now)\b)\w+){1,6})"
)


# "A) patching the guest OS  B) …", "(1) … (2) …": an exam question's answer options.
_OPTION_MARK = re.compile(r"(?:^|\s)\(?([A-Ea-e1-5])[).:]\s+")
_NAMES_AWS = re.compile(r"\b(?:aws|awss|amazon|amazons|the provider|cloud provider)\b")
# Exam stems call the customer "the company" / "the organization" ("what is the company
# responsible for?"); AWS is never the company of a stem.
_NAMES_CUSTOMER = re.compile(
    r"\b(?:customer|customers|us|we|our|you|your|the user|tenant"
    r"|company|companys|organization|organizations|organisation|organisations)\b"
)
# "Which task does the company no longer perform (after moving to a managed service)?" asks for
# what the company does not do.
_NEGATED = re.compile(r"\b(?:not|except|never|isn t|is not|no longer)\b")
# A stem that asks for a party ("who …", "quién …", "谁 …") asks no side, whatever it names.
_ASKS_WHO = re.compile(r"\b(?:who|whose|whom|whos|quien|quem|wer)\b|[谁誰]|누가")
# The side a stem asks about, said outright: "a customer responsibility", "the responsibility of
# AWS", "AWS is responsible for". Wins over a side merely named ("a company runs AWS Lambda").
_SIDE_WORD = (
    r"(aws|awss|amazon|amazons|provider|providers|customer|customers|user|users|you|we"
    r"|company|companys|organization|organisation|their)"
)
_SIDE_ASKED = re.compile(
    rf"\b{_SIDE_WORD}\s+(?:s\s+)?(?:responsibility|responsibilities|job|jobs|duty|duties|task)\b"
    rf"|\b(?:responsibility|responsibilities|job|duty|duties) of (?:the )?{_SIDE_WORD}\b"
    # read from French, Spanish, Portuguese: "responsabilité du client" -> "responsibility customer"
    rf"|\b(?:responsibility|responsibilities) {_SIDE_WORD}\b"
    # "AWS is responsible"; "AWS responsible" as a question read from Chinese says it (由 AWS 负责)
    rf"|\b{_SIDE_WORD}\s+(?:(?:is|are)\s+)?(?:solely |fully |directly )?responsible\b"
    rf"|\b(?:is|are)\s+(?:the |a )?{_SIDE_WORD}\s+(?:solely |fully |directly )?responsible\b"
    # the model's control categories: "an inherited control" is AWS's, "customer specific" yours
    r"|\b(inherited)\s+controls?\b|\b(customer)\s+specific\s+controls?\b"
)
_SIDE_OF_WORD = {
    "aws": "aws", "awss": "aws", "amazon": "aws", "amazons": "aws", "provider": "aws",
    "providers": "aws", "customer": "customer", "customers": "customer", "user": "customer",
    "users": "customer", "you": "customer", "we": "customer", "company": "customer",
    "companys": "customer", "organization": "customer", "organisation": "customer",
    "inherited": "aws", "their": "customer",  # a stem's "their": the company or team it is about
}  # fmt: skip
# "AWS Lambda", "Amazon DynamoDB", "AWS KMS": a service's name, not a side of the model; a word in
# capitals for emphasis is not a service ("is AWS SOLELY responsible", "AWS ONLY").
_BRANDED_SERVICE = re.compile(
    r"\b(?:AWS|Amazon)\s+(?!(?:SOLELY|ONLY|ALONE|FULLY|ALWAYS|NEVER|NOT|IS|ARE|MUST|SHOULD|DOES|DO"
    r"|RESPONSIBLE|OR|AND)\b)(?=[A-Z])"
)
# An option that is itself an owner: "A) AWS B) The customer C) Both".
_OWNER_OPTION = re.compile(
    r"^(?:the\s+|an?\s+)?(?:(?P<aws>aws|amazon|amazon web services|the provider|cloud provider"
    r"|inherited|aws only|aws owned|provider only|aws specific)"
    r"|(?P<customer>customer|the customer|customers|you|us|we|the user|customer specific"
    r"|customer only|customer owned)"
    r"|(?P<shared>both|shared|both aws and the customer|both aws and customer|aws and the customer"
    r"|aws and customer|the customer and aws|customer and aws|shared between them|both of them))"
    # the control categories as an exam lists them: "Inherited control", "Shared responsibility"
    r"(?:\s+(?:controls?|responsibility|responsibilities))?(?:\s+(?:alone|only|solely))?$"
)


@dataclass(frozen=True)
class Options:
    """A question listing its possible answers: the stem, the options, the side it asks about."""

    stem: str
    options: tuple[str, ...]
    side: str | None  # "aws" | "customer" | "shared", or None when the stem names no side
    negated: bool  # "which is NOT AWS's responsibility?"

    @property
    def are_owners(self) -> bool:
        """True when the options are the owners themselves ("A) AWS B) The customer C) Both",
        "A) AWS, because it is managed B) The customer alone …"), perhaps with distractors, up to
        half of them ("C) AWS Support D) The account manager"): then the stem alone is the
        question."""
        owners = [option_owner(o) for o in self.options]
        named = [o for o in owners if o]
        return len(set(named)) >= 2 and len(owners) - len(named) <= len(owners) // 2


def option_owner(option: str) -> str | None:
    """The owner an answer option names ("The customer" -> "customer", "AWS, because it is
    managed" -> "aws", "Shared: AWS releases … and you apply …" -> "shared"), or None."""
    found = _OWNER_OPTION.match(fold(option))
    if found is None:
        said = _OWNER_THEN_REASON.match(option.strip().lower())
        found = _OWNER_OPTION.match(fold(said.group(1))) if said else None
    return found.lastgroup if found else None


# An option that names an owner and then gives its reason: "AWS, because …", "Shared: …",
# "The customer alone, since …", "Both — AWS … and the customer …".
_OWNER_THEN_REASON = re.compile(
    r"^([a-z ]{2,40}?)(?:\s+(?:alone|only|solely))?(?:\s*[,:;(\u2013\u2014-]|\s+(?:because|since"
    r"|as|through|via|by)\b)"
)


def answer_options(text: str) -> Options | None:
    """The options of an exam-style question ("… A) x B) y C) z"), or None."""
    marks = list(_OPTION_MARK.finditer(text))
    labels = [m.group(1).lower() for m in marks]
    expected = "abcde" if labels and labels[0].isalpha() else "12345"
    if len(marks) < 2 or "".join(labels) != expected[: len(labels)]:
        return None
    stem = text[: marks[0].start()]
    options = tuple(
        text[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip(" ,;")
        for i, m in enumerate(marks)
    )
    folded = fold(stem)
    return Options(stem, options, _side_asked(stem), bool(_NEGATED.search(folded)))


def _side_asked(stem: str) -> str | None:
    """The side an exam stem asks about: said outright, else the only side it names."""
    folded = _MODEL_NAME.sub(" ", _MODEL_FRAMING.sub(" ", fold(_BRANDED_SERVICE.sub("", stem))))
    if re.search(r"\bshared\b", folded):
        return "shared"
    said = {_SIDE_OF_WORD[next(g for g in m.groups() if g)] for m in _SIDE_ASKED.finditer(folded)}
    if len(said) == 1:
        return said.pop()
    if _ASKS_WHO.search(folded):
        return None  # "who is responsible for MFA on the root user of an AWS account?" asks a party
    aws, customer = bool(_NAMES_AWS.search(folded)), bool(_NAMES_CUSTOMER.search(folded))
    if aws != customer:
        return "aws" if aws else "customer"
    return None


# Where the real question starts in a long message: "who …", "whose job …", "is it on us to …".
_QUESTION_START = re.compile(
    r"\b(?:who|whose|whom|which (?:party|side|team)|is (?:it|that|this) (?:on|up to|our|aws)"
    r"|are we|do we|does aws|should we|must we|whos)\b",
    re.IGNORECASE,
)
_MIN_CONTEXT_WORDS = 6  # context before the question worth setting apart
_MIN_STORY_WORDS = 3  # sentences before a question sentence worth setting apart
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def question_clause(text: str) -> str | None:
    """The question of a long message without the story before it, or None when there is none.

    "We moved the batch jobs to Fargate last sprint and on-call is arguing, so who patches the
    hosts now?" -> "who patches the hosts now?"
    """
    starts = list(_QUESTION_START.finditer(text))
    if not starts:
        return _last_asked_sentence(text)
    start = starts[-1].start()
    if len(content_words(fold(text[:start]))) < _MIN_CONTEXT_WORDS:
        return _last_asked_sentence(text)
    clause = text[start:]
    end = clause.find("?")
    clause = clause[: end + 1] if end >= 0 else clause
    return clause if len(content_words(fold(clause))) >= 2 else None


def _last_asked_sentence(text: str) -> str | None:
    """The last sentence ending in "?" after a story of other sentences ("AWS says its side is
    patched. Do we still need to patch the kernels?"), or None."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 2 or not sentences[-1].rstrip().endswith("?"):
        return None
    story = " ".join(sentences[:-1])
    if len(content_words(fold(story))) < _MIN_STORY_WORDS:
        return None
    clause = sentences[-1].strip()
    return clause if len(content_words(fold(clause))) >= 2 else None


def set_aside_phrases(folded: str) -> list[str]:
    """The phrases of ``folded`` text that name what a question sets aside ("not EKS")."""
    return [next(g for g in m.groups() if g).strip() for m in _SET_ASIDE.finditer(folded)]


def fold(text: str) -> str:
    """Lowercase, strip accents, and turn punctuation into spaces (keeps letters and digits)."""
    if not text.isascii():  # most text is ASCII: skip the per-character accent stripping
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(_TOKEN.findall(text))


# Words that, alone beside a side's name, ask what that side covers rather than name a topic.
_ABOUT_A_SIDE = frozenset(
    "secure secures security protect protects cover covers covered fall falls under list "  # noqa: SIM905
    "scope includ include includes".split()
)


def strip_of_in_phrasing(folded: str) -> str:
    """Remove "security of/in the cloud" wording; with no topic left, keep the sides it names.

    "According to the shared responsibility model, …" framing goes too, and so do the control
    categories when a question lists them as choices: neither names a topic.
    """
    unframed = stripped = _MODEL_FRAMING.sub(" ", folded)
    if len({m.group(1) for m in _CATEGORY_OPTION.finditer(stripped)}) >= 2:
        # "a shared control, inherited control, or customer-specific?" lists the answers.
        stripped = _CATEGORY_OPTION.sub(" ", stripped)
    stripped = _OWNER_CHOICES.sub(" ", stripped)
    stripped = " ".join(_OF_IN_PATTERN.sub(" ", stripped).split())
    topic = content_words(stripped)
    if topic and not set(topic) <= _ABOUT_A_SIDE:
        return stripped
    # "what does AWS secure?", "what falls under customer responsibility?": about a side itself.
    return " ".join([*side_words(unframed), *topic]) or folded


def fold_phrases(folded: str) -> str:
    """Replace known multi-word phrases ("operating system") with one term ("os")."""
    return _PHRASE_PATTERN.sub(lambda m: PHRASES[m.group(1)], folded)


def content_words(folded: str) -> list[str]:
    """The words of folded text that are not filler."""
    return [w for w in folded.split() if w not in FILLER]


@lru_cache(maxsize=65536)
def term(word: str) -> str:
    """Map one (already typo-corrected) word to its canonical term: synonyms, then suffixes."""
    if word in SYNONYMS:
        return SYNONYMS[word]
    if word in _KEEP_AS_IS or len(word) <= 3 or word.isdigit():
        return word
    return _strip_suffix(word)


def _strip_suffix(word: str) -> str:
    stem = word
    if word.endswith(("ability", "ibility")):
        stem = word[:-5] + "l"
    elif word.endswith("ies") and len(word) > 4:
        stem = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes")):
        stem = word[:-2]
    elif word.endswith("ing") and len(word) >= 6:
        stem = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) >= 5:
        stem = _undouble(word[:-2])
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        stem = word[:-1]
    if stem.endswith("e") and len(stem) > 4:
        stem = stem[:-1]
    return stem


def _undouble(stem: str) -> str:
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem


def side_words(folded: str) -> list[str]:
    """The sides of the model that text names: "security OF the cloud" -> "ofcloud", "me" -> ...

    "What is security OF the cloud?" and "what is AWS responsible for?" are about a side of the
    model itself; without this they would shrink to nothing, or to one word they share.
    """
    found: list[str] = []
    for match in _SIDE_PATTERN.finditer(folded):
        if match.group(1):
            side = "ofcloud" if match.group(1) == "of" else "incloud"
        else:
            side = _SIDES[match.group(0)]
        if side not in found:
            found.append(side)
    return found


def words(text: str) -> list[str]:
    """The content words of a question or alias, phrases folded, before typo correction."""
    return content_words(fold_phrases(strip_of_in_phrasing(fold(text))))


def terms(text: str) -> list[str]:
    """Canonical content terms of a curated text (alias, title); no typo correction."""
    return [term(w) for w in words(text)]

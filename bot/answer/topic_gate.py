"""Is this a question about who owns what in the cloud at all? Decided apart from which item.

A question can be full of the knowledge base's words and still not ask whose job something is:
"how do I enable MFA, step by step" wants instructions, "how much does S3 cost" a price, "what
does VPC stand for" a definition. Those are declined however well their words match; a question
that asks who (or whose, or "is it on us?") is not declined here, unless it asks about the
office or the team's own matters and names no cloud ("who approves PTO", "my laptop VPN").
"""

from __future__ import annotations

import re

# Asking for an owner: who/whose, responsible, "aws or us", "our job", "do we have to".
_ASKS_WHO = re.compile(
    r"\b(?:who|whom|whose|whos|responsib\w*|accountab\w*|liable|liability|owns?|owner\w*"
    r"|job|duty|duties|task|in charge|on the hook|on us|on aws|our side|their side|aws side"
    r"|(?:aws|amazon|provider|customer|us|we|me|i|our team|them) or (?:aws|amazon|the provider"
    r"|the customer|customer|us|we|me|them|our team|ours|shared)"
    r"|ours|theirs|shared|inherited"
    r"|(?:do|must|should|would|will) (?:we|i) (?:still )?(?:have|need) to"
    r"|(?:do|does|must|should|will|would) (?:aws|amazon) (?:have|need)? ?(?:to )?"
    r"|(?:is|are) (?:that|this|it|they) (?:on|up to|handled by|done by|covered by)"
    r"|of the cloud|in the cloud"
    r")\b"
)
# "How do I ...", "steps to ...", "can you write ...": instructions, not ownership.
_HOW_TO = re.compile(
    r"^(?:(?:hey|hi|hello|ok|so|please|pls|quick question)\s+)*"
    r"(?:how (?:do|can|should|would|could) (?:i|we|you|one)\b|how to\b|steps? (?:to|for)\b"
    r"|what(?:s| is| are)? the (?:steps|command|cli|syntax|best way|way)\b"
    r"|(?:can|could|would) you (?:write|show|give|generate|create|make|explain how|tell me how)\b"
    r"|(?:show|teach|tell) me how\b|walk me through\b|guide me\b|write (?:me )?(?:a|an|the)\b"
    r"|is there (?:a|an) (?:way|command|tutorial)\b)"
)
# "what does VPC stand for", "explain what a container is", "difference between TCP and UDP".
_DEFINITION = re.compile(
    r"^(?:(?:hey|hi|hello|ok|so|please|pls)\s+)*"
    r"(?:what (?:does|do) \w+(?: \w+)? (?:stand for|mean)\b|what (?:is|are) (?:a|an)\b"
    r"|(?:explain|define|describe) (?:what|the term|the concept)\b|what s the difference\b"
    r"|what is the difference\b|difference between\b)"
)
# A definition asked for anywhere: "give me a one-sentence definition of a VPC", "ELI5 what a NAT
# gateway is".
_DEFINITION_ANYWHERE = re.compile(
    r"\b(?:definition of|(?:one|single|1|short) (?:sentence|line|liner|paragraph)"
    r" (?:definition|summary|explanation|description)|in (?:one|a single|1) (?:sentence|line)"
    r"|eli5|explain (?:it )?like i m (?:five|5))\b"
)
# The model itself, asked for in a line: answered with its summary (shared), not declined.
_THE_MODEL = re.compile(r"\b(?:responsibility model|shared responsibility|(?:of|in) the cloud)\b")
# What a service can do: "does AWS WAF support regex pattern sets", "can SQS support FIFO?"
_FEATURE = re.compile(
    r"^(?:(?:hey|hi|hello|ok|so|quick question)\s+)*(?:does|do|can|will)\b[^?]{0,60}?"
    r"\bsupports?\b"
)
# "who", or a side named as a choice ("… or is that on us?"): with _ASKS_OWNER_OUTRIGHT, what keeps
# a definition or a feature question about ownership from being declined.
_ASKS_A_SIDE = re.compile(
    r"\b(?:who|whom|whose|whos|on us|on aws|or us|or aws|us or|aws or|we or|our job|their job"
    r"|our side|their side)\b"
)
# Prices and bills: "how much does it cost", "pricing of", "free tier".
_PRICE = re.compile(
    r"\b(?:cost|costs|price|prices|pricing|priced|cheap|cheaper|cheapest|expensive|bill"
    r"|billing|billed|invoice|discount|free tier|savings plans?|per hour|per month|expense"
    r"|expenses|expensed|reimburse\w*|voucher|vouchers)\b"
)
# "what year did AWS launch S3", "who founded Amazon": trivia about the companies, not duties.
_TRIVIA = re.compile(
    r"^(?:(?:hey|hi|so|ok)\s+)*(?:what year|which year|when (?:did|was|were)|who (?:founded"
    r"|invented|created|is the (?:ceo|founder|president|head)|runs amazon|won))\b"
)
_QUANTITY = re.compile(r"^(?:so |and |but )?how (?:many|much)\b")
# "what's the max object size", "size limit of a Lambda package": a service's limits.
_LIMITS = re.compile(
    r"\b(?:what(?:s| is| are)? the (?:max|maximum|min|minimum|default|largest|smallest)"
    r"|(?:size|rate|request|storage|account|service) (?:limits?|quotas?)|how (?:big|large)"
    r" (?:can|is|are|does|do))\b"
)
# Instructions asked anywhere in the message: "can someone walk me through …, step by step?"
_HOW_TO_ANYWHERE = re.compile(
    r"\b(?:walk (?:me|us) through|step by step|a tutorial|show (?:me|us) how"
    r"|how do (?:i|we) (?!know)|how can (?:i|we)|how to (?!tell|know))\b"
)
# The office and the team's own matters: equipment, time off, expenses, rotas. Declined unless
# the question also names the cloud ("who is on call for the RDS outage" is not about the rota).
_WORKPLACE = re.compile(
    r"\b(?:office|offices|laptop|laptops|desktop|printer|printers|keyboard|headset"
    r"|pto|vacation|vacations|holiday|holidays|time off|sick leave|leave requests?|payroll run"
    r"|expense|expenses|expensing|reimburse\w*|voucher|salary|salaries|lunch|parking"
    r"|on call (?:rota|schedule|for the|this)|this weekend|next weekend|meeting room)\b"
)
_NAMES_THE_CLOUD = re.compile(
    r"\b(?:aws|amazon|cloud|ec2|s3|rds|iam|kms|lambda|vpc|eks|ecs|bucket|buckets|instance"
    r"|instances|hypervisor|datacenter|data centers?|region|regions)\b"
)


# Not ownership questions even when they ask "who" or name a side (issue: declines): comparisons
# of two things, a service's SLA figure, whether a Region or feature exists, default ports, who
# pays the bill, the account team, and choosing between two options.
_COMPARISON = re.compile(
    r"\b(?:difference between|differences between|what s the difference|whats the difference"
    r"|what is the difference|compare|comparison|versus)\b|\b\w+ vs \w+"
)
_SLA = re.compile(r"\b(?:sla|slas|uptime percentage|service level agreement|monthly uptime)\b")
_REGION_EXISTS = re.compile(
    r"\b(?:is there (?:an? )?(?:aws )?region|(?:region|regions) in \w+ yet|available in (?:the )?"
    r"\w+ region|which regions? (?:support|have|offer))\b"
)
_PORT = re.compile(r"\b(?:default port|which port|what port|port number)\b")
_ACCOUNT = re.compile(
    r"\b(?:who pays|pays for|account manager|tam|technical account manager|sales rep"
    r"|support plan|quota increase)\b"
)
_CHOOSE = re.compile(
    r"^(?:should (?:we|i) (?:pick|choose|use|go with)|which (?:is|one is) better)\b"
)
# "Which AWS service gives access to AWS's SOC reports?", "what tool should we use to scan…":
# which product does something (an exam favourite), not who is responsible for it.
_WHICH_SERVICE = re.compile(
    r"\b(?:which|what) (?:aws |amazon )?(?:service|services|tool|tools|feature|features)"
    r" (?:gives|give|provides|provide|offers|offer|lets|allows|helps|can|should|would|could"
    r"|will|is used|are used|do (?:i|we|you) use|to use|enables|supports)\b"
)

# Another provider's cloud: ofin's knowledge is AWS's, so it says so rather than answer for them.
_OTHER_CLOUD = re.compile(
    r"\b(?:azure|microsoft cloud|entra id|gcp|google cloud|gke|cloud run|app engine|bigquery"
    r"|compute engine|oracle cloud|alibaba cloud|ibm cloud|digitalocean|digital ocean)\b"
)
_NAMES_AWS = re.compile(r"\b(?:aws|amazon)\b")


def _about_another_cloud(folded: str) -> bool:
    """Another provider is named, AWS is not, and the team is not leaving that provider ("from
    Azure", "not GCP"): generic words ("VM", "functions") name no AWS service there."""
    named = _OTHER_CLOUD.search(folded)
    if not named or _NAMES_AWS.search(folded):
        return False
    return not re.search(
        r"\b(?:from|not|instead of|rather than|off|leaving|left)\s+"
        + re.escape(named.group(0))
        + r"\b",
        folded,
    )


def off_topic_reason(folded: str, *, names_a_service: bool = False) -> str | None:
    """Why ``folded`` (bot.answer.language.fold output) is not an ownership question, or None.

    ``names_a_service``: the question names one of the knowledge base's services (any of them,
    as services.yaml lists them), which makes it about the cloud.
    """
    for reason, pattern in (
        ("comparison", _COMPARISON),
        ("sla", _SLA),
        ("region", _REGION_EXISTS),
        ("port", _PORT),
        ("account", _ACCOUNT),
        ("choice", _CHOOSE),
        ("which_service", _WHICH_SERVICE),
    ):
        if pattern.search(folded) and not _ASKS_OWNER_OUTRIGHT.search(folded):
            return reason
    # Before "who": the model's own name ("shared responsibility") and "does AWS …" are not an
    # owner asked for; a person naming a side or asking who is.
    if not (_ASKS_A_SIDE.search(folded) or _ASKS_OWNER_OUTRIGHT.search(folded)):
        if _DEFINITION_ANYWHERE.search(folded) and not _THE_MODEL.search(folded):
            return "definition"
        if _FEATURE.match(folded):
            return "feature"
    if asks_which_statement(folded):
        return "which_statement"
    if _about_another_cloud(folded):
        return "other_cloud"
    if _QUANTITY.match(folded):
        return "quantity"
    if _TRIVIA.match(folded):
        return "trivia"
    if _WORKPLACE.search(folded) and not (names_a_service or _NAMES_THE_CLOUD.search(folded)):
        return "workplace"
    if _ASKS_WHO.search(folded):
        return None
    if _HOW_TO.match(folded) or _HOW_TO_ANYWHERE.search(folded):
        return "how_to"
    if _LIMITS.search(folded):
        return "limits"
    if _DEFINITION.match(folded):
        return "definition"
    if _PRICE.search(folded):
        return "price"
    return None


# "whose responsibility", "who is responsible": asks for an owner whatever else it mentions.
_ASKS_OWNER_OUTRIGHT = re.compile(
    r"\b(?:whose (?:job|responsibility|task|duty)|who is responsible|who s responsible"
    r"|responsible for|responsibility of|who (?:patches|rotates|encrypts|secures|fixes|owns))\b"
)


def asks_who(folded: str) -> bool:
    """True when the question asks for an owner in so many words."""
    return bool(_ASKS_WHO.search(folded))


# "Which statement about security groups and network ACLs is correct? A) …": a study question on
# how a feature works. It is about ownership only when it names a side or a responsibility.
_WHICH_STATEMENT = re.compile(
    r"\b(?:which|what) (?:of the following |one of these |of these )?statements?"
    r" (?:about|regarding|on|concerning|describes|describe|best describes)\b"
    r"|\b(?:which|what) (?:of the following |of these )?(?:is|are) (?:true|correct|accurate|false)"
    r" (?:about|regarding|of)\b"
)
_NAMES_A_SIDE = re.compile(
    r"\b(?:aws|awss|amazon|amazons|customer|customers|you|your|we|our|us|provider|responsib\w*"
    r"|shared|who|whose|owner|owns)\b"
)


def asks_which_statement(folded: str) -> bool:
    """True for a study question on how something works ("which statement about X is
    correct?") whose stem and options name no side of the model."""
    return bool(_WHICH_STATEMENT.search(folded)) and not _NAMES_A_SIDE.search(folded)


def asks_which_service(folded: str) -> bool:
    """True when the question asks which product does something ("which AWS service provides
    …"), an exam stem as often as not: its options are services, not tasks with an owner."""
    return bool(_WHICH_SERVICE.search(folded)) and not _ASKS_OWNER_OUTRIGHT.search(folded)

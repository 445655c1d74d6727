"""Who is responsible: the three owners and the one table of their words, for every front end."""

from __future__ import annotations

from typing import Literal, get_args

Owner = Literal["aws", "customer", "shared"]
OWNERS: tuple[Owner, ...] = get_args(Owner)

# "AWS" / "You" / "Shared": a button, a table cell, a stack layer, a quiz choice.
OWNER_SHORT: dict[str, str] = {"aws": "AWS", "customer": "You", "shared": "Shared"}
# The same in the words of the model: what AWS secures OF the cloud, what you secure IN it.
OWNER_LINES: dict[str, str] = {
    "aws": "AWS — security OF the cloud",
    "customer": "You — security IN the cloud",
    "shared": "Shared — both sides",
}

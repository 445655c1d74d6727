"""Terraform's HCL as Terraform reads it: resources and module calls of one ``*.tf`` file.

python-hcl2 is stricter than Terraform in one way real modules hit: a heredoc's closing marker
followed by spaces (``POLICY  ``) is a parse error for it, not for Terraform. Trailing blanks
are dropped from every line before parsing (lines keep their numbers; ofin reads types and
module sources, never the text of a heredoc). A real syntax error is said in plain words with
its line: "expected '}' to close a block", never the parser's token dump.
"""

from __future__ import annotations

import re

from bot.matrix.template import ModuleCall, Resource, Template, TemplateError, module_call

_TRAILING_BLANKS = re.compile(r"[ \t\r]+$", re.M)
_RESOURCE_AT = re.compile(r'^[ \t]*resource[ \t]+"([^"\n]+)"[ \t]+"([^"\n]+)"', re.M)
_MODULE_AT = re.compile(r'^[ \t]*module[ \t]+"([^"\n]+)"', re.M)

# What the parser expected, in words (python-hcl2's token names are not for people).
_VALUE_TOKENS = {"DBLQUOTE", "INT_LITERAL", "FLOAT_LITERAL", "HEREDOC_TEMPLATE", "LSQB", "LBRACE"}
_STRING_TOKENS = {"STRING_CHARS", "INTERP_START", "DIRECTIVE_START", "ESCAPED_INTERPOLATION"}
_CLOSERS = {"RBRACE": "'}' to close a block or map", "RSQB": "']' to close a list",
            "RPAR": "')' to close a call"}  # fmt: skip
_WORDS = {"EQ": "'='", "COMMA": "','", "NAME": "a name", "COLON": "':'", "LBRACE": "'{'",
          "QMARK": "'?'", "DBLQUOTE": "'\"'"}  # fmt: skip


def read_hcl(name: str, text: str) -> Template:
    """The resources and module calls of one ``*.tf`` file; TemplateError in plain words."""
    import hcl2  # only when a .tf file is read: python-hcl2 builds its grammar on import
    from lark.exceptions import LarkError, UnexpectedInput

    text = _TRAILING_BLANKS.sub("", text)
    try:
        data = hcl2.loads(text)
    except UnexpectedInput as exc:
        raise TemplateError(name, f"invalid Terraform: {_expected(exc)}", exc.line) from None
    except LarkError:
        raise TemplateError(name, "invalid Terraform: ofin's parser could not read it") from None
    return terraform_blocks(name, data.get("resource"), data.get("module"), text)


def _expected(exc: object) -> str:
    """What the parser wanted where it stopped, in words."""
    expected = set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    token = getattr(exc, "token", None)
    found = getattr(token, "type", "")
    if found == "$END":
        closing = [_CLOSERS[t] for t in sorted(expected) if t in _CLOSERS]
        if closing:
            return f"the file ends too soon: expected {' or '.join(closing)}"
        if expected & _STRING_TOKENS:
            return "a string is not closed: the file ends before its closing '\"'"
        return "the file ends in the middle of a block"
    if expected == {"$END"} and found == "RBRACE":
        return "a '}' that closes no block"
    if expected & _STRING_TOKENS and "DBLQUOTE" in expected:
        return "a string is not closed: expected '\"' before the end of the line"
    if len(expected & _VALUE_TOKENS) >= 2:
        return "expected a value after '=' (a string, number, list, map or expression)"
    words = [_CLOSERS.get(t) or _WORDS.get(t) for t in sorted(expected)]
    named = [w for w in words if w]
    if named:
        return f"expected {' or '.join(named[:3])} here"
    return "Terraform syntax ofin cannot read here"


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def terraform_blocks(
    name: str, resource_blocks: object, module_blocks: object, text: str = ""
) -> Template:
    """Resources from HCL's parsed blocks (a list of {type: {name: body}}) or *.tf.json's dict."""
    lines = {(m.group(1), m.group(2)): _line(text, m.start()) for m in _RESOURCE_AT.finditer(text)}
    module_lines = {m.group(1): _line(text, m.start()) for m in _MODULE_AT.finditer(text)}
    found: list[Resource] = []
    for block in _as_list(resource_blocks):
        for kind, named in block.items():
            for logical in named if isinstance(named, dict) else {"?": None}:
                kind_text, logical_text = _unquote(str(kind)), _unquote(str(logical))
                line = lines.get((kind_text, logical_text))
                found.append(Resource(f"{kind_text}.{logical_text}", kind_text, line, name))
    modules: list[ModuleCall] = []
    for block in _as_list(module_blocks):
        for module_name, body in block.items():
            for one in body if isinstance(body, list) else [body]:  # *.tf.json allows a list
                source = _unquote(str(one.get("source", ""))) if isinstance(one, dict) else ""
                label = _unquote(str(module_name))
                modules.append(module_call(label, source, name, module_lines.get(label)))
    return Template(name, "terraform", tuple(found), tuple(modules), files=(name,))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _as_list(blocks: object) -> list[dict]:
    if isinstance(blocks, dict):
        return [blocks]
    if isinstance(blocks, list):
        return [b for b in blocks if isinstance(b, dict)]
    return []

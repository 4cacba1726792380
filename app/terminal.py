"""Text that is safe to print on a terminal, whatever the server put in it.

Names and messages come from FieldAgent, so a hostile or broken server controls them.
Printed raw, an ESC starts a terminal escape sequence (recolour, move the cursor, set
the window title, and on some terminals worse), a CR or BS overwrites what was printed
before, a BEL rings, and the bidirectional overrides and isolates make a name read
differently from the bytes it holds. Each such character is replaced by a visible
escape (`\\x1b`, `\\u202e`), so the user sees that something odd is in the name and the
terminal interprets nothing. JSON output is not passed through here: it stays exact,
and JSON's own escaping already keeps control characters out of the stream.
"""

from __future__ import annotations

import re

# C0 controls except TAB and LF (which we print ourselves and are harmless), DEL, and
# the C1 controls (U+0080-U+009F: CSI at U+009B is an ESC [ on many terminals).
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
# Bidirectional embeddings, overrides and isolates, the implicit marks, and the line and
# paragraph separators, which some terminals treat as new lines.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE = re.compile(f"[{_CONTROLS}{_BIDI}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control and bidi-control character shown as an escape.

    A tab and, when `keep_newlines`, a line feed pass through; a single-line field (a
    name in a table) also gets its line feeds escaped so one item stays one line.
    """
    if not keep_newlines:
        text = text.replace("\n", "\\x0a")
    return _UNSAFE.sub(_escape, text)

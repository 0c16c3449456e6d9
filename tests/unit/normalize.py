"""An independent reading of the mock's answer phrasings, for checking the mock."""

from __future__ import annotations

from crucible_mock.datasets import OPTION_LETTERS, QuestionItem


def canonical_choice(item: QuestionItem, answer: str | None) -> str | None:
    """Map "B", "B) Text", " text " or "Text" back to the option text (or open answer)."""
    if answer is None:
        return None
    text = answer.strip()
    if not item.is_multiple_choice:
        return text
    if len(text) == 1 and text in OPTION_LETTERS:
        return item.options[OPTION_LETTERS.index(text)]
    if len(text) > 3 and text[1:3] == ") ":
        text = text[3:]
    lowered = {o.lower(): o for o in item.options}
    return lowered.get(text.lower(), text)

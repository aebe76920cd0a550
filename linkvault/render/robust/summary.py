"""What robustify tells the editor: a line for each cited URL left as it was, saying why no version was written
beside it, then what was written."""

from __future__ import annotations

from linkvault.model import RobustifyResult, RobustNote
from linkvault.model.copies import PASSED_OVER
from linkvault.render.archive import _console, _say, _text
from linkvault.render.copy_lines import unreached_words

# What each kind of version is called in the summary, one and many.
_NOUNS = {"archived": ("archived copy", "archived copies"),
          "Save Page Now": ("Save Page Now capture", "Save Page Now captures"),
          "witnessed": ("witnessed capture", "witnessed captures"),
          "evidence pack": ("evidence pack page", "evidence pack pages")}


def render_robustified(result: RobustifyResult, *, width: int = 120) -> str:
    """`[4] URL: why no version` per URL without one (footnotes left for the same reason, such as living sources
    never looked up, on one line: `[1], [2], [5]: why`), then `wrote OUT: 3 of 5 footnotes given archived versions
    …`; each statement wrapped between words at `width`."""
    alike: dict[str, list[RobustNote]] = {}
    for note in result.without:
        alike.setdefault(why_no_version(note), []).append(note)
    lines = [f"[{notes[0].label}] {notes[0].url}: {why}" if len(notes) == 1
             else ", ".join(f"[{n.label}]" for n in notes) + f": {why}" for why, notes in alike.items()]
    counts: dict[str, int] = {}
    for note in result.notes:
        for version in note.versions:
            counts[version.label] = counts.get(version.label, 0) + 1
    kinds = ", ".join(f"{n} {_NOUNS.get(label, (label, label))[n != 1]}" for label, n in counts.items())
    left = len({n.label for n in result.without} - {n.label for n in result.notes if n.versions})
    lines.append(f"wrote {result.output}: {result.robust} of {result.footnotes} footnotes given archived "
                 f"versions{f' ({kinds})' if kinds else ''}; {left} left as they were")
    out, console = _console(False, width)
    for number, line in enumerate(lines, start=1):  # a control character in a label, URL or path is shown, not obeyed
        _say(console, line, hang=4 if number < len(lines) else 0)
    return _text(out)


def why_no_version(note: RobustNote) -> str:
    """Why a cited URL got no version: what the last `copies` search came to, or that none was made."""
    search, verdict = note.search, f"{note.category} ({note.state})" if note.category else "not fetched yet"
    if search is None:
        if note.category is None:
            return "not fetched yet (run linkvault fetch, then linkvault copies)"
        if note.category == "alive":
            return f"{verdict}; not looked up in the web archives (linkvault copies --all looks up living sources too)"
        return f"{verdict}; not looked up in the web archives yet (run linkvault copies)"
    if search.unreached:
        return f"{verdict}; no copy offered: " + "; ".join(unreached_words(s) for s in search.unreached)
    passed = [c for c in search.copies if c.choice == PASSED_OVER]
    if passed:
        reasons = "; ".join(dict.fromkeys(c.reason for c in passed if c.reason))
        return f"{verdict}; no valid copy among {len(passed)} archived{f' ({reasons})' if reasons else ''}"
    return f"{verdict}; no archived copy found"

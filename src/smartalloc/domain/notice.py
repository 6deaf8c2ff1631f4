"""A run's warning in both languages.

A warning is read in three places: the terminal and the workbooks, which show both languages
(«fa / en», as every warning always read), and the run's page, which shows only its own
language. ``Notice`` is that string *and* its two halves, so the first two need no change and
the page never has to split a sentence at «/» (a date or a path may hold one).
"""

from __future__ import annotations


class Notice(str):
    """``str(notice)`` is «fa / en»; ``notice.fa`` and ``notice.en`` are the halves."""

    fa: str
    en: str

    def __new__(cls, fa: str, en: str) -> Notice:
        notice = super().__new__(cls, f"{fa} / {en}")
        notice.fa, notice.en = fa, en
        return notice

    def __getnewargs__(self) -> tuple[str, str]:   # pickled to a job's process and back
        return self.fa, self.en

    def words(self) -> dict[str, str]:
        return {"fa": self.fa, "en": self.en}


def notice_words(warning: str) -> dict[str, str]:
    """Both halves of a warning; one not made as a ``Notice`` is shown whole in both."""
    return warning.words() if isinstance(warning, Notice) else {"fa": warning, "en": warning}

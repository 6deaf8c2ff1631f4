"""A table = a sheet's name, header and rows. The domain builds tables; adapters write them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

Cell = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[Cell]]

    def __post_init__(self) -> None:
        if len(self.name) > 31:
            raise ValueError(f"sheet name longer than 31 characters: {self.name}")


class LazyRows(Sequence):
    """A sheet's rows, built when first read; how many there are is known before (``count``;
    None: only once built, so ``len`` builds them). A writer forked before they are read
    builds them in its own process (issue P: the per-student sheets of allocation.xlsx, 0.36 s
    at 100k, and the Sabt export's rows, 0.8 s, left the run's chain). Built once per process;
    a count that differs from the built rows is a bug, raised."""

    __slots__ = ("_build", "_count", "_rows")

    def __init__(self, build: Callable[[], Sequence[Sequence[Cell]]], count: int | None):
        self._build, self._count = build, count
        self._rows: Sequence[Sequence[Cell]] | None = None

    def _built(self) -> Sequence[Sequence[Cell]]:
        if self._rows is None:
            rows = self._build()
            if self._count is not None and len(rows) != self._count:
                raise RuntimeError(f"{len(rows)} rows built, {self._count} announced")
            self._rows = rows
        return self._rows

    @property
    def built(self) -> bool:
        """Whether this process has built the rows."""
        return self._rows is not None

    def __len__(self) -> int:
        return len(self._built()) if self._count is None else self._count

    def __getitem__(self, index: int | slice):   # as a list takes
        return self._built()[index]

    def __iter__(self) -> Iterator[Sequence[Cell]]:
        return iter(self._built())

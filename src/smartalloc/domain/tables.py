"""A table = a sheet's name, header and rows. The domain builds tables; adapters write them."""

from __future__ import annotations

from collections.abc import Sequence
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

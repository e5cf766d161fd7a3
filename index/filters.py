"""Which incidents a search may return: fiscal-year range and reporting categories."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from data.records import Incident


@dataclass(frozen=True)
class Filters:
    """Restrictions chosen by the user; the default lets everything through.

    A year bound excludes incidents whose year is unknown: a user who asks for R5–R6 does not
    want cases that may be from any year. Categories match when the incident has any of them;
    sources (the tables incidents came from, as in `Incident.source`) and kinds likewise.
    """

    year_from: int | None = None
    year_to: int | None = None
    categories: frozenset[str] = field(default_factory=frozenset)
    sources: frozenset[str] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)  # any of them, main kind or not
    contractor: bool | None = None  # True: only cases a contractor took part in

    def __post_init__(self) -> None:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError(f"年度の範囲が逆です: {self.year_from} > {self.year_to}")
        object.__setattr__(self, "categories", frozenset(self.categories))
        object.__setattr__(self, "sources", frozenset(self.sources))
        object.__setattr__(self, "kinds", frozenset(self.kinds))

    @property
    def is_empty(self) -> bool:
        return (
            self.year_from is None
            and self.year_to is None
            and not self.categories
            and not self.sources
            and not self.kinds
            and self.contractor is None
        )

    def matches(self, incident: Incident) -> bool:
        if self.year_from is not None or self.year_to is not None:
            fy = incident.fiscal_year
            if fy is None:
                return False
            if self.year_from is not None and fy < self.year_from:
                return False
            if self.year_to is not None and fy > self.year_to:
                return False
        if self.categories and not self.categories.intersection(incident.categories):
            return False
        if self.sources and incident.source not in self.sources:
            return False
        if self.kinds and not self.kinds.intersection(incident.kinds):
            return False
        if self.contractor is not None and incident.contractor != self.contractor:
            return False
        return True

    def allowed(self, incidents: Iterable[Incident]) -> list[int]:
        """Positions of the incidents that pass."""
        return [i for i, incident in enumerate(incidents) if self.matches(incident)]

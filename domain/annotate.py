"""What the field knows about one record, attached when the corpus is opened."""

from __future__ import annotations

import dataclasses

from data.records import Incident

from .categories import normalize_categories
from .kind_rules import classify


def annotate(incident: Incident, **changes) -> Incident:
    """The incident with its categories under their one name, and its kinds, medium and
    contractor involvement (readers leave those empty). `changes` are applied first."""
    incident = dataclasses.replace(incident, **changes) if changes else incident
    found = classify(incident)
    return dataclasses.replace(
        incident,
        categories=normalize_categories(incident.categories),
        kinds=found.kinds,
        medium=found.medium,
        contractor=found.contractor,
    )

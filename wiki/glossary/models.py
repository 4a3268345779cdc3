"""A glossary term: the words the team uses for one thing, and a short definition."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow


class GlossaryTerm(db.Model):
    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(120))
    # The term's words, lower case, single spaces: "GR/IR" and "gr ir" are one term.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    # Other words for the same thing (synonyms, the acronym or its long form), one a line.
    synonyms: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()

    @property
    def synonym_list(self) -> list[str]:
        return [line for line in self.synonyms.splitlines() if line.strip()]

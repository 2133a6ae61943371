"""The ``ticket_reporters`` table (migration 0009): the citizens a surviving
ticket took over from the duplicates merged into it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base


class ReporterRow(Base):
    """Citizens who reported the same problem: a merged duplicate's reporter,
    notified with the surviving ticket's own citizen."""

    __tablename__ = "ticket_reporters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    from_number: Mapped[str] = mapped_column(String(24))
    phone: Mapped[str | None] = mapped_column(String(20))
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

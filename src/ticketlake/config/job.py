"""The ``job`` section: which steps the daily job runs and how often it retries them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _every_step() -> list[str]:
    from ticketlake import jobs  # noqa: PLC0415 - jobs imports the settings: defined once there

    return list(jobs.names())


class Job(BaseModel):
    """The daily job (``ticketlake run`` and ``ticketlake flow run``; docs/flow.md)."""

    model_config = ConfigDict(extra="forbid")

    steps: list[str] = Field(
        default_factory=_every_step,
        description="Steps the daily job runs, a subset of the steps in their order.",
    )
    retries: int = Field(
        2, ge=0, le=10, description="Times a step that failed transiently is tried again."
    )
    retry_delay_seconds: float = Field(
        5.0, ge=0, le=3600, description="Seconds to wait before trying a step again."
    )

    @field_validator("steps")
    @classmethod
    def _steps(cls, value: list[str]) -> list[str]:
        known = _every_step()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(f"unknown step {unknown[0]!r}; the steps are {', '.join(known)}")
        if not value:
            raise ValueError("name at least one step")
        if len(set(value)) < len(value):
            raise ValueError(f"a step is named twice (got {value})")
        return sorted(value, key=known.index)

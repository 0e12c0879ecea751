"""The consistency check interface: does an analysis agree with the evidence it reasons over?"""

from __future__ import annotations

from typing import ClassVar

from saber_agent.evidence import Analysis, CheckOutcome
from saber_agent.reasoning import ReasoningRequest


class ConsistencyCheck:
    """Base class of consistency checks. A failed outcome's message is the critique sent back."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def check(self, request: ReasoningRequest, analysis: Analysis) -> CheckOutcome:
        raise NotImplementedError

    def outcome(self, passed: bool, message: str = "", **details) -> CheckOutcome:
        return CheckOutcome(name=self.name, passed=passed, message=message, details=details)

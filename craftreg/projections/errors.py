"""The read side's refusals: a stable code, an HTTP status, Chinese and English."""

from __future__ import annotations

from craftreg.domain.errors import RegistryError


class ProjectionError(RegistryError):
    code = "projection-error"
    status = 400


class BeyondTheLog(ProjectionError):
    """A tree size larger than the log: there is no state to show or digest there."""

    code = "beyond-the-log"
    status = 404

    def __init__(self, size: int, length: int) -> None:
        super().__init__(
            f"日志只有 {length} 个事件，没有规模为 {size} 的状态。",
            f"the log holds {length} events; there is no state at tree size {size}.",
        )


class UnknownProvince(ProjectionError):
    code = "unknown-province"
    status = 404

    def __init__(self, code: str) -> None:
        super().__init__(
            f"没有行政区划代码为 {code} 的省级总工会。",
            f"no provincial federation has the region code {code}.",
        )

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


class CheckpointRefused(ProjectionError):
    """A checkpoint given to anchor a view of the past does not commit to this log's events."""

    code = "checkpoint-refused"
    status = 409

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(
            f"此检查点不能作为历史视图的依据：{zh}", f"the checkpoint cannot anchor this view: {en}"
        )


class NoReachCriterion(ProjectionError):
    """Discipline support asked about nothing: one input must be named."""

    code = "reach-criterion-missing"

    def __init__(self) -> None:
        super().__init__(
            "请指明一项追溯依据：evidence（证据哈希）、unit（推荐单位）、assessor（考核人）"
            "或 signer（签名密钥）。",
            "name one input to trace: evidence (a hash), unit (a recommending unit), assessor"
            " or signer (a key id).",
        )


class SeveralReachCriteria(ProjectionError):
    """Discipline support traces one input at a time: the reach of each is its own answer."""

    code = "reach-criteria-several"

    def __init__(self, given: list[str]) -> None:
        super().__init__(
            f"一次只能追溯一项依据，收到了 {'、'.join(given)}。",
            f"trace one input at a time; got {', '.join(given)}.",
        )


class MalformedEvidenceHash(ProjectionError):
    code = "malformed-evidence-hash"

    def __init__(self) -> None:
        super().__init__(
            "证据哈希须为 64 位小写十六进制的 SHA-256。",
            "an evidence hash is a SHA-256 in 64 lowercase hex digits.",
        )


class MalformedKeyId(ProjectionError):
    code = "malformed-key-id"

    def __init__(self) -> None:
        super().__init__(
            "密钥标识须为 32 位小写十六进制（事件格式第 3 节）。",
            "a key id is 32 lowercase hex digits (event-format.md §3).",
        )


class UnknownReachInput(ProjectionError):
    """The unit, assessor or key named is not in the registry: nothing can rest on it."""

    code = "not-found"
    status = 404

    def __init__(self, zh: str, en: str, value: str) -> None:
        super().__init__(f"登记簿中没有{zh} {value}。", f"the registry has no {en} {value}.")

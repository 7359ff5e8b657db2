"""Domain errors. Services raise these; app/main.py maps each to one HTTP status in one place."""


class RehearseError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RehearseError):
    status_code = 404
    code = "not_found"


class Conflict(RehearseError):
    status_code = 409
    code = "conflict"


class InvalidInput(RehearseError):
    status_code = 422
    code = "invalid_input"


class Forbidden(RehearseError):
    status_code = 403
    code = "forbidden"


class Unauthorized(RehearseError):
    status_code = 401
    code = "unauthorized"


class TooManyRequests(RehearseError):
    status_code = 429
    code = "too_many_requests"


class LLMUnavailable(RehearseError):
    """The configured LLM failed after retries; the learner's turn is kept, the reply is not."""

    status_code = 503
    code = "llm_unavailable"


class Busy(RehearseError):
    """Out of capacity for now (database connections, LLM slots): 503 with a Retry-After."""

    status_code = 503
    code = "busy"

    def __init__(self, message: str, *, retry_after_s: int = 2) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LLMBusy(Busy):
    """Every LLM slot is taken; the learner's turn is not accepted, so a retry is safe."""

    code = "llm_busy"


class PayloadTooLarge(RehearseError):
    status_code = 413
    code = "too_large"

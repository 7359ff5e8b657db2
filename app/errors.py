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

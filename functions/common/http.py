"""HTTP <-> models for the blueprints: parse and validate input, answer JSON or problem+json."""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from dataverse import DataverseApiError, DataverseConnectionError
from functions.common.logging import correlation as correlation_scope
from functions.common.problems import Problem, validation_problem
from functions.common.telemetry import configure_telemetry, span

M = TypeVar("M", bound=BaseModel)
Handler = Callable[[func.HttpRequest], func.HttpResponse]

logger = logging.getLogger("smart.http")

CORRELATION_HEADER = "x-correlation-id"


def correlation_id(req: func.HttpRequest) -> str:
    """The caller's correlation id (ours, or Dataverse's), else a new one."""
    for header in (CORRELATION_HEADER, "x-ms-correlation-request-id", "x-ms-client-request-id"):
        value = req.headers.get(header)
        if value and len(value) <= 128:
            return str(value)
    return str(uuid.uuid4())


def parse_json(req: func.HttpRequest, model: type[M]) -> M:
    """Body -> ``model``: 415 for a non-JSON content type, 400 for malformed JSON, 422 naming fields."""
    content_type = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise Problem(415, f"Content-Type must be application/json, not {content_type!r}.")
    raw = req.get_body()
    if not raw:
        raise Problem(400, "The request body is empty; a JSON object is expected.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise Problem(400, f"The request body is not valid UTF-8 (byte {error.start}).") from None
    except json.JSONDecodeError as error:
        raise Problem(
            400,
            f"The request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}.",
        ) from None
    except RecursionError:
        raise Problem(400, "The request body is nested too deeply.") from None
    return validate(model, data)


def validate(model: type[M], data: Any, *, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_problem(error, prefix=prefix) from None


def parse_query(req: func.HttpRequest, model: type[M]) -> M:
    """Query string -> ``model``; problems name the parameter."""
    return validate(model, dict(req.params))


def json_response(
    payload: BaseModel | Mapping[str, Any] | list[Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> func.HttpResponse:
    if isinstance(payload, BaseModel):
        body = payload.model_dump_json(by_alias=True, exclude_none=True)
    else:
        body = json.dumps(payload, ensure_ascii=False, default=str)
    return func.HttpResponse(
        body, status_code=status, headers=dict(headers or {}), mimetype="application/json", charset="utf-8"
    )


def problem_response(problem: Problem, correlation: str | None = None) -> func.HttpResponse:
    headers = problem.headers()
    if correlation:
        headers[CORRELATION_HEADER] = correlation
    return func.HttpResponse(problem.to_json(), status_code=problem.status, headers=headers)


def endpoint(handler: Handler) -> Handler:
    """Wrap a blueprint function: problems become problem+json; a bug becomes a logged 500."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        correlation = correlation_id(req)
        configure_telemetry()
        with (
            correlation_scope(correlation),
            span(f"{req.method} {handler.__name__}", route=_path(req)) as current,
        ):
            try:
                response = handler(req)
                response.headers.setdefault(CORRELATION_HEADER, correlation)
            except Problem as problem:
                if problem.status >= 500:
                    logger.warning(
                        "%s %s answered %s: %s", req.method, _path(req), problem.status, problem.detail
                    )
                response = problem_response(problem, correlation)
            except Exception as error:
                answer = _dataverse_outage(error)
                if answer is None:
                    logger.exception("%s %s failed (correlation %s)", req.method, _path(req), correlation)
                    detail = f"An unexpected error occurred; quote correlation id {correlation}."
                    answer = Problem(500, detail)
                else:
                    logger.warning("%s %s answered 503: %s", req.method, _path(req), error)
                response = problem_response(answer, correlation)
            current.set_attribute("http.response.status_code", response.status_code)
        return response

    return wrapper


def _dataverse_outage(error: Exception) -> Problem | None:
    """Dataverse throttling or not answering, after its client's own retries: a 503 the caller retries
    (as from any outage), not a 500. Dataverse refusing what we sent stays a bug (500)."""
    if isinstance(error, DataverseApiError | DataverseConnectionError) and error.is_transient:
        wait = error.retry_after or 5.0
        return Problem(503, "Dataverse is not answering now; try again later.", retry_after=wait)
    return None


def _path(req: func.HttpRequest) -> str:
    return str(req.url).split("?", 1)[0]

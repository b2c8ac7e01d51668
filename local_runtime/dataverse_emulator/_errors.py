"""Errors the emulator answers with, worded and coded like Dataverse's own."""

from __future__ import annotations

from local_runtime.loopback import Response


class ODataError(Exception):
    def __init__(self, status: int, message: str, code: str = "", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def response(self) -> Response:
        body = {"error": {"code": self.code, "message": self.message}}
        return Response.json(body, self.status, {"OData-Version": "4.0", **self.headers})


def bad_request(message: str, code: str = "0x80060888") -> ODataError:
    return ODataError(400, message, code)


def unknown_segment(name: str) -> ODataError:
    return ODataError(404, f"Resource not found for the segment '{name}'.", "0x80060888")


def row_not_found(logical_name: str, row_id: str) -> ODataError:
    return ODataError(404, f"{logical_name} With Id = {row_id} Does Not Exist", "0x80040217")


def key_not_found(logical_name: str) -> ODataError:
    return ODataError(
        404, f"A record with the specified key values does not exist in {logical_name} entity", "0x80040217"
    )


def unknown_property(logical_name: str, name: str) -> ODataError:
    return bad_request(
        f"The property '{name}' does not exist on type 'Microsoft.Dynamics.CRM.{logical_name}'. "
        "Make sure to only use property names that are defined by the type.",
        "0x80048d19",
    )


def unknown_query_property(logical_name: str, name: str) -> ODataError:
    return bad_request(
        f"Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{logical_name}'."
    )


def annotation_only_property(name: str) -> ODataError:
    return bad_request(
        f"An undeclared property '{name}' which only has property annotations in the payload but no property "
        "value was found in the payload. In OData, only declared navigation properties and declared named "
        "streams can be represented as properties without values."
    )


def duplicate_key(logical_name: str, key_schema: str, columns: list[str]) -> ODataError:
    return ODataError(
        412,
        f"A record that has the attribute values {', '.join(columns)} already exists. The entity key "
        f"{key_schema} requires that this set of attributes contains unique values. Select unique values "
        "and try again.",
        "0x80040237",
    )


def record_exists() -> ODataError:
    return ODataError(412, "A record with matching key values already exists.", "0x80040237")


def duplicate_primary_key() -> ODataError:
    return ODataError(412, "Cannot insert duplicate key.", "0x80040237")


def etag_mismatch() -> ODataError:
    return ODataError(
        412,
        "The version of the existing record doesn't match the RowVersion property provided.",
        "0x80060882",
    )


def too_long(logical_name: str, attribute: str, max_length: int) -> ODataError:
    return bad_request(
        f"A validation error occurred. The length of the '{attribute}' attribute of the '{logical_name}' "
        f"entity exceeded the maximum allowed length of '{max_length}'.",
        "0x80044331",
    )


def bad_type(edm_type: str) -> ODataError:
    return bad_request(
        f"Cannot convert a primitive value to the expected type '{edm_type}'. "
        "See the inner exception for more "
        "details."
    )


def lookup_set_directly() -> ODataError:
    return bad_request(
        "CRM do not support direct update of Entity Reference properties, Use Navigation properties instead."
    )

"""Schemathesis hooks of scripts/schemathesis.py: test data for the rules the OpenAPI document states but
schemathesis's generators do not follow — a number bounded by another, a time after another, a file's type tied
to a form field (JSON Schema cannot say these; the document says them in words), a form field of JSON text
(`contentSchema`, which the generators ignore) and a file part's declared type (`encoding.contentType`, which the
coverage phase ignores). Each hook only drops generated valid cases that break such a rule; none changes what is
checked, and invalid cases are kept. `filter_case` is used because it runs in every phase (the coverage phase runs no
body hooks).
Loaded through SCHEMATHESIS_HOOKS=gateway_hooks with this directory on PYTHONPATH.
"""
import json
from datetime import datetime, timedelta, timezone

import jsonschema
import schemathesis
from schemathesis.core.file_samples import file_extension


def _overlaps_fit(value):
    """chunk_overlap_tokens <= max_chunk_size_tokens / 2 in every static chunking strategy of `value`."""
    if isinstance(value, dict):
        static = value.get("static")
        if value.get("type") == "static" and isinstance(static, dict):
            size, overlap = static.get("max_chunk_size_tokens"), static.get("chunk_overlap_tokens")
            if isinstance(size, int) and isinstance(overlap, int) and overlap > size // 2:
                return False
        return all(_overlaps_fit(child) for child in value.values())
    if isinstance(value, list):
        return all(_overlaps_fit(child) for child in value)
    return True


# The vector-store bodies' `chunk_overlap_tokens` is at most half of `max_chunk_size_tokens` (documented on the field).
@schemathesis.hook("filter_case").apply_to(path_regex=r"^/api/vector-stores")
def chunk_overlap_within_half(context, case):
    return not _positive(case) or _overlaps_fit(case.body)


def _instant(text, end_of_day):
    """A UTC date (the start of that day, or with `end_of_day` its end) or an RFC 3339 time; None if neither."""
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc)
            return day + timedelta(days=1) if end_of_day else day
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


# /admin/usage: `from` must be before `to` (documented on both parameters; `to` defaults to now).
@schemathesis.hook("filter_case").apply_to(path="/admin/usage")
def usage_window_in_order(context, case):
    query = case.query if isinstance(case.query, dict) else {}
    if not _positive(case) or not isinstance(query.get("from"), str):
        return True
    start = _instant(query["from"], end_of_day=False)
    end = _instant(query["to"], end_of_day=True) if isinstance(query.get("to"), str) else datetime.now(timezone.utc)
    if start is None or end is None or start.tzinfo is None or end.tzinfo is None:
        return True
    return start < end


def _positive(case):
    """Whether `case` was generated to be valid (the maps complete only those; a negative case stays as generated)."""
    meta = getattr(case, "meta", None)
    return meta is not None and meta.generation.mode.is_positive


def _payload(value):
    raw = value.data if hasattr(value, "data") else value
    return bytes(raw) if isinstance(raw, (bytes, bytearray)) else None


# POST /api/files: the file's type must suit the purpose (documented on the operation); schemathesis names a
# generated file by its format (file.png, file.pdf, ...), so a valid case pairs an image with vision or a PDF with
# assistants or user_data (batch, fine-tune and evals take .jsonl, which schemathesis does not make).
_IMAGES = {"png", "jpg", "gif", "webp"}


@schemathesis.hook("filter_case").apply_to(path="/api/files", method="POST")
def file_type_suits_purpose(context, case):
    body = case.body
    if not _positive(case) or not isinstance(body, dict):
        return True
    raw = _payload(body.get("file"))
    extension = file_extension(raw) if raw is not None else None
    purpose = body.get("purpose")
    return (purpose == "vision" and extension in _IMAGES) or (purpose in ("assistants", "user_data") and extension == "pdf")


# Vector-store uploads: `max_wait_ms` applies only with `poll=true` (documented on the parameter).
@schemathesis.hook("filter_case").apply_to(path_regex=r"^/api/vector-stores/.*/upload$")
def wait_only_when_polling(context, case):
    query = case.query if isinstance(case.query, dict) else {}
    return not _positive(case) or "max_wait_ms" not in query or query.get("poll") in (True, "true")


def _form_schema(case):
    content = (case.operation.definition.raw.get("requestBody") or {}).get("content") or {}
    return content.get("multipart/form-data") or {}


# Multipart routes: a part the document sends as image/png (`encoding.contentType`) carries PNG bytes, and a form
# field of JSON text (`contentMediaType: application/json` with a `contentSchema`) holds JSON of that schema;
# a valid case whose generated value is neither is dropped. (A filter, not a map: a changed multipart body is
# re-validated by schemathesis, which cannot validate file parts and would then count the case as invalid.)
@schemathesis.hook("filter_case").apply_to(
    method="POST", path_regex=r"^/api/(images/(edit|variations)|videos|responses/code-interpreter|vector-stores/.*/upload)"
)
def form_parts_as_documented(context, case):
    if not _positive(case) or not isinstance(case.body, dict) or not (case.media_type or "").startswith("multipart/form-data"):
        return True
    form = _form_schema(case)
    properties = (form.get("schema") or {}).get("properties") or {}
    for name, encoding in (form.get("encoding") or {}).items():
        raw = _payload(case.body.get(name)) if name in case.body else None
        if raw is not None and encoding.get("contentType") == "image/png" and file_extension(raw) != "png":
            return False
    for name, schema in properties.items():
        if name not in case.body or schema.get("contentMediaType") != "application/json" or "contentSchema" not in schema:
            continue
        try:
            jsonschema.validate(json.loads(case.body[name]), schema["contentSchema"])
        except (TypeError, ValueError, jsonschema.ValidationError, jsonschema.SchemaError):
            return False
    return True


# POST /api/files: expires_after[anchor] and expires_after[seconds] go together (documented on the operation).
@schemathesis.hook("filter_case").apply_to(path="/api/files", method="POST")
def expiry_fields_together(context, case):
    body = case.body if isinstance(case.body, dict) else {}
    return not _positive(case) or (("expires_after[anchor]" in body) == ("expires_after[seconds]" in body))


def _names_a_tool(choice, tools, route):
    """Whether `tool_choice` names a tool of `tools` (the image routes add image_generation); "required" needs one."""
    has_tools = (isinstance(tools, list) and len(tools) > 0) or route.startswith("/api/responses/images")
    if choice == "required":
        return has_tools
    if not isinstance(choice, dict):
        return True
    kind = choice.get("type")
    if kind == "image_generation" and route.startswith("/api/responses/images"):
        return True
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and tool.get("type") == kind and (kind != "function" or tool.get("name") == choice.get("name")):
            return True
    return False


# Responses routes: an object `tool_choice` must name a tool that is in `tools`, and "required" needs a tool (the
# gateway's 400 says which).
@schemathesis.hook("filter_case").apply_to(method="POST", path_regex=r"^/api/responses/(text|images|input-tokens|code-interpreter)")
def tool_choice_names_a_tool(context, case):
    body = case.body if isinstance(case.body, dict) else {}
    return not _positive(case) or _names_a_tool(body.get("tool_choice"), body.get("tools"), case.path)

#!/usr/bin/env python3
"""Generates Sources/OpenAIGateway/Validation/SpecSchemas.swift from the OpenAI OpenAPI spec.

Usage (from the repository root):
    python3 scripts/generate_request_schemas.py [SPEC] [--output FILE] [--check]

The gateway validates parts of a Responses create body against the spec's own schemas: every tool of
the `Tool` union, `tool_choice`, `prompt`, `text`, `reasoning`, `service_tier`, `truncation`,
`include`, `max_tool_calls`, `top_logprobs`. This script copies those schemas, and every schema they
reference, into a Swift string (descriptions cut to their first sentence, used as hints; examples and
vendor extensions dropped), so the rules follow the spec when it changes. It also lists the top-level
members of every endpoint's request body (`requestMembers`, keyed `POST /responses`), from which the
gateway suggests the nearest known field when the upstream rejects an unknown one. It writes the members of
every JSON request body into the simulator's own target too (Sources/OpenAISimulator/SpecRequestMembers.swift),
which refuses a member outside them as OpenAI does (`unknown_parameter`). `--check` exits 1 when a committed file
is out of date. Needs PyYAML.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as Loader

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO.parent / "shared" / "reference" / "openai-openapi.yaml"
DEFAULT_OUTPUT = REPO / "Sources" / "OpenAIGateway" / "Validation" / "SpecSchemas.swift"
SIMULATOR_OUTPUT = REPO / "Sources" / "OpenAISimulator" / "SpecRequestMembers.swift"

ROOTS = ["Tool", "ToolChoiceParam", "Prompt", "ResponseTextParam", "Reasoning", "ServiceTierResponses"]
# Members of the create body validated from their inline schemas.
PROPERTIES = ["truncation", "include", "max_tool_calls", "top_logprobs", "safety_identifier", "tool_choice", "text",
              "reasoning", "service_tier", "prompt"]
KEEP = {"type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "anyOf",
        "oneOf", "allOf", "$ref", "nullable", "description", "discriminator"}


def first_sentence(text):
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", " ".join(text.split()))
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence[:240]


def clean(node):
    if isinstance(node, list):
        return [clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key not in KEEP:
            continue
        if key == "description":
            if isinstance(value, str) and value.strip():
                out[key] = first_sentence(value)
        elif key == "properties":
            out[key] = {name: clean(schema) for name, schema in value.items()}
        elif key == "discriminator":
            out[key] = {"propertyName": value.get("propertyName")}
        else:
            out[key] = clean(value)
    return out


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.split("/")[-1]
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def create_properties(schemas, name):
    schema = schemas[name]
    found = {}
    for part in schema.get("allOf", [schema]):
        if "$ref" in part:
            found.update(create_properties(schemas, part["$ref"].split("/")[-1]))
        else:
            found.update(part.get("properties", {}))
    return found


def body_members(schemas, schema, depth=0):
    """The top-level member names of a request body schema (through $ref, allOf, anyOf and oneOf)."""
    if depth > 8 or not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        return body_members(schemas, schemas[schema["$ref"].split("/")[-1]], depth + 1)
    found = set(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found |= body_members(schemas, part, depth + 1)
    return found


def request_members(spec, content_types=None):
    """`{"POST /responses": [member, ...]}` for every operation with a JSON or multipart body (only the
    bodies of `content_types` when given)."""
    schemas = spec["components"]["schemas"]
    members = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            names = set()
            for content_type, content in operation["requestBody"].get("content", {}).items():
                if content_types is None or content_type in content_types:
                    names |= body_members(schemas, content.get("schema", {}))
            if names:
                members[f"{method.upper()} {path}"] = sorted(names)
    return members


def load(spec_path):
    with open(spec_path) as handle:
        return yaml.load(handle, Loader=Loader)


def generate_simulator(spec):
    """The simulator's copy: the members of every JSON request body, keyed `POST /responses`."""
    members = json.dumps(request_members(spec, {"application/json"}), sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False)
    if '"""#' in members:
        raise SystemExit("the member lists contain the Swift raw string terminator")
    return (
        "// Generated by scripts/generate_request_schemas.py from the OpenAI OpenAPI spec. Do not edit.\n"
        "// The members of every JSON request body, with which the simulator refuses unknown parameters\n"
        "// (see SpecRequestMembers+Check.swift).\n\n"
        "enum SpecRequestMembers {\n"
        "    /// `{\"POST /responses\": [top-level member, ...]}` for every operation with a JSON request body.\n"
        f"    static let json = #\"\"\"\n{members}\n\"\"\"#\n"
        "}\n"
    )


def generate(spec):
    schemas = spec["components"]["schemas"]
    properties = create_properties(schemas, "CreateResponse")
    chosen = {name: clean(properties[name]) for name in PROPERTIES}
    seen, todo = set(), list(ROOTS) + [name for value in chosen.values() for name in refs(value)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(refs(schemas[name]))
    document = {"schemas": {name: clean(schemas[name]) for name in sorted(seen)}, "properties": chosen}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if '"""#' in text:
        raise SystemExit("the schemas contain the Swift raw string terminator")
    members = json.dumps(request_members(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if '"""#' in members:
        raise SystemExit("the member lists contain the Swift raw string terminator")
    return (
        "// Generated by scripts/generate_request_schemas.py from the OpenAI OpenAPI spec. Do not edit.\n"
        "// The schemas the gateway validates Responses create bodies with (see RequestSchemaRules), and the\n"
        "// members of every endpoint's request body (see KnownRequestFields).\n\n"
        "enum SpecSchemas {\n"
        "    /// `{\"schemas\": {name: schema}, \"properties\": {create body member: schema}}`.\n"
        f"    static let json = #\"\"\"\n{text}\n\"\"\"#\n\n"
        "    /// `{\"POST /responses\": [top-level member, ...]}` for every operation with a request body.\n"
        f"    static let requestMembers = #\"\"\"\n{members}\n\"\"\"#\n"
        "}\n"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("spec", nargs="?", default=str(DEFAULT_SPEC))
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--check", action="store_true", help="exit 1 if an output file is out of date")
    parser.add_argument("--simulator-output", default=str(SIMULATOR_OUTPUT))
    args = parser.parse_args()
    spec = load(args.spec)
    outputs = [(Path(args.output), generate(spec)), (Path(args.simulator_output), generate_simulator(spec))]
    if args.check:
        stale = [path for path, output in outputs if not path.exists() or path.read_text() != output]
        for path in stale:
            print(f"{path} is out of date: run python3 scripts/generate_request_schemas.py", file=sys.stderr)
        if stale:
            sys.exit(1)
        return
    for path, output in outputs:
        path.write_text(output)
        print(f"wrote {path} ({len(output)} bytes)")


if __name__ == "__main__":
    main()

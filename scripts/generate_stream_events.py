#!/usr/bin/env python3
"""Generates Sources/OpenAIClient/Responses/ResponseStreamEvent.swift from the OpenAI OpenAPI spec.

Usage (from the repository root):
    python3 scripts/generate_stream_events.py [SPEC] [--output FILE] [--check]

SPEC defaults to ../shared/reference/openai-openapi.yaml. The generator reads the
`ResponseStreamEvent` schema (an anyOf of refs), and writes one Swift enum case and one payload
struct per event type, in spec order. `--check` exits 1 when the committed file is out of date.
Needs PyYAML.
"""

import argparse
import re
import sys
from pathlib import Path

import yaml

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - pure-Python fallback is just slower
    from yaml import SafeLoader as Loader

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO.parent / "shared" / "reference" / "openai-openapi.yaml"
DEFAULT_OUTPUT = REPO / "Sources" / "OpenAIClient" / "Responses" / "ResponseStreamEvent.swift"

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
    "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows",
    "static", "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
    "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch",
    "where", "while", "as", "Any", "catch", "false", "is", "nil", "super", "self", "Self", "throw",
    "throws", "true", "try", "Type", "Protocol",
}
# Members every payload struct already has.
RESERVED_MEMBERS = {"raw", "type", "init"}

SCALARS = {"string": "String", "integer": "Int", "number": "Double", "boolean": "Bool"}
ACCESSORS = {"String": "stringValue", "Int": "intValue", "Double": "doubleValue", "Bool": "boolValue"}


def camel(words):
    words = [w for w in words if w]
    if not words:
        return "value"
    head = words[0].lower()
    return head + "".join(w[:1].upper() + w[1:] for w in words[1:])


def identifier(name):
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


def property_name(json_name):
    return camel(re.split(r"[^A-Za-z0-9]+", json_name))


def case_name(event_type):
    """`response.output_text.delta` -> `outputTextDelta`; `error` -> `error`.

    The lifecycle events of the response itself (`response.created`, `response.completed`, ...)
    keep the prefix (`responseCreated`), since `.completed` alone would not say what completed.
    """
    parts = event_type.split(".")
    if parts[0] == "response" and len(parts) > 2:
        parts = parts[1:]
    return camel([w for p in parts for w in p.split("_")])


def swift_type(schema):
    """The Swift type of a property accessor: a scalar when the schema is one, else JSONValue."""
    if not isinstance(schema, dict):
        return "JSONValue"
    kind = schema.get("type")
    if isinstance(kind, str) and kind in SCALARS and "$ref" not in schema:
        return SCALARS[kind]
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) == 1 and kinds[0] in SCALARS:
            return SCALARS[kinds[0]]
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        non_null = [v for v in variants if not (isinstance(v, dict) and v.get("type") == "null")]
        if len(non_null) == 1:
            return swift_type(non_null[0])
    return "JSONValue"


def doc_lines(text, indent):
    text = " ".join((text or "").split())
    if not text:
        return []
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > 96:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return [f"{indent}/// {l}" for l in lines]


def property_doc(schema):
    if not isinstance(schema, dict):
        return ""
    if schema.get("description"):
        return schema["description"]
    for variant in schema.get("anyOf") or schema.get("oneOf") or []:
        if isinstance(variant, dict) and variant.get("description"):
            return variant["description"]
    return ""


def swift_string(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def load_events(spec_path):
    with open(spec_path, encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=Loader)
    schemas = spec["components"]["schemas"]
    events = []
    for ref in schemas["ResponseStreamEvent"]["anyOf"]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        schema = schemas[name]
        properties = schema.get("properties", {})
        type_schema = properties.get("type", {})
        values = type_schema.get("enum") or ([type_schema["const"]] if "const" in type_schema else [])
        if len(values) != 1:
            sys.exit(f"{name}: expected one `type` value, found {values!r}")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            sys.exit(f"{name}: not a valid Swift type name")
        events.append({
            "struct": name,
            "type": values[0],
            "case": case_name(values[0]),
            "description": schema.get("description", ""),
            "properties": [
                (json_name, prop) for json_name, prop in properties.items() if json_name != "type"
            ],
        })
    for key in ("case", "type", "struct"):
        seen = [e[key] for e in events]
        duplicates = {v for v in seen if seen.count(v) > 1}
        if duplicates:
            sys.exit(f"duplicate {key}: {sorted(duplicates)}")
    return events


def render(events, spec_name):
    out = []
    emit = out.append
    emit("// GENERATED FILE. Do not edit by hand.")
    emit("// Generated by scripts/generate_stream_events.py from the `ResponseStreamEvent` schema")
    emit(f"// of {spec_name} ({len(events)} event types). To regenerate, from the repository root:")
    emit("//     python3 scripts/generate_stream_events.py ../shared/reference/openai-openapi.yaml")
    emit("")
    emit("/// One event of a streamed Responses API call (`POST /v1/responses` with `stream: true`).")
    emit("///")
    emit("/// The model is open: every event type of the OpenAPI spec has its own case with a typed view of")
    emit("/// its payload, and any other type becomes ``unknown(type:raw:)`` so that it can be forwarded")
    emit("/// untouched. Each case keeps the payload exactly as parsed in `raw`; decoding never throws.")
    emit("///")
    emit("/// ```swift")
    emit("/// let event = ResponseStreamEvent(json: try JSONValue(parsing: sse.data))")
    emit("/// if case .outputTextDelta(let delta) = event { print(delta.delta ?? \"\") }")
    emit("/// ```")
    emit("public enum ResponseStreamEvent: Sendable, Hashable {")
    for e in events:
        emit(f"    /// `{e['type']}`")
        emit(f"    case {identifier(e['case'])}({e['struct']})")
    emit("    /// An event type this version does not know, kept as received (`type` is empty when the")
    emit("    /// payload had no string `type`).")
    emit("    case unknown(type: String, raw: JSONValue)")
    emit("")
    emit("    /// Every event type string of the spec, in spec order.")
    emit("    public static let knownTypes: [String] = [")
    for e in events:
        emit(f"        {swift_string(e['type'])},")
    emit("    ]")
    emit("")
    emit("    /// Dispatches on `json[\"type\"]`; an unknown or missing type, or a payload that is not an")
    emit("    /// object, gives ``unknown(type:raw:)``.")
    emit("    public init(json: JSONValue) {")
    emit("        guard case .object(let object) = json, case .string(let type)? = object[\"type\"] else {")
    emit("            self = .unknown(type: \"\", raw: json)")
    emit("            return")
    emit("        }")
    emit("        switch type {")
    for e in events:
        emit(f"        case {e['struct']}.type:")
        emit(f"            self = .{identifier(e['case'])}({e['struct']}(raw: object))")
    emit("        default: self = .unknown(type: type, raw: json)")
    emit("        }")
    emit("    }")
    emit("")
    emit("    /// The wire type string (`response.output_text.delta`, ...).")
    emit("    public var type: String {")
    emit("        switch self {")
    for e in events:
        emit(f"        case .{identifier(e['case'])}: {e['struct']}.type")
    emit("        case .unknown(let type, _): type")
    emit("        }")
    emit("    }")
    emit("")
    emit("    /// The payload exactly as parsed.")
    emit("    public var raw: JSONValue {")
    emit("        switch self {")
    for e in events:
        emit(f"        case .{identifier(e['case'])}(let event): .object(event.raw)")
    emit("        case .unknown(_, let raw): raw")
    emit("        }")
    emit("    }")
    emit("")
    emit("    /// The event's `sequence_number`, when it has one.")
    emit("    public var sequenceNumber: Int? { raw[\"sequence_number\"]?.intValue }")
    emit("}")
    for e in events:
        emit("")
        doc = doc_lines(e["description"], "")
        if doc:
            out.extend(doc)
            emit("///")
        emit(f"/// Payload of the `{e['type']}` stream event")
        emit(f"/// (spec schema `{e['struct']}`).")
        emit(f"public struct {e['struct']}: Sendable, Hashable {{")
        emit(f"    /// The wire type string of this event.")
        emit(f"    public static let type = {swift_string(e['type'])}")
        emit("    /// The payload exactly as parsed, including fields this version does not model.")
        emit("    public let raw: JSONObject")
        emit("")
        emit("    public init(raw: JSONObject) {")
        emit("        self.raw = raw")
        emit("    }")
        used = set(RESERVED_MEMBERS)
        for json_name, prop in e["properties"]:
            name = property_name(json_name)
            if name in used:
                name += "Value"
            used.add(name)
            kind = swift_type(prop)
            accessor = f"raw[{swift_string(json_name)}]"
            getter = f"{accessor}?.{ACCESSORS[kind]}" if kind in ACCESSORS else accessor
            emit("")
            out.extend(doc_lines(property_doc(prop), "    "))
            emit(f"    public var {identifier(name)}: {kind}? {{ {getter} }}")
        emit("}")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", nargs="?", default=str(DEFAULT_SPEC), help="path to openai-openapi.yaml")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="Swift file to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if the output file is out of date")
    args = parser.parse_args()

    events = load_events(args.spec)
    text = render(events, Path(args.spec).name)
    output = Path(args.output)
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is out of date; run scripts/generate_stream_events.py", file=sys.stderr)
            return 1
        print(f"{output} is up to date ({len(events)} event types)")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output} ({len(events)} event types)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks that the official `openai` Python SDK works against the simulator.

Usage: openai_sdk_check.py BASE_URL [--only NAME[,NAME...]] [--list]

BASE_URL is what the SDK uses as `base_url`, e.g. http://127.0.0.1:8080/v1. The simulator's
control routes (`/__simulator/...`) are found at BASE_URL without its `/v1`.

Prints one line per check ("ok NAME: detail" or "FAIL NAME: reason") and exits 1 when any
check failed, 2 on bad usage or when the SDK is not installed. A check is a function taking a
`Context` and returning a short detail string; it raises `CheckFailed` (or anything else) to fail.
Add new checks by writing a function and listing it in CHECKS.
"""

import argparse
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "TestSupport"))
from sdk_common import MODEL, CheckFailed, expect, responses_create, responses_stream, responses_stream_helper  # noqa: E402

try:
    import openai
except ImportError:  # pragma: no cover - reported, not raised
    print("FAIL import: the 'openai' package is not installed (python3 -m pip install openai)")
    sys.exit(2)



class Context:
    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.root = self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url
        self.client = openai.OpenAI(api_key="sk-test", base_url=self.base_url, max_retries=0, timeout=20)

    def control(self, method, path, body=None):
        """Calls a simulator control route and returns its JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.root + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode())


# MARK: - Checks


def check_create(ctx):
    return responses_create(ctx.client)


def check_stream(ctx):
    return responses_stream(ctx.client)


def check_stream_helper(ctx):
    return responses_stream_helper(ctx.client)


def check_retrieve(ctx):
    created = ctx.client.responses.create(model=MODEL, input="Remember me.")
    retrieved = ctx.client.responses.retrieve(created.id)
    expect(retrieved.id == created.id, f"retrieved {retrieved.id} for {created.id}")
    expect(retrieved.output_text == created.output_text, "retrieved text differs")
    return created.id


def check_input_items(ctx):
    created = ctx.client.responses.create(
        model=MODEL,
        input=[
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "second"},
            {"role": "user", "content": "third"},
        ],
    )
    page = ctx.client.responses.input_items.list(created.id, order="asc")
    items = list(page.data)
    expect(len(items) == 3, f"{len(items)} input items")
    expect([item.role for item in items] == ["user", "assistant", "user"], f"roles {[item.role for item in items]}")
    expect(all(item.id for item in items), "an item has no id")
    return f"{len(items)} items"


def check_delete(ctx):
    created = ctx.client.responses.create(model=MODEL, input="Delete me.")
    ctx.client.responses.delete(created.id)
    try:
        ctx.client.responses.retrieve(created.id)
    except openai.NotFoundError as error:
        expect(error.status_code == 404, f"status {error.status_code}")
        return f"{created.id} gone (404)"
    raise CheckFailed("retrieve after delete did not raise NotFoundError")


def check_background_cancel(ctx):
    created = ctx.client.responses.create(model=MODEL, input="Run in the background.", background=True)
    expect(created.status in ("queued", "in_progress"), f"background status {created.status!r}")
    cancelled = ctx.client.responses.cancel(created.id)
    expect(cancelled.id == created.id, "cancel answered another id")
    expect(cancelled.status == "cancelled", f"status after cancel {cancelled.status!r}")
    retrieved = ctx.client.responses.retrieve(created.id)
    expect(retrieved.status == "cancelled", f"retrieved status {retrieved.status!r}")
    return f"{created.id} {created.status} -> {cancelled.status}"


def check_rate_limit(ctx):
    ctx.control("POST", "/__simulator/faults", {"path": "/v1/responses", "status": 429, "count": 1})
    try:
        ctx.client.responses.create(model=MODEL, input="This one is rate limited.")
    except openai.RateLimitError as error:
        expect(error.status_code == 429, f"status {error.status_code}")
        expect(bool(error.request_id), "no request id on the error")
        expect(error.code == "rate_limit_exceeded", f"code {error.code!r}")
        # The fault is used up: the next call succeeds.
        ctx.client.responses.create(model=MODEL, input="And this one is not.")
        return f"RateLimitError request_id={error.request_id}"
    finally:
        ctx.control("DELETE", "/__simulator/faults")
    raise CheckFailed("no RateLimitError")


def check_file_round_trip(ctx):
    import hashlib
    import io
    payload = bytes(range(256)) * 400 + b"\r\n--not-a-boundary\r\n" + "héllo".encode()
    uploaded = ctx.client.files.create(file=("data.bin", io.BytesIO(payload)), purpose="user_data")
    expect(uploaded.id.startswith("file-"), f"unexpected id {uploaded.id!r}")
    expect(uploaded.bytes == len(payload), f"bytes {uploaded.bytes} != {len(payload)}")
    expect(uploaded.filename == "data.bin" and uploaded.purpose == "user_data", f"{uploaded}")
    downloaded = ctx.client.files.content(uploaded.id).read()
    expect(hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(payload).hexdigest(), "downloaded bytes differ")
    listed = [f.id for f in ctx.client.files.list(purpose="user_data")]
    expect(uploaded.id in listed, "uploaded file not listed")
    retrieved = ctx.client.files.retrieve(uploaded.id)
    expect(retrieved.id == uploaded.id, "retrieve returned another file")
    deleted = ctx.client.files.delete(uploaded.id)
    expect(deleted.deleted, "not deleted")
    try:
        ctx.client.files.retrieve(uploaded.id)
    except openai.NotFoundError:
        pass
    else:
        raise CheckFailed("deleted file still retrievable")
    return f"{uploaded.id} {len(payload)} bytes, sha256 identical"


def check_speech(ctx):
    import io
    import wave
    speech = ctx.client.audio.speech.create(model="tts-1", voice="alloy", input="Hello from the SDK check.", response_format="wav")
    data = speech.read()
    expect(data[:4] == b"RIFF" and data[8:12] == b"WAVE", f"not a WAV: {data[:12]!r}")
    with wave.open(io.BytesIO(data)) as w:
        frames, rate = w.getnframes(), w.getframerate()
    expect(frames > 0 and rate > 0, f"frames {frames} rate {rate}")
    mp3 = ctx.client.audio.speech.create(model="tts-1", voice="nova", input="Short.").read()
    expect(len(mp3) > 0, "empty mp3")
    return f"wav {len(data)} bytes, {frames / rate:.2f} s at {rate} Hz; mp3 {len(mp3)} bytes"


def check_transcription(ctx):
    import io
    audio = io.BytesIO(b"RIFF" + bytes(64000))
    text = ctx.client.audio.transcriptions.create(model="whisper-1", file=("clip.wav", audio))
    expect(isinstance(text.text, str) and text.text, "empty transcript")
    return f"{len(text.text)} chars"


CHAT_MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say hello to the SDK check."},
]


def _check_usage(usage):
    expect(usage is not None, "no usage")
    expect(usage.prompt_tokens > 0 and usage.completion_tokens > 0, f"usage {usage}")
    expect(usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, f"usage total {usage}")
    expect(usage.prompt_tokens_details.cached_tokens == 0, f"cached tokens {usage.prompt_tokens_details}")
    expect(usage.completion_tokens_details.reasoning_tokens == 0, f"reasoning tokens {usage.completion_tokens_details}")


def check_chat_create(ctx):
    completion = ctx.client.chat.completions.create(model=MODEL, messages=CHAT_MESSAGES, n=2)
    expect(completion.id.startswith("chatcmpl-"), f"unexpected id {completion.id!r}")
    expect(completion.object == "chat.completion", f"object {completion.object!r}")
    expect(len(completion.choices) == 2, f"{len(completion.choices)} choices for n=2")
    for index, choice in enumerate(completion.choices):
        expect(choice.index == index, f"choice index {choice.index}")
        expect(choice.finish_reason == "stop", f"finish_reason {choice.finish_reason!r}")
        expect(choice.message.role == "assistant", f"role {choice.message.role!r}")
        expect(choice.message.content.startswith("Simulated reply to: Say hello to the SDK check."), f"content {choice.message.content!r}")
    _check_usage(completion.usage)
    return f"{completion.id} {len(completion.choices)} choices, {completion.usage.total_tokens} tokens"


def _stream_text(chunks):
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def check_chat_stream(ctx):
    expected = ctx.client.chat.completions.create(model=MODEL, messages=CHAT_MESSAGES).choices[0].message.content
    chunks = list(ctx.client.chat.completions.create(model=MODEL, messages=CHAT_MESSAGES, stream=True))
    expect(len(chunks) > 3, f"{len(chunks)} chunks")
    expect(len({c.id for c in chunks}) == 1, "chunks have different ids")
    expect(all(c.object == "chat.completion.chunk" for c in chunks), "a chunk is not a chat.completion.chunk")
    expect(chunks[0].choices[0].delta.role == "assistant", f"first delta {chunks[0].choices[0].delta}")
    expect(chunks[-1].choices[0].finish_reason == "stop", f"last chunk {chunks[-1]}")
    # Without stream_options.include_usage the key is absent, not null.
    expect(all("usage" not in c.model_fields_set for c in chunks), "a chunk carries usage without include_usage")
    text = _stream_text(chunks)
    expect(text == expected, f"streamed text {text!r} != {expected!r}")
    with ctx.client.chat.completions.stream(model=MODEL, messages=CHAT_MESSAGES) as stream:
        final = stream.get_final_completion()
    expect(final.choices[0].message.content == expected, f"helper final text {final.choices[0].message.content!r}")
    return f"{len(chunks)} chunks, {len(text)} chars; stream helper agrees"


def check_chat_stream_usage(ctx):
    chunks = list(
        ctx.client.chat.completions.create(
            model=MODEL, messages=CHAT_MESSAGES, stream=True, stream_options={"include_usage": True}
        )
    )
    last = chunks[-1]
    expect(last.choices == [], f"last chunk has choices {last.choices}")
    _check_usage(last.usage)
    expect(all("usage" in c.model_fields_set and c.usage is None for c in chunks[:-1]), "other chunks should have usage: null")
    expect(chunks[-2].choices[0].finish_reason == "stop", "the chunk before the usage chunk does not finish")
    with ctx.client.chat.completions.stream(
        model=MODEL, messages=CHAT_MESSAGES, stream_options={"include_usage": True}
    ) as stream:
        final = stream.get_final_completion()
    expect(final.usage is not None and final.usage.total_tokens == last.usage.total_tokens, f"helper usage {final.usage}")
    return f"{len(chunks)} chunks, usage {last.usage.prompt_tokens}+{last.usage.completion_tokens}"


def check_chat_stored(ctx):
    created = ctx.client.chat.completions.create(
        model=MODEL, messages=CHAT_MESSAGES, store=True, metadata={"suite": "sdk"}
    )
    retrieved = ctx.client.chat.completions.retrieve(created.id)
    expect(retrieved.id == created.id and retrieved.metadata == {"suite": "sdk"}, f"retrieved {retrieved}")
    listed = [c.id for c in ctx.client.chat.completions.list(metadata={"suite": "sdk"})]
    expect(created.id in listed, f"{created.id} not in {listed}")
    updated = ctx.client.chat.completions.update(created.id, metadata={"suite": "sdk2"})
    expect(updated.metadata == {"suite": "sdk2"}, f"metadata after update {updated.metadata}")
    deleted = ctx.client.chat.completions.delete(created.id)
    expect(deleted.deleted and deleted.id == created.id, f"{deleted}")
    try:
        ctx.client.chat.completions.retrieve(created.id)
    except openai.NotFoundError:
        return f"{created.id} stored, listed, updated, deleted"
    raise CheckFailed("deleted chat completion still retrievable")


def check_embeddings(ctx):
    import math
    texts = ["hello world", "a second text"]
    floats = ctx.client.embeddings.create(model="text-embedding-3-small", input=texts, encoding_format="float")
    # Without encoding_format the SDK asks for base64 and decodes it: check both halves.
    raw = ctx.client.embeddings.with_raw_response.create(model="text-embedding-3-small", input=texts)
    sent = json.loads(raw.http_request.content)
    expect(sent.get("encoding_format") == "base64", f"the SDK did not ask for base64: {sent}")
    expect(isinstance(json.loads(raw.text)["data"][0]["embedding"], str), "the base64 answer is not a string")
    default = raw.parse()
    expect([d.index for d in floats.data] == [0, 1], f"indexes {[d.index for d in floats.data]}")
    for plain, decoded in zip(floats.data, default.data):
        expect(len(plain.embedding) == 1536, f"{len(plain.embedding)} dimensions")
        expect(abs(math.sqrt(sum(x * x for x in plain.embedding)) - 1) < 1e-4, "not a unit vector")
        expect(plain.embedding == list(decoded.embedding), "base64-decoded vector differs from the float one")
    expect(floats.usage.prompt_tokens == floats.usage.total_tokens > 0, f"usage {floats.usage}")
    short = ctx.client.embeddings.create(model="text-embedding-3-large", input="hello world", dimensions=256)
    expect(len(short.data[0].embedding) == 256, f"{len(short.data[0].embedding)} dimensions for 256")
    return "2 x 1536 floats equal as float and base64; dimensions=256 ok"


def check_models(ctx):
    ids = [model.id for model in ctx.client.models.list()]
    for name in ("gpt-4o", "gpt-4o-mini", "text-embedding-3-small"):
        expect(name in ids, f"{name} not in the model list")
    model = ctx.client.models.retrieve("gpt-4o")
    expect(model.id == "gpt-4o" and model.object == "model" and model.owned_by, f"{model}")
    try:
        ctx.client.models.retrieve("gpt-9-ultra")
    except openai.NotFoundError as error:
        expect(error.code == "model_not_found", f"code {error.code!r}")
        return f"{len(ids)} models; unknown model is NotFoundError"
    raise CheckFailed("unknown model did not raise NotFoundError")


def check_moderations(ctx):
    result = ctx.client.moderations.create(model="omni-moderation-latest", input=["I want to kill them.", "Have a nice day."])
    expect(result.id.startswith("modr-"), f"id {result.id!r}")
    expect(len(result.results) == 2, f"{len(result.results)} results")
    violent, kind = result.results
    expect(violent.flagged and violent.categories.violence, f"{violent.categories}")
    expect(violent.category_scores.violence > 0.9, f"score {violent.category_scores.violence}")
    expect(violent.category_applied_input_types.violence == ["text"], f"{violent.category_applied_input_types}")
    expect(not kind.flagged, f"{kind.categories}")
    return f"{result.id}: flagged {[r.flagged for r in result.results]}"


def png_size(data):
    """Checks that `data` is a well-formed PNG (signature, chunk CRCs, IHDR, IDAT inflating to
    the rows the header announces) and returns (width, height)."""
    import struct
    import zlib
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", f"not a PNG: {data[:8]!r}")
    offset, chunks, idat = 8, [], b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        expect(zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}")
        chunks.append(kind)
        if kind == b"IDAT":
            idat += body
        offset += 12 + length
    expect(chunks[0] == b"IHDR" and chunks[-1] == b"IEND", f"chunks {chunks}")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    channels = {2: 3, 6: 4}.get(colour)
    expect(depth == 8 and channels, f"depth {depth} colour type {colour}")
    expect(len(zlib.decompress(idat)) == height * (width * channels + 1), "IDAT does not hold the announced rows")
    return width, height


def check_images_generate(ctx):
    import base64
    result = ctx.client.images.generate(model="gpt-image-1", prompt="A lighthouse at dusk, watercolour.")
    expect(len(result.data) == 1, f"{len(result.data)} images")
    width, height = png_size(base64.b64decode(result.data[0].b64_json))
    expect(result.usage is not None and result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens, f"{result.usage}")
    expect(result.usage.input_tokens_details.text_tokens > 0, f"{result.usage}")
    expect(result.output_format == "png" and result.size == "1024x1024", f"{result.output_format} {result.size}")
    url = ctx.client.images.generate(model="dall-e-3", prompt="A lighthouse.", response_format="url").data[0].url
    with urllib.request.urlopen(url, timeout=10) as response:
        png_size(response.read())
    return f"PNG {width}x{height}, {result.usage.total_tokens} tokens; dall-e-3 url {url.rsplit('/', 1)[-1]}"


def check_images_stream(ctx):
    import base64
    stream = ctx.client.images.generate(model="gpt-image-1", prompt="A fox.", stream=True, partial_images=2)
    events = list(stream)
    types = [event.type for event in events]
    expect(types == ["image_generation.partial_image"] * 2 + ["image_generation.completed"], f"{types}")
    expect([event.partial_image_index for event in events[:2]] == [0, 1], "partial indexes")
    for event in events:
        png_size(base64.b64decode(event.b64_json))
    expect(events[-1].usage.output_tokens > 0, f"{events[-1].usage}")
    return f"{len(events)} events"


def sample_png(ctx, prompt):
    import base64
    return base64.b64decode(ctx.client.images.generate(model="gpt-image-1", prompt=prompt).data[0].b64_json)


def check_images_edit(ctx):
    import base64
    first, second = sample_png(ctx, "first"), sample_png(ctx, "second")
    result = ctx.client.images.edit(
        model="gpt-image-1",
        image=[("first.png", first, "image/png"), ("second.png", second, "image/png")],
        mask=("mask.png", sample_png(ctx, "mask"), "image/png"),
        prompt="Combine both pictures.",
    )
    png_size(base64.b64decode(result.data[0].b64_json))
    expect(result.usage.input_tokens_details.image_tokens > 0, f"{result.usage}")
    events = list(ctx.client.images.edit(image=("first.png", first, "image/png"), prompt="Brighter.", stream=True, partial_images=1))
    types = [event.type for event in events]
    expect(types == ["image_edit.partial_image", "image_edit.completed"], f"{types}")
    return f"2 images + mask, {result.usage.input_tokens_details.image_tokens} image tokens; stream {types}"


def check_images_variation(ctx):
    import base64
    import warnings
    # The SDK marks variations deprecated (dall-e-2 only); the simulator still serves them.
    warnings.simplefilter("ignore", DeprecationWarning)
    result = ctx.client.images.create_variation(
        model="dall-e-2", image=("in.png", sample_png(ctx, "source"), "image/png"), n=2, response_format="b64_json"
    )
    expect(len(result.data) == 2 and result.usage is None, f"{result}")
    for image in result.data:
        png_size(base64.b64decode(image.b64_json))
    try:
        ctx.client.images.create_variation(model="gpt-image-1", image=("in.png", sample_png(ctx, "source"), "image/png"))
    except openai.BadRequestError as error:
        expect(error.param == "model", f"param {error.param!r}")
    else:
        raise CheckFailed("a gpt-image-1 variation was accepted")
    return "2 dall-e-2 variations; gpt-image-1 refused (param model)"


def check_images_sizes(ctx):
    import base64
    wide = ctx.client.images.generate(model="gpt-image-1", prompt="A wide harbour.", size="1536x1024")
    expect(png_size(base64.b64decode(wide.data[0].b64_json)) == (1536, 1024), "gpt-image-1 1536x1024")
    expect(wide.size == "1536x1024", f"size {wide.size}")
    url = ctx.client.images.generate(model="dall-e-2", prompt="A small cat.", size="512x512").data[0].url
    with urllib.request.urlopen(url, timeout=10) as response:
        expect(png_size(response.read()) == (512, 512), "dall-e-2 512x512 url")
    edited = ctx.client.images.edit(
        model="gpt-image-1", image=("a.png", sample_png(ctx, "edit me"), "image/png"), prompt="Taller.", size="1024x1536"
    )
    expect(png_size(base64.b64decode(edited.data[0].b64_json)) == (1024, 1536), "edit 1024x1536")
    return "generate 1536x1024, dall-e-2 url 512x512, edit 1024x1536"


IMAGE_TOOL = {"type": "image_generation", "size": "1536x1024", "quality": "low"}


def check_responses_image_tool(ctx):
    import base64
    response = ctx.client.responses.create(model="gpt-5", input="Draw a lighthouse.", tools=[IMAGE_TOOL])
    types = [item.type for item in response.output]
    expect(types == ["image_generation_call", "message"], f"output {types}")
    call = response.output[0]
    expect(call.id.startswith("ig_") and call.status == "completed", f"{call.id} {call.status}")
    expect(png_size(base64.b64decode(call.result)) == (1536, 1024), "result size")
    expect(call.size == "1536x1024" and call.quality == "low" and call.output_format == "png", f"{call.size} {call.quality} {call.output_format}")
    expect(call.background == "opaque" and call.action == "generate" and call.revised_prompt, f"{call.background} {call.action} {call.revised_prompt!r}")
    expect(response.output_text.startswith("Simulated reply to: Draw a lighthouse."), response.output_text)
    return f"{call.id} 1536x1024 PNG, usage {response.usage.output_tokens} output tokens"


def check_responses_image_tool_stream(ctx):
    import base64
    tool = dict(IMAGE_TOOL, partial_images=2)
    with ctx.client.responses.stream(model="gpt-5", input="Draw a fox.", tools=[tool]) as stream:
        events = list(stream)
        final = stream.get_final_response()
    types = [event.type for event in events]
    partials = [event for event in events if event.type == "response.image_generation_call.partial_image"]
    expect(len(partials) == 2 and [p.partial_image_index for p in partials] == [0, 1], f"{types}")
    for partial in partials:
        expect(png_size(base64.b64decode(partial.partial_image_b64)) == (1536, 1024), "partial size")
    for name in ("in_progress", "generating", "completed"):
        expect(f"response.image_generation_call.{name}" in types, f"no {name} in {types}")
    expect([item.type for item in final.output] == ["image_generation_call", "message"], f"final {final.output}")
    raw = list(ctx.client.responses.create(model="gpt-5", input="Draw a fox.", tools=[tool], stream=True))
    expect([event.type for event in raw] == types, "create(stream=True) gave other events")
    return f"{len(events)} events, 2 partial images, final {final.status}"


WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "strict": True,
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}


def check_responses_function_call(ctx):
    import json
    with ctx.client.responses.stream(model="gpt-4o", input="Paris", tools=[WEATHER_TOOL]) as stream:
        events = list(stream)
        final = stream.get_final_response()
    types = [event.type for event in events]
    expect("response.function_call_arguments.delta" in types and "response.function_call_arguments.done" in types, f"{types}")
    call = final.output[0]
    expect([item.type for item in final.output] == ["function_call"], f"final {final.output}")
    expect(call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}, f"{call.name} {call.arguments}")
    # The function's output goes back: the model answers with text.
    answer = ctx.client.responses.create(
        model="gpt-4o",
        tools=[WEATHER_TOOL],
        input=[
            {"role": "user", "content": "Paris"},
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp": 21}'},
        ],
    )
    expect([item.type for item in answer.output] == ["message"] and answer.output_text, f"{answer.output}")
    return f"{call.call_id} {call.arguments}, then {len(answer.output_text)} characters of text"


def check_responses_hosted_tools(ctx):
    tools = [{"type": "file_search", "vector_store_ids": ["vs_docs"]}, {"type": "code_interpreter", "container": {"type": "auto"}}]
    response = ctx.client.responses.create(
        model="gpt-4o",
        input="Sum the numbers",
        tools=tools,
        include=["file_search_call.results", "code_interpreter_call.outputs"],
    )
    expect([item.type for item in response.output] == ["file_search_call", "code_interpreter_call", "message"], f"{response.output}")
    search, code = response.output[0], response.output[1]
    expect(search.queries == ["Sum the numbers"] and search.results[0].filename == "vs_docs.txt", f"{search}")
    expect(code.code.startswith("print(") and code.outputs[0].type == "logs" and code.outputs[0].logs, f"{code}")
    with ctx.client.responses.stream(model="gpt-4o", input="Sum the numbers", tools=tools) as stream:
        types = [event.type for event in stream]
    for name in ("file_search_call.searching", "code_interpreter_call_code.delta", "code_interpreter_call.interpreting"):
        expect(f"response.{name}" in types, f"no {name} in {types}")
    return f"{len(response.output)} items, {len(types)} stream events"


CHECKS = [
    ("create", check_create),
    ("stream", check_stream),
    ("stream_helper", check_stream_helper),
    ("retrieve", check_retrieve),
    ("input_items", check_input_items),
    ("delete", check_delete),
    ("background_cancel", check_background_cancel),
    ("rate_limit", check_rate_limit),
    ("file_round_trip", check_file_round_trip),
    ("speech", check_speech),
    ("transcription", check_transcription),
    ("chat_create", check_chat_create),
    ("chat_stream", check_chat_stream),
    ("chat_stream_usage", check_chat_stream_usage),
    ("chat_stored", check_chat_stored),
    ("embeddings", check_embeddings),
    ("models", check_models),
    ("moderations", check_moderations),
    ("images_generate", check_images_generate),
    ("images_stream", check_images_stream),
    ("images_edit", check_images_edit),
    ("images_variation", check_images_variation),
    ("images_sizes", check_images_sizes),
    ("responses_image_tool", check_responses_image_tool),
    ("responses_image_tool_stream", check_responses_image_tool_stream),
    ("responses_function_call", check_responses_function_call),
    ("responses_hosted_tools", check_responses_hosted_tools),
]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", nargs="?")
    parser.add_argument("--only", help="comma-separated check names")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, _ in CHECKS:
            print(name)
        return 0
    if not args.base_url:
        parser.error("BASE_URL is required")
    selected = CHECKS
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {name for name, _ in CHECKS})
        if unknown:
            parser.error(f"unknown check(s): {', '.join(unknown)}")
        selected = [(name, check) for name, check in CHECKS if name in wanted]

    ctx = Context(args.base_url)
    print(f"openai {openai.__version__} against {ctx.base_url}")
    failures = 0
    for name, check in selected:
        start = time.monotonic()
        try:
            detail = check(ctx)
            print(f"ok {name}: {detail} ({(time.monotonic() - start) * 1000:.0f} ms)", flush=True)
        except Exception as error:  # every failure is reported, the run goes on
            failures += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
    print(f"{len(selected) - failures}/{len(selected)} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

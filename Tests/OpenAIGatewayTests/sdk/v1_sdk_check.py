#!/usr/bin/env python3
"""Checks that the official `openai` Python SDK works through the gateway's `/v1` pass-through.

Usage: v1_sdk_check.py --gateway URL --simulator URL --max-retries N [--only NAME[,NAME...]] [--list]

--gateway is the gateway's root (the SDK's base_url is GATEWAY/v1), --simulator the root of the
simulator the gateway uses as its upstream (its control routes `/__simulator/...` are used for faults
and request counts, and some checks send the same request to SIMULATOR/v1 directly to compare), and
--max-retries the gateway's OPENAI_MAX_RETRIES.

Prints one line per check ("PASS NAME: detail" or "FAIL NAME: reason"), then "N passed, M failed",
and exits 0 only when no check failed, 1 when any did, 2 on bad usage or when the SDK is not installed.
A check is a function taking a `Context` and returning a short detail string; it raises `CheckFailed`
(or anything else) to fail. Add new checks by writing a function and listing it in CHECKS.

Upstream request counts are compared before and after a call (the simulator's
`GET /__simulator/stats`), so the checks do not depend on what ran before them (but nothing else may
call the simulator while the script runs); the fault checks clear the simulator's faults before and
after themselves, and the script clears them at the end. Nothing here reads
the gateway's log files. Every network wait is bounded (at most 30 s) and only 127.0.0.1 is called.
"""

import argparse
import base64
import hashlib
import io
import json
import math
import os
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import wave

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "TestSupport"))
from sdk_common import MODEL, CheckFailed, expect, responses_create, responses_stream, responses_stream_helper  # noqa: E402

try:
    import openai
except ImportError:  # pragma: no cover - reported, not raised
    print("FAIL import: the 'openai' package is not installed (python3 -m pip install openai)")
    sys.exit(2)

CLIENT_KEY = "sk-client-key-not-used"
TIMEOUT = 20  # seconds, per request (the SDK's and urllib's)
CHAT_MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say hello through the gateway."},
]


def _is_loopback(url):
    host = urllib.parse.urlsplit(url).hostname
    return host == "127.0.0.1"


class Context:
    def __init__(self, gateway, simulator, max_retries):
        self.gateway = gateway.rstrip("/")
        self.simulator = simulator.rstrip("/")
        self.max_retries = max_retries
        # The client under test. max_retries=0 so that what the simulator counts is what the gateway
        # did (an SDK retry would hide a gateway that does not retry).
        self.client = openai.OpenAI(api_key=CLIENT_KEY, base_url=self.gateway + "/v1", max_retries=0, timeout=TIMEOUT)
        # The SDK with its default retry policy (max_retries=2), for the x-should-retry check.
        self.default_client = openai.OpenAI(api_key=CLIENT_KEY, base_url=self.gateway + "/v1", timeout=TIMEOUT)
        # The same SDK pointed at the simulator itself: the reference the gateway's answers are compared to.
        self.direct = openai.OpenAI(api_key=CLIENT_KEY, base_url=self.simulator + "/v1", max_retries=0, timeout=TIMEOUT)

    def control(self, method, path, body=None):
        """Calls a simulator control route and returns its JSON answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.simulator + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip() else None

    def upstream_count(self, route):
        """How many requests the simulator has seen on `route` ("POST /v1/responses")."""
        stats = self.control("GET", "/__simulator/stats")
        requests = stats.get("requests")
        expect(isinstance(requests, dict), f"simulator stats have no 'requests' object: {stats}")
        return int(requests.get(route, 0))

    def counted(self, route, action):
        """Runs `action()` and returns (its result or the exception it raised, upstream attempts on `route`)."""
        before = self.upstream_count(route)
        try:
            outcome = action()
        except Exception as error:  # returned, so the caller can check which one
            outcome = error
        return outcome, self.upstream_count(route) - before

    def raw(self, method, path, body=None, headers=None):
        """A plain HTTP call to the gateway: (status, headers, body bytes). Never raises on 4xx/5xx."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.gateway + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        request.add_header("Authorization", f"Bearer {CLIENT_KEY}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()


def _describe(outcome):
    if isinstance(outcome, openai.APIStatusError):
        return f"{type(outcome).__name__} {outcome.status_code} body={outcome.body!r}"
    if isinstance(outcome, openai.APIError):
        return f"{type(outcome).__name__} body={outcome.body!r}"
    if isinstance(outcome, Exception):
        return f"{type(outcome).__name__}: {outcome}"
    return f"{type(outcome).__name__} {getattr(outcome, 'id', '')}".strip()


# MARK: - 1. Responses


def check_responses_create(ctx):
    return responses_create(ctx.client)


def check_responses_stream(ctx):
    return responses_stream(ctx.client)


def check_responses_stream_helper(ctx):
    return responses_stream_helper(ctx.client)


def check_responses_retrieve(ctx):
    created = ctx.client.responses.create(model=MODEL, input="Remember me.", store=True)
    retrieved = ctx.client.responses.retrieve(created.id)
    expect(retrieved.id == created.id, f"retrieved {retrieved.id} for {created.id}")
    expect(retrieved.output_text == created.output_text, f"retrieved text {retrieved.output_text!r} != {created.output_text!r}")
    return created.id


def check_responses_delete(ctx):
    created = ctx.client.responses.create(model=MODEL, input="Delete me.", store=True)
    deleted = ctx.client.responses.delete(created.id)  # None in the SDK (the answer is not parsed)
    expect(deleted is None, f"delete returned {deleted!r}")
    try:
        ctx.client.responses.retrieve(created.id)
    except openai.NotFoundError:
        return f"{created.id} deleted, then retrieve is NotFoundError"
    raise CheckFailed(f"retrieve of deleted {created.id} did not raise NotFoundError")


def check_responses_input_tokens(ctx):
    """The SDK's responses.input_tokens.count through /v1, the same count as the simulator's own, and the
    gateway's /api/responses/input-tokens agreeing with it (plus its cost estimate)."""
    through = ctx.client.responses.input_tokens.count(model=MODEL, input="Tell me a joke.", instructions="Be brief.")
    direct = ctx.direct.responses.input_tokens.count(model=MODEL, input="Tell me a joke.", instructions="Be brief.")
    expect(through.object == "response.input_tokens", f"object {through.object!r}")
    expect(through.input_tokens == direct.input_tokens, f"{through.input_tokens} through the gateway, {direct.input_tokens} direct")
    status, _, body = ctx.raw(
        "POST", "/api/responses/input-tokens", {"model": MODEL, "input": "Tell me a joke.", "instructions": "Be brief.", "stream": True}
    )
    expect(status == 200, f"/api/responses/input-tokens answered {status}: {body[:300]!r}")
    answer = json.loads(body)
    expect(answer.get("input_tokens") == through.input_tokens, f"/api answer {answer} vs {through.input_tokens}")
    expect(isinstance(answer.get("estimated_input_cost_usd"), float), f"no cost estimate in {answer}")
    return f"{through.input_tokens} input tokens, ${answer['estimated_input_cost_usd']:.8f}"


# MARK: - 2. Chat Completions


def check_chat_create(ctx):
    completion = ctx.client.chat.completions.create(model=MODEL, messages=CHAT_MESSAGES)
    expect(completion.id.startswith("chatcmpl-"), f"unexpected id {completion.id!r}")
    expect(completion.object == "chat.completion", f"object {completion.object!r}")
    choice = completion.choices[0]
    expect(choice.finish_reason == "stop", f"finish_reason {choice.finish_reason!r}")
    expect(choice.message.role == "assistant" and choice.message.content, f"message {choice.message}")
    usage = completion.usage
    expect(usage is not None and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0, f"usage {usage}")
    return f"{completion.id} {len(choice.message.content)} chars, {usage.total_tokens} tokens"


def _chunk_summary(chunks):
    """What two runs of the same stream must share: per chunk, (index, content, finish_reason) of each choice."""
    return [
        tuple((choice.index, choice.delta.content, choice.finish_reason) for choice in chunk.choices)
        for chunk in chunks
    ]


def _compare_streams(through, direct, label):
    expect(through, f"{label}: no chunks through the gateway")
    expect(
        len(through) == len(direct),
        f"{label}: {len(through)} chunks through the gateway, {len(direct)} direct "
        f"(gateway {_chunk_summary(through)} vs direct {_chunk_summary(direct)})",
    )
    mine, theirs = _chunk_summary(through), _chunk_summary(direct)
    for index, (a, b) in enumerate(zip(mine, theirs)):
        expect(a == b, f"{label}: chunk {index} differs: gateway {a} vs direct {b}")


def check_chat_stream(ctx):
    kwargs = dict(model=MODEL, messages=CHAT_MESSAGES, stream=True)
    through = list(ctx.client.chat.completions.create(**kwargs))
    direct = list(ctx.direct.chat.completions.create(**kwargs))
    _compare_streams(through, direct, "without stream_options")
    with_usage = [i for i, c in enumerate(through) if c.usage is not None or "usage" in c.model_fields_set]
    expect(not with_usage, f"chunks {with_usage} carry a usage member (e.g. {through[with_usage[0]].to_dict() if with_usage else ''})")
    empty = [i for i, c in enumerate(through) if not c.choices]
    expect(not empty, f"chunks {empty} have empty choices (e.g. {through[empty[0]].to_dict() if empty else ''})")
    expect(through[-1].choices[0].finish_reason == "stop", f"last chunk {through[-1].to_dict()}")
    expect(len({c.id for c in through}) == 1, f"chunk ids {sorted({c.id for c in through})}")
    text = "".join(c.choices[0].delta.content or "" for c in through)
    return f"{len(through)} chunks like direct, no usage, no empty choices, {len(text)} chars"


def check_chat_stream_usage(ctx):
    kwargs = dict(model=MODEL, messages=CHAT_MESSAGES, stream=True, stream_options={"include_usage": True})
    through = list(ctx.client.chat.completions.create(**kwargs))
    direct = list(ctx.direct.chat.completions.create(**kwargs))
    _compare_streams(through, direct, "include_usage")
    last = through[-1]
    expect(last.choices == [], f"last chunk has choices: {last.to_dict()}")
    expect(last.usage is not None and last.usage.total_tokens > 0, f"last chunk usage {last.usage}")
    expect(
        last.usage.total_tokens == direct[-1].usage.total_tokens,
        f"usage {last.usage.to_dict()} through the gateway vs {direct[-1].usage.to_dict() if direct[-1].usage else None} direct",
    )
    nulls = [("usage" in c.model_fields_set and c.usage is None) for c in through[:-1]]
    direct_nulls = [("usage" in c.model_fields_set and c.usage is None) for c in direct[:-1]]
    expect(nulls == direct_nulls, f"usage:null members differ: gateway {nulls} vs direct {direct_nulls}")
    return f"{len(through)} chunks like direct, last has usage {last.usage.total_tokens} tokens and empty choices"


def check_chat_stream_usage_false(ctx):
    """include_usage: false is the client's own choice: the stream must look like one without stream_options."""
    kwargs = dict(model=MODEL, messages=CHAT_MESSAGES, stream=True, stream_options={"include_usage": False})
    through = list(ctx.client.chat.completions.create(**kwargs))
    direct = list(ctx.direct.chat.completions.create(**kwargs))
    _compare_streams(through, direct, "include_usage false")
    bad = [i for i, c in enumerate(through) if "usage" in c.model_fields_set or not c.choices]
    expect(not bad, f"chunks {bad} carry usage or empty choices (e.g. {through[bad[0]].to_dict() if bad else ''})")
    return f"{len(through)} chunks like direct, no usage"


def check_chat_stream_n2(ctx):
    """n=2: two choices interleaved; the gateway's own usage request must not change them."""
    kwargs = dict(model=MODEL, messages=CHAT_MESSAGES, stream=True, n=2)
    through = list(ctx.client.chat.completions.create(**kwargs))
    direct = list(ctx.direct.chat.completions.create(**kwargs))
    _compare_streams(through, direct, "n=2")
    bad = [i for i, c in enumerate(through) if "usage" in c.model_fields_set or not c.choices]
    expect(not bad, f"chunks {bad} carry usage or empty choices")
    return f"{len(through)} chunks like direct"


def _raw_chat_stream(ctx, body):
    """The gateway's chat stream as raw SSE lines, read through the SDK's with_streaming_response."""
    lines = []
    with ctx.client.chat.completions.with_streaming_response.create(**body) as response:
        expect(response.http_response.status_code == 200, f"status {response.http_response.status_code}")
        content_type = response.headers.get("content-type", "")
        expect(content_type.startswith("text/event-stream"), f"content-type {content_type!r}")
        for line in response.iter_lines():
            lines.append(line)
    return lines


def check_chat_stream_raw(ctx):
    lines = _raw_chat_stream(ctx, dict(model=MODEL, messages=CHAT_MESSAGES, stream=True))
    data = [line[len("data:"):].strip() for line in lines if line.startswith("data:")]
    others = [line for line in lines if line and not line.startswith("data:") and not line.startswith(":")]
    expect(not others, f"non-data lines in the stream: {others[:3]}")
    expect(data and data[-1] == "[DONE]", f"stream does not end with data: [DONE] (last {data[-1:]!r})")
    chunks = []
    for index, payload in enumerate(data[:-1]):
        try:
            chunks.append(json.loads(payload))
        except ValueError as error:
            raise CheckFailed(f"chunk {index} is not JSON ({error}): {payload!r}")
    expect("[DONE]" not in data[:-1], "[DONE] before the end")
    with_usage = [i for i, c in enumerate(chunks) if "usage" in c]
    expect(not with_usage, f"chunks {with_usage} have a 'usage' key, e.g. {data[with_usage[0]] if with_usage else ''}")
    empty = [i for i, c in enumerate(chunks) if not c.get("choices")]
    expect(not empty, f"chunks {empty} have no choices, e.g. {data[empty[0]] if empty else ''}")
    return f"{len(chunks)} chunk JSONs + [DONE], none has a 'usage' key"


# MARK: - 3. Embeddings, models, files, audio


def check_embeddings(ctx):
    floats = ctx.client.embeddings.create(
        model="text-embedding-3-small", input=["hello world", "a second text"], dimensions=256, encoding_format="float"
    )
    expect([d.index for d in floats.data] == [0, 1], f"indexes {[d.index for d in floats.data]}")
    for item in floats.data:
        expect(len(item.embedding) == 256, f"{len(item.embedding)} dimensions for dimensions=256")
        expect(all(isinstance(x, float) for x in item.embedding), "an embedding value is not a float")
        norm = math.sqrt(sum(x * x for x in item.embedding))
        expect(abs(norm - 1) < 1e-3, f"norm {norm}, not a unit vector")
    # Without encoding_format the SDK asks for base64 and decodes it into floats.
    default = ctx.client.embeddings.create(model="text-embedding-3-small", input=["hello world", "a second text"], dimensions=256)
    for plain, decoded in zip(floats.data, default.data):
        expect(len(decoded.embedding) == 256, f"base64 path: {len(decoded.embedding)} dimensions")
        expect(all(abs(a - b) < 1e-6 for a, b in zip(plain.embedding, decoded.embedding)), "base64-decoded vector differs from the float one")
    expect(floats.usage.total_tokens > 0, f"usage {floats.usage}")
    return "2 x 256 floats (unit vectors), base64 path agrees"


def check_models(ctx):
    ids = [model.id for model in ctx.client.models.list()]
    expect(ids, "empty model list")
    expect(MODEL in ids, f"{MODEL} not in {ids}")
    return f"{len(ids)} models"


def check_files(ctx):
    payload = os.urandom(200 * 1024)
    digest = hashlib.sha256(payload).hexdigest()
    uploaded = ctx.client.files.create(file=("v1-sdk-check.bin", io.BytesIO(payload)), purpose="user_data")
    try:
        expect(uploaded.id.startswith("file-"), f"unexpected id {uploaded.id!r}")
        expect(uploaded.bytes == len(payload), f"bytes {uploaded.bytes} != {len(payload)}")
        expect(uploaded.filename == "v1-sdk-check.bin" and uploaded.purpose == "user_data", f"{uploaded.to_dict()}")
        listed = [f.id for f in ctx.client.files.list(purpose="user_data")]
        expect(uploaded.id in listed, f"{uploaded.id} not in files.list ({len(listed)} files)")
        downloaded = ctx.client.files.content(uploaded.id).read()
        got = hashlib.sha256(downloaded).hexdigest()
        expect(got == digest, f"downloaded {len(downloaded)} bytes sha256 {got} != uploaded {len(payload)} bytes sha256 {digest}")
    finally:
        deleted = ctx.client.files.delete(uploaded.id)
    expect(deleted.deleted and deleted.id == uploaded.id, f"delete answered {deleted.to_dict()}")
    try:
        ctx.client.files.retrieve(uploaded.id)
    except openai.NotFoundError:
        pass
    else:
        raise CheckFailed(f"deleted file {uploaded.id} still retrievable")
    return f"{uploaded.id} {len(payload)} bytes, sha256 identical, listed, deleted"


def check_speech(ctx):
    speech = ctx.client.audio.speech.create(model="tts-1", voice="alloy", input="Hello through the gateway.", response_format="wav")
    data = speech.read()
    expect(data[:4] == b"RIFF" and data[8:12] == b"WAVE", f"not a WAV: {len(data)} bytes starting {data[:12]!r}")
    with wave.open(io.BytesIO(data)) as w:
        frames, rate = w.getnframes(), w.getframerate()
    expect(frames > 0 and rate > 0, f"frames {frames} rate {rate}")
    return f"wav {len(data)} bytes, {frames / rate:.2f} s at {rate} Hz"


def check_images_generate(ctx):
    image = ctx.client.images.generate(model="gpt-image-1", prompt="A lighthouse at dawn", size="1024x1024", quality="low")
    expect(image.data and image.data[0].b64_json, "no b64_json image")
    data = base64.b64decode(image.data[0].b64_json)
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", f"not a PNG: {data[:8]!r}")
    expect(image.usage is not None and image.usage.total_tokens > 0, f"usage {image.usage}")
    legacy = ctx.client.images.generate(model="dall-e-2", prompt="A lighthouse", size="256x256", response_format="url")
    expect(legacy.data and legacy.data[0].url, "no url from dall-e-2")
    return f"png {len(data)} bytes, {image.usage.total_tokens} tokens; dall-e-2 url"


def _tone_wav(seconds=0.5, rate=16000, hz=440.0):
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / rate))) for i in range(int(seconds * rate))))
    return buffer.getvalue()


def check_transcription(ctx):
    audio = _tone_wav()
    result = ctx.client.audio.transcriptions.create(model="whisper-1", file=("tone.wav", io.BytesIO(audio)))
    expect(isinstance(result.text, str) and result.text, f"empty transcript: {result}")
    return f"{len(audio)} bytes of WAV -> {len(result.text)} chars"


def _transcription_events(client):
    events, error = [], None
    try:
        stream = client.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=("tone.wav", io.BytesIO(_tone_wav())), stream=True
        )
        for event in stream:
            events.append(event)
    except Exception as raised:  # returned with the events that came before it
        error = raised
    return events, error


def check_transcription_stream(ctx):
    """A transcription stream ends with transcript.text.done (no [DONE]): it must reach the SDK as it left the upstream."""
    through, error = _transcription_events(ctx.client)
    direct, direct_error = _transcription_events(ctx.direct)
    expect(direct_error is None, f"direct to the simulator: {_describe(direct_error)}")
    types = [event.type for event in through]
    expect(
        error is None,
        f"POST /v1/audio/transcriptions (multipart, model=gpt-4o-mini-transcribe, stream=true): the SDK raised "
        f"{_describe(error)} after {len(through)} events (last {types[-1:]}); direct, the same request gives "
        f"{len(direct)} events ending with {direct[-1].type if direct else None} and no error",
    )
    direct_types = [event.type for event in direct]
    expect(types == direct_types, f"event types {types} through the gateway vs {direct_types} direct")
    expect(types and types[-1] == "transcript.text.done", f"last event {types[-1:]}")
    deltas = "".join(event.delta for event in through if event.type == "transcript.text.delta")
    expect(deltas == through[-1].text, f"deltas {deltas!r} != final text {through[-1].text!r}")
    return f"{len(through)} events like direct, ending with transcript.text.done"


# MARK: - 4. Errors and retries


def check_retry_then_success(ctx):
    route = "POST /v1/responses"
    expect(ctx.max_retries >= 2, f"needs a gateway with OPENAI_MAX_RETRIES >= 2 to get past 2 x 429 (--max-retries {ctx.max_retries})")
    ctx.control("DELETE", "/__simulator/faults")
    ctx.control("POST", "/__simulator/faults", {"path": "/v1/responses", "method": "POST", "status": 429, "count": 2, "retry_after_ms": 100})
    try:
        start = time.monotonic()
        outcome, attempts = ctx.counted(
            route, lambda: ctx.client.responses.with_raw_response.create(model=MODEL, input="Retried by the gateway.")
        )
        elapsed_ms = (time.monotonic() - start) * 1000
    finally:
        ctx.control("DELETE", "/__simulator/faults")
    expect(
        not isinstance(outcome, Exception),
        f"POST {ctx.gateway}/v1/responses with 2 x 429 (retry_after_ms 100) upstream and gateway max_retries "
        f"{ctx.max_retries} (SDK max_retries=0): {_describe(outcome)}; upstream attempts {attempts}",
    )
    response = outcome.parse()
    expect(response.id.startswith("resp_") and response.output_text, f"response {response.id} {response.output_text!r}")
    expect(attempts == 3, f"the simulator saw {attempts} POST /v1/responses for the call, expected 3 (2 x 429 + success)")
    # Two waits of the upstream's retry-after-ms: 100 (a little slack for timer resolution).
    expect(elapsed_ms >= 150, f"the call took {elapsed_ms:.0f} ms: the gateway did not wait the 2 x 100 ms retry-after-ms")
    return f"{response.id} after 3 upstream attempts in {elapsed_ms:.0f} ms"


def check_persistent_rate_limit(ctx):
    route = "POST /v1/responses"
    ctx.control("DELETE", "/__simulator/faults")
    ctx.control("POST", "/__simulator/faults", {"path": "/v1/responses", "method": "POST", "status": 429, "count": 1000, "retry_after_ms": 20})
    try:
        # The SDK's default policy (max_retries=2): only x-should-retry: false keeps it from retrying.
        outcome, attempts = ctx.counted(route, lambda: ctx.default_client.responses.create(model=MODEL, input="Always limited."))
    finally:
        ctx.control("DELETE", "/__simulator/faults")
    expect(
        isinstance(outcome, openai.RateLimitError),
        f"expected RateLimitError from POST /v1/responses under a persistent 429, got {_describe(outcome)}",
    )
    should_retry = outcome.response.headers.get("x-should-retry")
    expected = ctx.max_retries + 1
    expect(
        attempts == expected,
        f"the simulator saw {attempts} POST /v1/responses for one SDK call (SDK max_retries=2), expected "
        f"{expected} (gateway max_retries {ctx.max_retries} + 1); gateway answered x-should-retry={should_retry!r}",
    )
    expect(should_retry == "false", f"x-should-retry {should_retry!r}, expected 'false'")
    expect(outcome.code == "rate_limit_exceeded", f"error code {outcome.code!r} (body {outcome.body!r})")
    # The fault is cleared: the next call goes through.
    after = ctx.client.responses.create(model=MODEL, input="Not limited any more.")
    return f"RateLimitError after {attempts} upstream attempts, x-should-retry false; faults cleared ({after.id})"


def check_bad_request(ctx):
    try:
        ctx.client.responses.create(model=MODEL, input="Too hot.", temperature=5)
    except openai.BadRequestError as error:
        body = error.body if isinstance(error.body, dict) else {}
        param = error.param or body.get("param")
        expect(param == "temperature", f"param {param!r} (body {error.body!r})")
        expect(error.status_code == 400, f"status {error.status_code}")
        return f"BadRequestError param={param} code={error.code}"
    raise CheckFailed("temperature=5 did not raise BadRequestError")


def check_not_found(ctx):
    try:
        ctx.client.responses.retrieve("resp_does_not_exist")
    except openai.NotFoundError as error:
        expect(error.status_code == 404, f"status {error.status_code}")
        return f"NotFoundError: {error.message[:80]}"
    raise CheckFailed("retrieve of resp_does_not_exist did not raise NotFoundError")


def check_request_id_headers(ctx):
    raw = ctx.client.responses.with_raw_response.create(model=MODEL, input="Show me your headers.")
    upstream_id = raw.headers.get("x-request-id")
    gateway_id = raw.headers.get("x-gateway-request-id")
    expect(upstream_id and upstream_id.startswith("req_"), f"x-request-id {upstream_id!r}")
    expect(gateway_id and gateway_id.startswith("gw_"), f"x-gateway-request-id {gateway_id!r}")
    expect(raw.request_id == upstream_id, f"SDK request_id {raw.request_id!r} != x-request-id {upstream_id!r}")
    expect(raw.parse().id.startswith("resp_"), "the raw response does not parse")
    return f"x-request-id {upstream_id}, x-gateway-request-id {gateway_id}"


# MARK: - 5. Unknown paths


def _check_openai_error_shape(body_bytes, label):
    try:
        body = json.loads(body_bytes)
    except ValueError:
        raise CheckFailed(f"{label}: body is not JSON: {body_bytes[:200]!r}")
    error = body.get("error") if isinstance(body, dict) else None
    expect(isinstance(error, dict), f"{label}: no 'error' object in {body}")
    missing = [key for key in ("message", "type", "param", "code") if key not in error]
    expect(not missing, f"{label}: error object lacks {missing}: {error}")
    expect(isinstance(error["message"], str) and error["message"], f"{label}: empty message: {error}")
    return error


def check_unknown_path_raw(ctx):
    route = "POST /v1/some_new_api"
    outcome, attempts = ctx.counted(route, lambda: ctx.raw("POST", "/v1/some_new_api", {"probe": "v1-sdk-check", "n": 1}))
    expect(not isinstance(outcome, Exception), f"POST /v1/some_new_api: {_describe(outcome)}")
    status, headers, body = outcome
    expect(attempts == 1, f"the simulator counted {attempts} {route} for one request, expected 1")
    expect(status == 404, f"status {status}, body {body[:300]!r}")
    error = _check_openai_error_shape(body, "raw")
    expect("/v1/some_new_api" in error["message"], f"message {error['message']!r} does not name the path")
    expect((headers.get("x-request-id") or "").startswith("req_"), f"x-request-id {headers.get('x-request-id')!r}")
    return f"404 from the simulator: {error['message']!r}"


def check_unknown_path_sdk(ctx):
    route = "POST /v1/some_new_api"
    outcome, attempts = ctx.counted(
        route, lambda: ctx.client.post("/some_new_api", cast_to=object, body={"probe": "v1-sdk-check", "n": 2})
    )
    expect(attempts == 1, f"the simulator counted {attempts} {route} for one SDK call, expected 1 ({_describe(outcome)})")
    expect(isinstance(outcome, openai.NotFoundError), f"expected NotFoundError, got {_describe(outcome)}")
    _check_openai_error_shape(outcome.response.content, "sdk")
    expect("/v1/some_new_api" in outcome.message, f"message {outcome.message!r}")
    return f"NotFoundError via client.post: {outcome.message[:80]}"


CHECKS = [
    ("images_generate", check_images_generate),
    ("responses_create", check_responses_create),
    ("responses_stream", check_responses_stream),
    ("responses_stream_helper", check_responses_stream_helper),
    ("responses_retrieve", check_responses_retrieve),
    ("responses_delete", check_responses_delete),
    ("responses_input_tokens", check_responses_input_tokens),
    ("chat_create", check_chat_create),
    ("chat_stream", check_chat_stream),
    ("chat_stream_usage", check_chat_stream_usage),
    ("chat_stream_usage_false", check_chat_stream_usage_false),
    ("chat_stream_n2", check_chat_stream_n2),
    ("chat_stream_raw", check_chat_stream_raw),
    ("embeddings", check_embeddings),
    ("models", check_models),
    ("files", check_files),
    ("speech", check_speech),
    ("transcription", check_transcription),
    ("transcription_stream", check_transcription_stream),
    ("retry_then_success", check_retry_then_success),
    ("persistent_rate_limit", check_persistent_rate_limit),
    ("bad_request", check_bad_request),
    ("not_found", check_not_found),
    ("request_id_headers", check_request_id_headers),
    ("unknown_path_raw", check_unknown_path_raw),
    ("unknown_path_sdk", check_unknown_path_sdk),
]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", help="the gateway's root URL, e.g. http://127.0.0.1:18282")
    parser.add_argument("--simulator", help="the upstream simulator's root URL, e.g. http://127.0.0.1:18281")
    parser.add_argument("--max-retries", type=int, help="the gateway's OPENAI_MAX_RETRIES")
    parser.add_argument("--only", help="comma-separated check names")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, _ in CHECKS:
            print(name)
        return 0
    if not args.gateway or not args.simulator or args.max_retries is None:
        parser.error("--gateway, --simulator and --max-retries are required")
    if args.max_retries < 0:
        parser.error("--max-retries must be >= 0")
    for url in (args.gateway, args.simulator):
        if not _is_loopback(url):
            parser.error(f"{url}: only http://127.0.0.1 addresses are allowed")
    selected = CHECKS
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {name for name, _ in CHECKS})
        if unknown:
            parser.error(f"unknown check(s): {', '.join(unknown)}")
        selected = [(name, check) for name, check in CHECKS if name in wanted]

    ctx = Context(args.gateway, args.simulator, args.max_retries)
    print(f"openai {openai.__version__} via {ctx.gateway}/v1 (upstream {ctx.simulator}, gateway max_retries {ctx.max_retries})")
    passed = failed = 0
    for label, url in (("simulator", ctx.simulator + "/__simulator/stats"), ("gateway", ctx.gateway + "/health")):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                json.loads(response.read())
        except Exception as error:
            print(f"FAIL preflight: the {label}'s {url} does not answer: {type(error).__name__}: {error}")
            print("0 passed, 1 failed")
            return 1
    for name, check in selected:
        start = time.monotonic()
        try:
            detail = check(ctx)
            passed += 1
            print(f"PASS {name}: {detail} ({(time.monotonic() - start) * 1000:.0f} ms)", flush=True)
        except Exception as error:  # every failure is reported, the run goes on
            failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
    # Leave no fault behind for whatever runs next.
    try:
        ctx.control("DELETE", "/__simulator/faults")
    except Exception:
        pass
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

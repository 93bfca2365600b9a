"""What the official-SDK check scripts share (Tests/*/sdk/*.py): failures, expectations, and the
check of a Responses event stream as the SDK yields it."""


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def check_response_events(events):
    """The typed events of one Responses stream: created first, completed last, consecutive sequence
    numbers, and a final text equal to the concatenated deltas. Returns (types, deltas)."""
    expect(events, "no events arrived")
    types = [event.type for event in events]
    expect(types[0] == "response.created", f"first event is {types[0]} ({types})")
    expect(types[-1] == "response.completed", f"last event is {types[-1]} ({types})")
    expect("response.output_text.delta" in types, f"no response.output_text.delta in {types}")
    numbers = [event.sequence_number for event in events]
    expect(numbers == list(range(numbers[0], numbers[0] + len(numbers))), f"sequence numbers not consecutive: {numbers}")
    deltas = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    final = events[-1].response.output_text
    expect(final == deltas, f"final text {final!r} != concatenated deltas {deltas!r}")
    return types, deltas


MODEL = "gpt-4o-mini"


def responses_create(client):
    """`responses.create`: a completed response with text and consistent usage."""
    response = client.responses.create(model=MODEL, input="Say hello to the SDK check.")
    expect(isinstance(response.id, str) and response.id.startswith("resp_"), f"unexpected id {response.id!r}")
    expect(response.status == "completed", f"status {response.status!r}")
    expect(isinstance(response.output_text, str) and response.output_text, "empty output_text")
    usage = response.usage
    expect(usage is not None, "no usage")
    expect(usage.input_tokens > 0 and usage.output_tokens > 0, f"usage {usage}")
    expect(usage.total_tokens == usage.input_tokens + usage.output_tokens, f"usage total {usage}")
    return f"{response.id} {len(response.output_text)} chars, {usage.total_tokens} tokens"


def responses_stream(client):
    """`responses.create(stream=True)`: the events of one complete stream."""
    events = list(client.responses.create(model=MODEL, input="Stream a few words.", stream=True))
    types, deltas = check_response_events(events)
    return f"{len(events)} events ({len(set(types))} types), {len(deltas)} chars"


def responses_stream_helper(client):
    """`responses.stream()`: the helper's events and a final response matching them."""
    with client.responses.stream(model=MODEL, input="Stream through the helper.") as stream:
        events = list(stream)
        final = stream.get_final_response()
    _, deltas = check_response_events(events)
    expect(final.id.startswith("resp_") and final.status == "completed", f"final response {final.id} {final.status}")
    expect(final.output_text == deltas, f"helper final text {final.output_text!r} != {deltas!r}")
    return f"{len(events)} events, final {final.id}"

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

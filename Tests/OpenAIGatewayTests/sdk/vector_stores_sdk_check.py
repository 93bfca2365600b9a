#!/usr/bin/env python3
"""The official `openai` Python SDK's vector-store helpers against a base URL (the gateway's /v1,
or the simulator's).

Usage: vector_stores_sdk_check.py --base-url URL

Runs vector_stores.create, vector_stores.files.upload_and_poll (twice, with attributes), and
vector_stores.search (plain, filtered, rewritten), then deletes the store. Prints one line per check
("PASS NAME: detail" or "FAIL NAME: reason"), then "N passed, M failed", and exits 0 only when no
check failed (2 when the SDK is missing). Every request is bounded (20 s) and goes to 127.0.0.1 only.
"""

import argparse
import io
import sys
import urllib.parse

try:
    import openai
except ImportError:  # pragma: no cover - reported, not raised
    print("FAIL import: the 'openai' package is not installed (python3 -m pip install openai)")
    sys.exit(2)

SWIFT = b"Swift actors isolate mutable state; the compiler checks Sendable types across concurrency domains."
BREAD = b"Knead the dough for ten minutes, let it rise for an hour, then bake the bread at 230 degrees."


def check(results, name, function):
    try:
        detail = function()
        results.append(True)
        print(f"PASS {name}: {detail}")
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        results.append(False)
        print(f"FAIL {name}: {type(error).__name__}: {error}")


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    arguments = parser.parse_args()
    if urllib.parse.urlsplit(arguments.base_url).hostname != "127.0.0.1":
        print("FAIL usage: only 127.0.0.1 is called")
        return 2
    client = openai.OpenAI(api_key="sk-client-key-not-used", base_url=arguments.base_url, max_retries=0, timeout=20)
    results = []
    state = {}

    def create():
        store = client.vector_stores.create(name="sdk-check", metadata={"suite": "sdk"})
        expect(store.id.startswith("vs_"), f"id {store.id}")
        expect(store.object == "vector_store", f"object {store.object}")
        expect(store.file_counts.total == 0, f"file_counts {store.file_counts}")
        state["store"] = store.id
        return store.id

    def upload_and_poll():
        store = state["store"]
        swift = client.vector_stores.files.upload_and_poll(
            vector_store_id=store,
            file=("swift.txt", io.BytesIO(SWIFT)),
            attributes={"topic": "code", "year": 2024},
            poll_interval_ms=50,
            max_wait_seconds=15,
        )
        expect(swift.status == "completed", f"status {swift.status}")
        expect(swift.usage_bytes == len(SWIFT), f"usage_bytes {swift.usage_bytes}")
        bread = client.vector_stores.files.upload_and_poll(
            vector_store_id=store,
            file=("bread.md", io.BytesIO(BREAD)),
            attributes={"topic": "food", "year": 2021},
            poll_interval_ms=50,
            max_wait_seconds=15,
        )
        expect(bread.status == "completed", f"status {bread.status}")
        state["swift"], state["bread"] = swift.id, bread.id
        retrieved = client.vector_stores.retrieve(store)
        expect(retrieved.file_counts.completed == 2, f"file_counts {retrieved.file_counts}")
        expect(retrieved.usage_bytes == len(SWIFT) + len(BREAD), f"usage_bytes {retrieved.usage_bytes}")
        return f"{swift.id}, {bread.id} completed"

    def search():
        store = state["store"]
        page = client.vector_stores.search(store, query="How do actors isolate state?")
        results_list = list(page)
        expect(results_list, "no results")
        expect(results_list[0].file_id == state["swift"], f"first {results_list[0].file_id}")
        expect(0 < results_list[0].score < 1, f"score {results_list[0].score}")
        expect(results_list[0].attributes.get("topic") == "code", f"attributes {results_list[0].attributes}")
        filtered = list(client.vector_stores.search(store, query="actors bread", filters={"type": "eq", "key": "topic", "value": "food"}))
        expect([r.file_id for r in filtered] == [state["bread"]], f"filtered {[r.file_id for r in filtered]}")
        rewritten = client.vector_stores.search(store, query="What is the bread temperature?", rewrite_query=True, max_num_results=1)
        expect(rewritten.search_query == ["bread temperature"], f"search_query {rewritten.search_query}")
        return f"top score {results_list[0].score:.3f}"

    def delete():
        deleted = client.vector_stores.delete(state["store"])
        expect(deleted.deleted is True, f"deleted {deleted}")
        return deleted.id

    check(results, "vector_stores.create", create)
    if "store" in state:
        check(results, "vector_stores.files.upload_and_poll", upload_and_poll)
        if "swift" in state:
            check(results, "vector_stores.search", search)
        check(results, "vector_stores.delete", delete)
    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

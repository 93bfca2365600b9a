#!/usr/bin/env python3
"""The official `openai` Python SDK against a gateway with GATEWAY_AUTH=keys: an access key is the SDK's api_key.

Usage: keys_sdk_check.py --gateway URL --key SECRET --limited-key SECRET

--key is a key without limits, --limited-key one with rpm 1 (unused so far). Prints one line per check
("PASS NAME: detail" / "FAIL NAME: reason"), then "N passed, M failed"; exits 0 only when none failed, 2
when the SDK is not installed. Only 127.0.0.1 is called; every wait is bounded.
"""
import argparse
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "TestSupport"))
from sdk_common import MODEL, CheckFailed, expect, responses_create  # noqa: E402

try:
    import openai
except ImportError:
    print("the openai package is not installed: python3 -m pip install openai")
    sys.exit(2)


def client(args, key, retries=0):
    return openai.OpenAI(base_url=args.gateway + "/v1", api_key=key, max_retries=retries, timeout=30)


def with_key(args):
    detail = responses_create(client(args, args.key))
    chunks = list(client(args, args.key).chat.completions.create(
        model=MODEL, stream=True, messages=[{"role": "user", "content": "Hi"}]))
    expect(chunks, "no chat chunks")
    return f"{detail}; {len(chunks)} chat chunks"


def wrong_key(args):
    try:
        client(args, "gk_not-a-real-key").responses.create(model=MODEL, input="hi")
    except openai.AuthenticationError as error:
        expect(error.status_code == 401, f"status {error.status_code}")
        expect(error.code == "invalid_access_key", f"code {error.code!r}")
        return "AuthenticationError invalid_access_key"
    raise CheckFailed("a wrong key was accepted")


def no_key(args):
    """The SDK refuses to send without an api_key, so this one is plain HTTP: OpenAI's error shape, 401."""
    request = urllib.request.Request(args.gateway + "/v1/models")
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
        expect(error.code == 401, f"status {error.code}")
        expect(body["error"]["type"] == "authentication_error", f"type {body['error'].get('type')!r}")
        expect(body["error"]["code"] == "access_key_required", f"code {body['error'].get('code')!r}")
        return "401 authentication_error access_key_required"
    raise CheckFailed("a request without a key was accepted")


def rate_limited(args):
    limited = client(args, args.limited_key)
    limited.responses.create(model=MODEL, input="first")
    try:
        limited.responses.create(model=MODEL, input="second")
    except openai.RateLimitError as error:
        headers = error.response.headers
        expect(error.code == "key_rate_limit_exceeded", f"code {error.code!r}")
        expect(headers.get("x-gateway-limit") == "requests", f"x-gateway-limit {headers.get('x-gateway-limit')!r}")
        expect(headers.get("x-ratelimit-limit-requests") == "1", f"x-ratelimit-limit-requests {headers.get('x-ratelimit-limit-requests')!r}")
        expect(headers.get("retry-after") is not None, "no retry-after")
        return f"RateLimitError after 1 request, retry-after {headers.get('retry-after')} s"
    raise CheckFailed("the second request within the minute was accepted")


CHECKS = [with_key, wrong_key, no_key, rate_limited]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--limited-key", required=True)
    args = parser.parse_args()
    failed = 0
    for check in CHECKS:
        try:
            print(f"PASS {check.__name__}: {check(args)}")
        except Exception as error:  # noqa: BLE001
            failed += 1
            print(f"FAIL {check.__name__}: {type(error).__name__}: {error}")
    print(f"{len(CHECKS) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

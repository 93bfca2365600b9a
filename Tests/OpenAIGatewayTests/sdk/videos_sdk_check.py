#!/usr/bin/env python3
"""Checks the official `openai` Python SDK's Videos calls through the gateway's `/v1` pass-through.

Usage: videos_sdk_check.py --gateway URL --simulator URL

--gateway is the gateway's root (the SDK's base_url is GATEWAY/v1), --simulator the root of the
simulator the gateway uses as its upstream (downloads are compared with the same asset fetched from
SIMULATOR/v1 directly). Prints one line per check ("PASS NAME: detail" or "FAIL NAME: reason"), then
"N passed, M failed", and exits 0 only when no check failed (2 on bad usage or without the SDK).
Every wait is bounded and only 127.0.0.1 is called.
"""

import argparse
import os
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "TestSupport"))
from sdk_common import CheckFailed, expect  # noqa: E402

try:
    import openai
except ImportError:  # pragma: no cover - reported, not raised
    print("FAIL import: the 'openai' package is not installed (python3 -m pip install openai)")
    sys.exit(2)

TIMEOUT = 20
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


class Context:
    def __init__(self, gateway, simulator):
        self.gateway = gateway.rstrip("/")
        self.simulator = simulator.rstrip("/")
        self.client = openai.OpenAI(api_key="sk-client-key-not-used", base_url=self.gateway + "/v1", max_retries=0, timeout=TIMEOUT)
        self.video_id = None

    def direct(self, path):
        with urllib.request.urlopen(self.simulator + path, timeout=TIMEOUT) as response:
            return response.read()

    def completed(self, video_id):
        deadline = time.monotonic() + 15
        video = self.client.videos.retrieve(video_id)
        while video.status not in ("completed", "failed"):
            expect(time.monotonic() < deadline, f"{video_id} still {video.status} after 15 s")
            time.sleep(0.05)
            video = self.client.videos.retrieve(video_id)
        expect(video.status == "completed", f"{video_id} ended {video.status}: {video.error}")
        return video


def check_create(ctx):
    video = ctx.client.videos.create(model="sora-2", prompt="A calico cat playing a piano on stage", seconds="8", size="1280x720")
    expect(video.id.startswith("video_"), f"id {video.id!r}")
    expect(video.object == "video", f"object {video.object!r}")
    expect(video.status in ("queued", "in_progress"), f"status {video.status!r}")
    expect(video.seconds == "8" and video.size == "1280x720" and video.model == "sora-2", f"{video}")
    ctx.video_id = video.id
    return video.id


def check_create_with_reference(ctx):
    video = ctx.client.videos.create(prompt="Animate this frame", input_reference=("frame.png", PNG, "image/png"))
    expect(video.id.startswith("video_"), f"id {video.id!r}")
    return f"{video.id} ({video.status})"


def check_retrieve(ctx):
    expect(ctx.video_id, "no video was created")
    video = ctx.completed(ctx.video_id)
    expect(video.progress == 100 and video.completed_at is not None, f"{video}")
    return f"{video.id} completed"


def check_download_content(ctx):
    expect(ctx.video_id, "no video was created")
    details = []
    for variant in ("video", "thumbnail", "spritesheet"):
        content = ctx.client.videos.download_content(ctx.video_id, variant=variant)
        data = content.read()
        expected = ctx.direct(f"/v1/videos/{urllib.parse.quote(ctx.video_id)}/content?variant={variant}")
        expect(data == expected, f"{variant}: {len(data)} bytes through the gateway, {len(expected)} direct")
        details.append(f"{variant} {len(data)} B")
    return ", ".join(details)


def check_remix(ctx):
    expect(ctx.video_id, "no video was created")
    remixed = ctx.client.videos.remix(ctx.video_id, prompt="The same scene at night")
    expect(remixed.remixed_from_video_id == ctx.video_id, f"remixed_from_video_id {remixed.remixed_from_video_id!r}")
    expect(remixed.seconds == "8", f"seconds {remixed.seconds!r}")
    return remixed.id


def check_not_found(ctx):
    try:
        ctx.client.videos.retrieve("video_does_not_exist")
    except openai.NotFoundError as error:
        return f"NotFoundError {error.status_code}"
    raise CheckFailed("retrieving an unknown video did not raise NotFoundError")


CHECKS = [
    ("videos.create", check_create),
    ("videos.create input_reference", check_create_with_reference),
    ("videos.retrieve", check_retrieve),
    ("videos.download_content", check_download_content),
    ("videos.remix", check_remix),
    ("videos.retrieve unknown", check_not_found),
]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--simulator", required=True)
    args = parser.parse_args(argv)
    for url in (args.gateway, args.simulator):
        if urllib.parse.urlsplit(url).hostname != "127.0.0.1":
            parser.error(f"{url}: only http://127.0.0.1 addresses are allowed")
    ctx = Context(args.gateway, args.simulator)
    print(f"openai {openai.__version__} via {ctx.gateway}/v1 (upstream {ctx.simulator})")
    passed = failed = 0
    for name, check in CHECKS:
        try:
            detail = check(ctx)
            print(f"PASS {name}: {detail}")
            passed += 1
        except Exception as error:  # every failure is reported, the next check still runs
            print(f"FAIL {name}: {type(error).__name__}: {error}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

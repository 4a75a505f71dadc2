#!/usr/bin/env python3
"""Summarises a dotnet-trace speedscope file (dotnet-trace convert --format Speedscope) over its busy samples.

Sampled thread time records waiting threads too; a sample whose innermost frame is a wait (Monitor, WaitHandle,
sleep, epoll, SpinWait, thread-pool dispatch idling) is dropped. Prints the top frames by inclusive and exclusive
share of what is left, optionally only frames whose name contains a filter.

    python3 ops/bench/profile-summary.py trace.speedscope.json [--top 40] [--filter ActorStreams]
"""
import argparse
import collections
import json

WAITS = ("Wait", "Sleep", "epoll", "SpinWait", "Monitor.Enter", "LowLevelLifoSemaphore", "futex", "Blocking",
         "PortableThreadPool+WorkerThread.WorkerThreadStart", "UNMANAGED_CODE_TIME", "CPU_TIME")

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--top", type=int, default=40)
parser.add_argument("--filter", default="")
args = parser.parse_args()

doc = json.load(open(args.file, encoding="utf-8"))
frames = [f["name"] for f in doc["shared"]["frames"]]
inclusive = collections.Counter()
exclusive = collections.Counter()
busy = 0.0
for profile in doc["profiles"]:
    if profile.get("type") == "sampled":
        stacks, weights = profile["samples"], profile["weights"]
    else:  # evented: turn open/close events into weighted stacks
        stacks, weights, stack, last = [], [], [], None
        for event in profile["events"]:
            if last is not None and stack:
                stacks.append(list(stack))
                weights.append(event["at"] - last)
            last = event["at"]
            if event["type"] == "O":
                stack.append(event["frame"])
            elif stack:
                stack.pop()
    for stack, weight in zip(stacks, weights):
        if not stack or weight <= 0:
            continue
        leaf = frames[stack[-1]]
        if any(w in leaf for w in WAITS):
            continue
        busy += weight
        exclusive[leaf] += weight
        for name in {frames[i] for i in stack}:
            inclusive[name] += weight

print(f"busy time: {busy:,.0f} (units of the file)")
for title, counter in (("inclusive", inclusive), ("exclusive", exclusive)):
    print(f"\n## top {args.top} by {title} share of busy time")
    shown = 0
    for name, weight in counter.most_common():
        if args.filter and args.filter not in name:
            continue
        print(f"{100 * weight / busy:6.1f} %  {name[:160]}")
        shown += 1
        if shown >= args.top:
            break

#!/usr/bin/env python3
"""Summarises a dotnet-trace speedscope file (dotnet-trace convert --format Speedscope) over its busy samples.

Sampled thread time records waiting threads too. The profiler ends each stack with CPU_TIME (running managed code)
or UNMANAGED_CODE_TIME (in native code: a syscall, SQLite, or a wait); a sample counts as busy when it is CPU_TIME,
or native code whose calling frame is not a wait (Monitor, WaitHandle, sleep, epoll, semaphores, socket polls). Prints the top frames by inclusive and exclusive
share of what is left, optionally only frames whose name contains a filter.

    python3 ops/bench/profile-summary.py trace.speedscope.json [--top 40] [--filter ActorStreams]
"""
import argparse
import collections
import json

WAITS = ("Wait", "Sleep", "epoll", "SpinWait", "Monitor.Enter", "LowLevelLifoSemaphore", "futex", "Blocking", "Semaphore",
         "Interop+Sys.Poll", "Interop+Sys.Read", "SocketAsyncEngine", "Interop+Sys.WaitForSocketEvents")

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--top", type=int, default=40)
parser.add_argument("--filter", default="")
args = parser.parse_args()

doc = json.load(open(args.file, encoding="utf-8"))
frames = [f["name"] for f in doc["shared"]["frames"]]
inclusive = collections.Counter()
exclusive = collections.Counter()
threads = collections.Counter()
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
        marker = frames[stack[-1]]
        if marker in ("CPU_TIME", "UNMANAGED_CODE_TIME"):
            stack = stack[:-1]
            if not stack:
                continue
        # Unresolved native frames ("?!?") belong to the nearest managed caller.
        resolved = [frames[i] for i in stack if frames[i] != "?!?"]
        if not resolved:
            continue
        leaf = resolved[-1]
        if marker != "CPU_TIME" and any(w in leaf for w in WAITS):
            continue
        busy += weight
        threads[profile["name"]] += weight
        exclusive[leaf] += weight
        for name in {frames[i] for i in stack}:
            inclusive[name] += weight

print(f"busy time: {busy:,.0f} (units of the file)")
print("busiest threads: " + ", ".join(f"{name} {100 * w / busy:.0f} %" for name, w in threads.most_common(6)))
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

#!/usr/bin/env python3
"""Writes src/ActorStreams.Server/Protocol/Model/api-model.json, the request side of the Kinesis and Firehose API
models, from botocore's service-2.json.gz: for every operation its input shape, and for every shape reachable from
an input its type and constraints (required, min/max, pattern, enum values). AWS's documentation prose is dropped.

Usage: ops/tools/gen-api-model.py [botocore-data-dir]   (default: the data directory of the installed botocore)
"""
import gzip
import json
import os
import sys

SERVICES = {"kinesis": "kinesis/2013-12-02", "firehose": "firehose/2015-08-04"}
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "ActorStreams.Server", "Protocol", "Model", "api-model.json")


# Where ActorStreams deliberately accepts more than AWS, because its destinations are self-hosted (docs/firehose.md,
# "Where the server accepts more than AWS"): (service, shape) -> constraints replaced.
DEVIATIONS = {
    # A receiver on a trusted network may speak plain HTTP; the destination address policy still applies.
    ("firehose", "HttpEndpointUrl"): {"pattern": "https?://.*"},
    # The warehouse is any PostgreSQL-compatible database, not only an AWS Redshift host name.
    ("firehose", "ClusterJDBCURL"): {"pattern": "jdbc:(redshift|postgresql)://[^/]+:\\d{1,5}/[a-zA-Z0-9_$-]+"},
}


# Operations and members newer than the botocore this tool runs with, as the type definitions of
# @aws-sdk/client-kinesis 3.1143.0 (pinned in tests/js) declare them: service -> (operations, shapes, members added
# to existing structures). Drop an entry once botocore has it.
ADDITIONS = {
    "kinesis": (
        {"UpdateStreamRecordDistributionStrategy": "UpdateStreamRecordDistributionStrategyInput"},
        {
            "RecordDistributionStrategy": {"type": "enum", "values": ["AUTO", "USER_PARTITION_KEY"]},
            "UpdateStreamRecordDistributionStrategyInput": {"type": "structure", "members": [
                {"name": "StreamARN", "shape": "StreamARN", "required": True},
                {"name": "StreamId", "shape": "StreamId"},
                {"name": "RecordDistributionStrategy", "shape": "RecordDistributionStrategy", "required": True},
            ]},
        },
        {"CreateStreamInput": [{"name": "RecordDistributionStrategy", "shape": "RecordDistributionStrategy"}]},
    ),
}


def botocore_data():
    if len(sys.argv) > 1:
        return sys.argv[1]
    import botocore
    return os.path.join(os.path.dirname(botocore.__file__), "data")


def compact(shapes, name, out):
    if name in out:
        return
    s = shapes[name]
    kind = s["type"]
    c = {}
    out[name] = c
    if kind == "string" and "enum" in s:
        c["type"] = "enum"
        c["values"] = s["enum"]
    else:
        c["type"] = kind
    for key in ("min", "max"):
        if key in s:
            # Strings, blobs, lists and maps constrain their length; numbers their value.
            prefix = "" if kind in ("integer", "long", "double", "float") else "length-"
            c[prefix + key] = s[key]
    if "pattern" in s:
        c["pattern"] = s["pattern"]
    if kind == "structure":
        required = set(s.get("required", []))
        c["members"] = [{"name": m, "shape": ref["shape"], **({"required": True} if m in required else {})}
                        for m, ref in s["members"].items()]
        for ref in s["members"].values():
            compact(shapes, ref["shape"], out)
    elif kind == "list":
        c["member"] = s["member"]["shape"]
        compact(shapes, s["member"]["shape"], out)
    elif kind == "map":
        c["key"] = s["key"]["shape"]
        c["value"] = s["value"]["shape"]
        compact(shapes, s["key"]["shape"], out)
        compact(shapes, s["value"]["shape"], out)


def main():
    data = botocore_data()
    model = {}
    for service, path in SERVICES.items():
        with gzip.open(os.path.join(data, path, "service-2.json.gz")) as f:
            source = json.load(f)
        shapes = {}
        operations = {}
        for op in sorted(source["operations"]):
            spec = source["operations"][op]
            if "input" in spec:
                operations[op] = spec["input"]["shape"]
                compact(source["shapes"], spec["input"]["shape"], shapes)
            else:
                operations[op] = None
        if service in ADDITIONS:
            added_operations, added_shapes, added_members = ADDITIONS[service]
            for op, shape in added_operations.items():
                operations.setdefault(op, shape)
            for name, shape in added_shapes.items():
                shapes.setdefault(name, shape)
            for name, members in added_members.items():
                known = {m["name"] for m in shapes[name]["members"]}
                shapes[name]["members"].extend(m for m in members if m["name"] not in known)
            operations = dict(sorted(operations.items()))
        for (owner, shape), constraints in DEVIATIONS.items():
            if owner == service and shape in shapes:
                shapes[shape].update(constraints)
        model[service] = {
            "apiVersion": source["metadata"]["apiVersion"],
            "operations": operations,
            "shapes": dict(sorted(shapes.items())),
        }
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        json.dump(model, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()

"""SubscribeToShard with botocore (the AWS SDK for Python that the AWS CLI is built on), over HTTP/1.1.

    python3 subscribe_to_shard.py <endpoint> <consumer-arn> <shard-id> <type> [<sequence-number>]

Reads the event stream until the server ends it (run against a server with a short subscription lifetime) and
prints one JSON line per event, then {"end": true}. botocore checks each message's prelude and message CRC-32.
Run by tests/ActorStreams.Server.Tests/BotocoreTests.cs.
"""
import base64
import json
import sys

import botocore.session

endpoint, consumer_arn, shard_id, position_type = sys.argv[1:5]
position = {"Type": position_type}
if len(sys.argv) > 5:
    position["SequenceNumber"] = sys.argv[5]

client = botocore.session.get_session().create_client(
    "kinesis", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
response = client.subscribe_to_shard(ConsumerARN=consumer_arn, ShardId=shard_id, StartingPosition=position)
for event in response["EventStream"]:
    e = event["SubscribeToShardEvent"]
    print(json.dumps({
        "records": [{"seq": r["SequenceNumber"], "data": base64.b64encode(r["Data"]).decode(), "key": r["PartitionKey"],
                     "arrival": r["ApproximateArrivalTimestamp"].timestamp()} for r in e["Records"]],
        "continuation": e.get("ContinuationSequenceNumber"),
        "behind": e["MillisBehindLatest"],
        "children": len(e.get("ChildShards", [])),
    }), flush=True)
print(json.dumps({"end": True}), flush=True)

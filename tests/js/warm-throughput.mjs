// Warm throughput with the real AWS SDK for JavaScript v3: UpdateStreamWarmThroughput on an ON_DEMAND stream (the
// stream pre-splits to one shard per MiB/s), WarmThroughputMiBps on CreateStream and UpdateStreamMode, the
// WarmThroughput that DescribeStreamSummary reports, and the SDK's errors: no commitment, a PROVISIONED stream.
// The server must be fresh: the script expects no commitment at the start and turns it on.
//
//   node warm-throughput.mjs http://127.0.0.1:4567
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/WarmThroughputTests.cs.
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  UpdateAccountSettingsCommand,
  UpdateStreamModeCommand,
  UpdateStreamWarmThroughputCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { check, expectError, run, scriptArgs, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('warm-throughput.mjs', 'endpoint');
const client = testClient(endpoint);
const onDemand = { StreamMode: 'ON_DEMAND' };

const summary = async (StreamName) => (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
const openShards = async (StreamName) =>
  (await client.send(new ListShardsCommand({ StreamName, ShardFilter: { Type: 'AT_LATEST' } }))).Shards.length;

/** Polls (at most 60 s) until the stream is ACTIVE with `shards` open shards; returns its summary. */
async function warmed(StreamName, shards) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const s = await summary(StreamName);
    if (s.StreamStatus === 'ACTIVE' && s.OpenShardCount === shards) return s;
  }
  throw new Error(`${StreamName} did not reach ${shards} open shards: ${JSON.stringify(await summary(StreamName))}`);
}

async function main() {
  const stream = `js-warm-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName: stream, StreamModeDetails: onDemand }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName: stream });
  check((await summary(stream)).WarmThroughput?.CurrentMiBps === 4, 'a new ON_DEMAND stream: 4 shards, 4 MiB/s');
  await expectError('InvalidArgumentException', () => client.send(new UpdateStreamWarmThroughputCommand({ StreamName: stream, WarmThroughputMiBps: 8 })));

  await client.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }));
  const updated = await client.send(new UpdateStreamWarmThroughputCommand({ StreamName: stream, WarmThroughputMiBps: 8 }));
  check(updated.StreamName === stream && updated.WarmThroughput.TargetMiBps === 8 && updated.WarmThroughput.CurrentMiBps >= 4,
    `UpdateStreamWarmThroughput: ${JSON.stringify(updated)}`);
  const warm = await warmed(stream, 8);
  check(warm.WarmThroughput.TargetMiBps === 8 && warm.WarmThroughput.CurrentMiBps === 8, `after the pre-split: ${JSON.stringify(warm.WarmThroughput)}`);
  check(await openShards(stream) === 8, 'ListShards: 8 open shards');

  const created = `js-warm-created-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName: created, StreamModeDetails: onDemand, WarmThroughputMiBps: 6 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName: created });
  const createdWarm = await warmed(created, 6);
  check(createdWarm.WarmThroughput.TargetMiBps === 6, `CreateStream with WarmThroughputMiBps: ${JSON.stringify(createdWarm.WarmThroughput)}`);

  const provisioned = `js-warm-prov-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName: provisioned, ShardCount: 1 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName: provisioned });
  check((await summary(provisioned)).WarmThroughput === undefined, 'a PROVISIONED stream reports no WarmThroughput');
  await expectError('ValidationException', () => client.send(new UpdateStreamWarmThroughputCommand({ StreamName: provisioned, WarmThroughputMiBps: 2 })));
  const { StreamARN } = await summary(provisioned);
  await client.send(new UpdateStreamModeCommand({ StreamARN, StreamModeDetails: onDemand, WarmThroughputMiBps: 3 }));
  const switched = await warmed(provisioned, 3);
  check(switched.StreamModeDetails.StreamMode === 'ON_DEMAND' && switched.WarmThroughput.TargetMiBps === 3,
    `UpdateStreamMode with WarmThroughputMiBps: ${JSON.stringify(switched)}`);
  return { streams: [stream, created, provisioned] };
}

await run(client, () => ({ endpoint }), main);

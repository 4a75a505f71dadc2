// End-to-end test of ActorStreams.Server with the real AWS SDK for JavaScript v3.
//
//   node kinesis-e2e.mjs http://127.0.0.1:4567      (or ACTORSTREAMS_ENDPOINT=... node kinesis-e2e.mjs)
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/JavaScriptSdkTests.cs against an in-process server.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  UpdateShardCountCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { check, run, scriptArgs, stepRecorder, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('kinesis-e2e.mjs', 'endpoint');
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

const client = testClient(endpoint);
const streamName = `js-sdk-${randomUUID()}`;
const { steps, step } = stepRecorder();

async function main() {
  await step('CreateStream', () => client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 2 })));

  await step('waitUntilStreamExists', async () => {
    const waited = await waitUntilStreamExists({ client, minDelay: 1, maxDelay: 2, maxWaitTime: 60 }, { StreamName: streamName });
    check(waited.state === 'SUCCESS', `waitUntilStreamExists ended in state ${waited.state}`);
  });
  const summary = await step('DescribeStreamSummary', () =>
    client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })));
  check(summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    `DescribeStreamSummary status ${summary.StreamDescriptionSummary?.StreamStatus}, expected ACTIVE`);
  check(summary.StreamDescriptionSummary?.OpenShardCount === 2,
    `OpenShardCount ${summary.StreamDescriptionSummary?.OpenShardCount}, expected 2`);

  // Everything written, keyed by shard and sequence number (unique per shard only): { data, partitionKey, shardId }.
  const key = (shardId, sequenceNumber) => `${shardId}/${sequenceNumber}`;
  const written = new Map();

  const binary = new Uint8Array([0x00, 0xff, 0x01, 0xfe, 0x7f, 0x80, 0x00, 0x0a, 0x0d, 0xff]);
  const put = await step('PutRecord', () =>
    client.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: 'binary-key', Data: binary })));
  check(typeof put.SequenceNumber === 'string' && /^\d+$/.test(put.SequenceNumber), `PutRecord SequenceNumber ${put.SequenceNumber}`);
  check(/^shardId-\d{12}$/.test(put.ShardId ?? ''), `PutRecord ShardId ${put.ShardId}`);
  written.set(key(put.ShardId, put.SequenceNumber), { data: binary, partitionKey: 'binary-key', shardId: put.ShardId });

  const entries = Array.from({ length: 20 }, (_, i) => {
    const data = new Uint8Array(16 + i);
    for (let j = 0; j < data.length; j++) data[j] = (i * 37 + j * 11) & 0xff;
    data[0] = 0x00;
    data[data.length - 1] = 0xff;
    return { PartitionKey: `key-${i % 7}`, Data: data };
  });
  const puts = await step('PutRecords', () => client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries })));
  check(puts.FailedRecordCount === 0, `PutRecords FailedRecordCount ${puts.FailedRecordCount}`);
  check(puts.Records?.length === entries.length, `PutRecords returned ${puts.Records?.length} results for ${entries.length} entries`);
  puts.Records.forEach((r, i) => {
    check(!r.ErrorCode && r.SequenceNumber && r.ShardId, `PutRecords entry ${i}: ${JSON.stringify(r)}`);
    written.set(key(r.ShardId, r.SequenceNumber), { data: entries[i].Data, partitionKey: entries[i].PartitionKey, shardId: r.ShardId });
  });
  check(written.size === entries.length + 1, `sequence numbers are not unique per shard: ${written.size} distinct of ${entries.length + 1}`);

  const shards = await step('ListShards', () => client.send(new ListShardsCommand({ StreamName: streamName })));
  const shardIds = (shards.Shards ?? []).map((s) => s.ShardId);
  check(shardIds.length === 2, `ListShards returned ${shardIds.length} shards, expected 2`);
  for (const { shardId } of written.values())
    check(shardIds.includes(shardId), `a record went to ${shardId}, which ListShards does not list`);
  const usedShards = new Set([...written.values()].map((w) => w.shardId));
  check(usedShards.size === 2, `all ${written.size} records went to one shard; several partition keys should spread them`);

  const read = new Map();
  const now = Date.now();
  for (const shardId of shardIds) {
    const it = await step(`GetShardIterator ${shardId}`, () => client.send(new GetShardIteratorCommand({
      StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON',
    })));
    let iterator = it.ShardIterator;
    check(typeof iterator === 'string' && iterator.length > 0, `GetShardIterator for ${shardId} returned no iterator`);
    const expected = [...written.values()].filter((w) => w.shardId === shardId).length;
    let got = 0;
    for (let calls = 0; got < expected; calls++) {
      check(calls < 50, `GetRecords on ${shardId}: only ${got} of ${expected} records after ${calls} calls`);
      check(iterator, `GetRecords on ${shardId}: NextShardIterator ended after ${got} of ${expected} records`);
      const page = await step(`GetRecords ${shardId}`, () => client.send(new GetRecordsCommand({ ShardIterator: iterator })));
      check(typeof page.MillisBehindLatest === 'number', `GetRecords MillisBehindLatest ${page.MillisBehindLatest}`);
      let previous = null;
      for (const r of page.Records ?? []) {
        const w = written.get(key(shardId, r.SequenceNumber));
        check(w, `GetRecords on ${shardId} returned unknown sequence number ${r.SequenceNumber}`);
        check(!read.has(key(shardId, r.SequenceNumber)), `record ${r.SequenceNumber} read twice`);
        check(r.Data instanceof Uint8Array, `record ${r.SequenceNumber} Data is ${Object.prototype.toString.call(r.Data)}, expected Uint8Array`);
        check(sameBytes(r.Data, w.data), `record ${r.SequenceNumber} data ${hex(r.Data)}, written ${hex(w.data)}`);
        check(r.PartitionKey === w.partitionKey, `record ${r.SequenceNumber} partition key ${r.PartitionKey}, written ${w.partitionKey}`);
        check(r.ApproximateArrivalTimestamp instanceof Date && !Number.isNaN(r.ApproximateArrivalTimestamp.getTime()),
          `record ${r.SequenceNumber} ApproximateArrivalTimestamp ${r.ApproximateArrivalTimestamp} is not a Date`);
        check(Math.abs(r.ApproximateArrivalTimestamp.getTime() - now) < 60_000,
          `record ${r.SequenceNumber} ApproximateArrivalTimestamp ${r.ApproximateArrivalTimestamp.toISOString()} is not within a minute of now`);
        if (previous !== null)
          check(BigInt(r.SequenceNumber) > BigInt(previous), `sequence numbers on ${shardId} not increasing: ${previous} then ${r.SequenceNumber}`);
        previous = r.SequenceNumber;
        read.set(key(shardId, r.SequenceNumber), shardId);
        got++;
      }
      iterator = page.NextShardIterator;
    }
  }
  check(read.size === written.size, `read ${read.size} records, wrote ${written.size}`);

  const streams = await step('ListStreams', () => client.send(new ListStreamsCommand({})));
  check(streams.StreamNames?.includes(streamName), `ListStreams does not list ${streamName}: ${JSON.stringify(streams.StreamNames)}`);

  const missing = `js-sdk-missing-${randomUUID()}`;
  await step('DescribeStream (missing)', async () => {
    let error = null;
    try {
      await client.send(new DescribeStreamCommand({ StreamName: missing }));
    } catch (e) {
      error = e;
    }
    check(error, `DescribeStream on ${missing} did not throw`);
    check(error.name === 'ResourceNotFoundException',
      `DescribeStream on a missing stream threw ${error.name} (${error.message}), expected ResourceNotFoundException`);
    check(error.$metadata?.httpStatusCode === 400, `ResourceNotFoundException came with HTTP ${error.$metadata?.httpStatusCode}`);
    check(typeof error.message === 'string' && error.message.length > 0, 'ResourceNotFoundException has no message');
    check(error.$metadata?.requestId, 'ResourceNotFoundException has no request id');
  });

  // Resharding: merge the two shards, read the closed parent to its end (ChildShards, no next iterator), rescale.
  await step('MergeShards', () => client.send(new MergeShardsCommand({
    StreamName: streamName, ShardToMerge: shardIds[0], AdjacentShardToMerge: shardIds[1],
  })));
  const closedIt = await step('GetShardIterator (closed parent)', () => client.send(new GetShardIteratorCommand({
    StreamName: streamName, ShardId: shardIds[0], ShardIteratorType: 'TRIM_HORIZON',
  })));
  let closedIterator = closedIt.ShardIterator;
  let childShards = null;
  for (let calls = 0; closedIterator; calls++) {
    check(calls < 50, `GetRecords on the closed ${shardIds[0]} did not reach its end`);
    const page = await step('GetRecords (closed parent)', () => client.send(new GetRecordsCommand({ ShardIterator: closedIterator })));
    closedIterator = page.NextShardIterator;
    if (!closedIterator) childShards = page.ChildShards;
  }
  check(childShards?.length === 1, `the end of the closed shard reported ChildShards ${JSON.stringify(childShards)}`);
  check(childShards[0].ShardId === 'shardId-000000000002', `the merge child is ${childShards[0].ShardId}`);
  check(JSON.stringify(childShards[0].ParentShards) === JSON.stringify(shardIds), `the merge child's parents are ${JSON.stringify(childShards[0].ParentShards)}`);
  const rescaled = await step('UpdateShardCount', () => client.send(new UpdateShardCountCommand({
    StreamName: streamName, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING',
  })));
  check(rescaled.CurrentShardCount === 1 && rescaled.TargetShardCount === 2,
    `UpdateShardCount answered ${rescaled.CurrentShardCount} -> ${rescaled.TargetShardCount}, expected 1 -> 2`);
  const afterReshard = await step('ListShards (after resharding)', () => client.send(new ListShardsCommand({ StreamName: streamName })));
  const open = (afterReshard.Shards ?? []).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber);
  check(open.length === 2 && open.every((s) => s.ParentShardId === 'shardId-000000000002'),
    `after resharding the open shards are ${JSON.stringify(open.map((s) => [s.ShardId, s.ParentShardId]))}`);

  await step('DeleteStream', () => client.send(new DeleteStreamCommand({ StreamName: streamName })));
  const after = await step('ListStreams (after delete)', () => client.send(new ListStreamsCommand({})));
  check(!after.StreamNames?.includes(streamName), `ListStreams still lists ${streamName} after DeleteStream`);

  return { records: written.size, perShard: Object.fromEntries(shardIds.map((s) => [s, [...read.values()].filter((x) => x === s).length])) };
}

await run(client, () => ({ endpoint, stream: streamName, steps }), main);

// Record distribution with the real AWS SDK for JavaScript v3: UpdateStreamRecordDistributionStrategyCommand on an
// ON_DEMAND stream, RecordDistributionStrategy on CreateStream and in DescribeStreamSummary; with AUTO, records of a
// single partition key (and an explicit hash key, ignored too) land evenly on every open shard; the SDK's errors for
// AUTO on a PROVISIONED stream and for a value outside the enum.
//
//   node record-distribution.mjs http://127.0.0.1:4567
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/RecordDistributionTests.cs.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordCommand,
  PutRecordsCommand,
  UpdateStreamRecordDistributionStrategyCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { check, expectError, run, scriptArgs, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('record-distribution.mjs', 'endpoint');
const client = testClient(endpoint);
const summary = async (StreamName) => (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
const countByShard = (ids) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map());

async function main() {
  const StreamName = `js-auto-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName });
  const before = await summary(StreamName);
  check(before.RecordDistributionStrategy === 'USER_PARTITION_KEY', `default strategy: ${before.RecordDistributionStrategy}`);
  const shards = before.OpenShardCount;

  await client.send(new UpdateStreamRecordDistributionStrategyCommand({ StreamARN: before.StreamARN, RecordDistributionStrategy: 'AUTO' }));
  const after = await summary(StreamName);
  check(after.RecordDistributionStrategy === 'AUTO' && after.StreamStatus === 'ACTIVE', `after the update: ${JSON.stringify(after)}`);

  const Records = Array.from({ length: 5 * shards }, (_, i) => ({ PartitionKey: 'one-key', Data: Buffer.from(`r${i}`) }));
  const put = await client.send(new PutRecordsCommand({ StreamName, Records }));
  check(put.FailedRecordCount === 0, `PutRecords failed ${put.FailedRecordCount}`);
  const spread = countByShard(put.Records.map((r) => r.ShardId));
  check(spread.size === shards && [...spread.values()].every((n) => n === 5), `PutRecords spread: ${JSON.stringify([...spread])}`);
  const single = [];
  for (let i = 0; i < shards; i++) {
    single.push((await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'one-key', ExplicitHashKey: '0', Data: Buffer.from('x') }))).ShardId);
  }
  check(countByShard(single).size === shards, `PutRecord with an explicit hash key: ${single}`);
  // An AUTO stream takes records without a partition key, as the current API allows.
  const keyless = await client.send(new PutRecordsCommand({ StreamName, Records: Array.from({ length: shards }, (_, i) => ({ Data: Buffer.from(`n${i}`) })) }));
  check(keyless.FailedRecordCount === 0 && countByShard(keyless.Records.map((r) => r.ShardId)).size === shards,
    `PutRecords without partition keys on AUTO: ${JSON.stringify(keyless.Records)}`);
  const keylessOne = await client.send(new PutRecordCommand({ StreamName, Data: Buffer.from('no key') }));
  check(/^shardId-/.test(keylessOne.ShardId), `PutRecord without a partition key on AUTO: ${JSON.stringify(keylessOne)}`);

  await client.send(new UpdateStreamRecordDistributionStrategyCommand({ StreamARN: before.StreamARN, RecordDistributionStrategy: 'USER_PARTITION_KEY' }));
  const byKey = await client.send(new PutRecordsCommand({ StreamName, Records }));
  check(countByShard(byKey.Records.map((r) => r.ShardId)).size === 1, 'USER_PARTITION_KEY keeps one key on one shard');
  // Routing by key needs a key: nothing of a request with a record without one is written.
  await expectError('ValidationException', () => client.send(new PutRecordCommand({ StreamName, Data: Buffer.from('no key') })));
  await expectError('ValidationException', () => client.send(new PutRecordsCommand({
    StreamName, Records: [{ PartitionKey: 'k', Data: Buffer.from('a') }, { Data: Buffer.from('b') }],
  })));

  const created = `js-auto-created-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName: created, StreamModeDetails: { StreamMode: 'ON_DEMAND' }, RecordDistributionStrategy: 'AUTO' }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName: created });
  check((await summary(created)).RecordDistributionStrategy === 'AUTO', 'CreateStream with RecordDistributionStrategy AUTO');

  const provisioned = `js-auto-provisioned-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName: provisioned, ShardCount: 2 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName: provisioned });
  const p = await summary(provisioned);
  check(p.RecordDistributionStrategy === undefined, `a PROVISIONED stream reports no strategy: ${p.RecordDistributionStrategy}`);
  await expectError('InvalidArgumentException', () => client.send(new UpdateStreamRecordDistributionStrategyCommand({
    StreamARN: p.StreamARN, RecordDistributionStrategy: 'AUTO',
  })));
  await expectError('ValidationException', () => client.send(new UpdateStreamRecordDistributionStrategyCommand({
    StreamARN: p.StreamARN, RecordDistributionStrategy: 'ROUND_ROBIN',
  })));

  for (const name of [StreamName, created, provisioned]) await client.send(new DeleteStreamCommand({ StreamName: name }));
  return { streamName: StreamName, shards };
}

await run(client, () => ({ endpoint }), main);

// Large records with the real AWS SDK for JavaScript v3: UpdateMaxRecordSize to 10,240 KiB, then a 5 MiB and a
// 10 MiB record (data plus partition key) written with PutRecord and read back byte for byte with GetRecords and
// SubscribeToShard, each on its own shard; MaxRecordSizeInKiB on CreateStream and in DescribeStreamSummary; the SDK's errors for a size out of
// range and for a record over the stream's size.
//
//   node max-record-size.mjs http://127.0.0.1:4567
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/MaxRecordSizeTests.cs.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  UpdateMaxRecordSizeCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { check, expectError, run, scriptArgs, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('max-record-size.mjs', 'endpoint');
const client = testClient(endpoint);
const MiB = 1024 * 1024;
const MAX_HASH_KEY = (2n ** 128n - 1n).toString();
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function main() {
  const StreamName = `js-large-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 2 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName });
  const before = (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  check(before.MaxRecordSizeInKiB === 1024, `default size: ${before.MaxRecordSizeInKiB}`);
  await expectError('ValidationException', () => client.send(new UpdateMaxRecordSizeCommand({ StreamARN: before.StreamARN, MaxRecordSizeInKiB: 512 })));
  await client.send(new UpdateMaxRecordSizeCommand({ StreamARN: before.StreamARN, MaxRecordSizeInKiB: 10240 }));
  const after = (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  check(after.MaxRecordSizeInKiB === 10240, `raised size: ${after.MaxRecordSizeInKiB}`);

  // One record per shard: 5 MiB to the first, the largest possible (10 MiB with its one-byte key) to the second.
  const five = randomBytes(5 * MiB - 1);
  const ten = randomBytes(10 * MiB - 1);
  const put5 = await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'a', ExplicitHashKey: '0', Data: five }));
  const put10 = await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'b', ExplicitHashKey: MAX_HASH_KEY, Data: ten }));
  check(put5.ShardId === 'shardId-000000000000' && put10.ShardId === 'shardId-000000000001', `shards: ${put5.ShardId} ${put10.ShardId}`);
  await expectError('ValidationException', () => client.send(new PutRecordCommand({
    StreamName, PartitionKey: 'bb', ExplicitHashKey: MAX_HASH_KEY, Data: ten,
  })));

  for (const [put, data] of [[put5, five], [put10, ten]]) {
    const { ShardIterator } = await client.send(new GetShardIteratorCommand({
      StreamName, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON',
    }));
    const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
    check(Records.length === 1 && Records[0].SequenceNumber === put.SequenceNumber, `${put.ShardId}: ${Records.length} records`);
    check(Records[0].Data.length === data.length && sha(Records[0].Data) === sha(data), `${put.ShardId}: the ${data.length} bytes read back differ`);
  }

  // The same records pushed by SubscribeToShard (the fixture has no state delays: the consumer is ACTIVE at once).
  const { Consumer } = await client.send(new RegisterStreamConsumerCommand({ StreamARN: after.StreamARN, ConsumerName: 'large' }));
  for (const [put, data] of [[put5, five], [put10, ten]]) {
    const abort = new AbortController();
    const out = await client.send(new SubscribeToShardCommand({
      ConsumerARN: Consumer.ConsumerARN, ShardId: put.ShardId, StartingPosition: { Type: 'TRIM_HORIZON' },
    }), { abortSignal: abort.signal });
    let record;
    const deadline = Date.now() + 30_000;
    for await (const event of out.EventStream) {
      record = event.SubscribeToShardEvent?.Records?.[0];
      if (record || Date.now() > deadline) break;
    }
    abort.abort();
    check(record && record.SequenceNumber === put.SequenceNumber, `SubscribeToShard ${put.ShardId}: ${record?.SequenceNumber}`);
    check(record.Data.length === data.length && sha(record.Data) === sha(data), `SubscribeToShard ${put.ShardId}: the bytes differ`);
  }

  const created = `js-large-created-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName: created, ShardCount: 1, MaxRecordSizeInKiB: 2048 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName: created });
  const createdSummary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: created }))).StreamDescriptionSummary;
  check(createdSummary.MaxRecordSizeInKiB === 2048, `CreateStream with MaxRecordSizeInKiB: ${createdSummary.MaxRecordSizeInKiB}`);

  await client.send(new DeleteStreamCommand({ StreamName }));
  await client.send(new DeleteStreamCommand({ StreamName: created }));
  return { streamName: StreamName };
}

await run(client, () => ({ endpoint }), main);

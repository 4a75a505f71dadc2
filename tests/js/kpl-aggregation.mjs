// The KPL aggregation format as the reference Node.js library (aws-kinesis-agg) makes and reads it, for the C# tests
// of ActorStreams' codec (tests/ActorStreams.Server.Tests/KplAggregationTests.cs):
//
//   node kpl-aggregation.mjs encode <in.json> <out.json>   user records [{partitionKey, explicitHashKey?, data (base64)}]
//                                                          -> aggregated records [{partitionKey, explicitHashKey?, data}]
//   node kpl-aggregation.mjs decode <in.json> <out.json>   aggregated record data [base64] -> the user records of each
//   node kpl-aggregation.mjs put <endpoint> <stream> <count> <keys>
//        aggregates <count> user records ("record <i>" with partition key "key-<i % keys>") per shard, as the KPL does
//        (the aggregate's ExplicitHashKey is its shard's starting hash key), and puts them with PutRecords
//
// encode and decode exit 0 or throw; put prints a JSON summary as the other scripts here do.
import { ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import agg from 'aws-kinesis-agg';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { check, run, stepRecorder, testClient } from './harness.mjs';

const { RecordAggregator, deaggregateSync } = agg;
const [mode, ...rest] = process.argv.slice(2);

/** Aggregates user records in order with one RecordAggregator; returns the encoded records. */
function aggregateAll(records) {
  const encoded = [];
  const aggregator = new RecordAggregator();
  for (const record of records) {
    if (!aggregator.checkIfUserRecordFits(record)) encoded.push(aggregator.build());
    aggregator.addUserRecord(record);
  }
  if (aggregator.length() > 0) encoded.push(aggregator.build());
  return encoded;
}

if (mode === 'encode') {
  const [input, output] = rest;
  const records = JSON.parse(readFileSync(input, 'utf8')).map((r) => ({ ...r, data: Buffer.from(r.data, 'base64') }));
  const encoded = aggregateAll(records).map((e) => ({
    partitionKey: e.partitionKey,
    explicitHashKey: e.ExplicitHashKey ?? null,
    data: e.data.toString('base64'),
  }));
  writeFileSync(output, JSON.stringify(encoded));
} else if (mode === 'decode') {
  const [input, output] = rest;
  const decoded = JSON.parse(readFileSync(input, 'utf8')).map((data, i) => {
    let users;
    deaggregateSync({ partitionKey: 'outer', sequenceNumber: String(i), data }, true, (err, records) => {
      if (err) throw err;
      users = records;
    });
    return users.map((u) => ({
      partitionKey: u.partitionKey,
      explicitHashKey: u.explicitPartitionKey ?? null,
      subSequenceNumber: u.subSequenceNumber,
      data: u.data,
    }));
  });
  writeFileSync(output, JSON.stringify(decoded));
} else if (mode === 'put') {
  const [endpoint, streamName, count, keys] = rest;
  check(endpoint && streamName && Number(count) > 0 && Number(keys) > 0, 'usage: put <endpoint> <stream> <count> <keys>');
  const client = testClient(endpoint);
  const { steps, step } = stepRecorder();
  await run(client, () => ({ steps }), async () => {
    const { Shards: shards } = await step('ListShards', () => client.send(new ListShardsCommand({ StreamName: streamName })));
    const hashKey = (key) => BigInt('0x' + createHash('md5').update(key, 'utf8').digest('hex'));
    const shardOf = (key) => shards.find((s) =>
      BigInt(s.HashKeyRange.StartingHashKey) <= hashKey(key) && hashKey(key) <= BigInt(s.HashKeyRange.EndingHashKey));
    const perShard = new Map(shards.map((s) => [s.ShardId, []]));
    for (let i = 0; i < Number(count); i++) {
      const partitionKey = `key-${i % Number(keys)}`;
      perShard.get(shardOf(partitionKey).ShardId).push({ partitionKey, data: Buffer.from(`record ${i}`) });
    }
    let aggregates = 0;
    for (const shard of shards) {
      const entries = aggregateAll(perShard.get(shard.ShardId)).map((e) => ({
        Data: e.data,
        PartitionKey: e.partitionKey,
        ExplicitHashKey: shard.HashKeyRange.StartingHashKey,
      }));
      // One PutRecords per aggregate keeps them in order within the shard (entries of one call are not ordered).
      for (const entry of entries) {
        const put = await step('PutRecords', () => client.send(new PutRecordsCommand({ StreamName: streamName, Records: [entry] })));
        check(put.FailedRecordCount === 0, `PutRecords failed: ${JSON.stringify(put.Records)}`);
        aggregates++;
      }
    }
    return { userRecords: Number(count), aggregates };
  });
} else {
  console.error('usage: node kpl-aggregation.mjs encode|decode <in.json> <out.json> | put <endpoint> <stream> <count> <keys>');
  process.exit(2);
}

// Large records under load with the real AWS SDK for JavaScript v3 (issues 17 and 19): a stream of SHARDS shards
// with MaxRecordSizeInKiB 10,240; WORKERS PutRecord calls in flight, each a record of 10 MiB (data plus partition
// key), for SECONDS; then every shard read back from TRIM_HORIZON with GetRecords, each record's length and first and
// last bytes checked, and the count compared with what was acknowledged.
//
//   node large-records.mjs http://127.0.0.1:4567 [--seconds 30] [--inflight 16] [--shards 4]
//
// Prints "RESULT large.<key>=<value>" lines (ops/bench/run.sh --large collects them) and exits 1 when a record
// acknowledged is missing or differs. The server's throttles must be lifted (config/benchmark.conf): a shard takes
// 1 MiB/s in AWS, so 16 records of 10 MiB in flight are throttled there by design.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomBytes, randomUUID } from 'node:crypto';
import { testClient } from './harness.mjs';

const args = process.argv.slice(2);
const endpoint = args[0];
if (!endpoint) {
  console.error('usage: node large-records.mjs ENDPOINT [--seconds N] [--inflight N] [--shards N]');
  process.exit(2);
}
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i > 0 ? Number(args[i + 1]) : fallback;
};
const seconds = option('seconds', 30);
const inflight = option('inflight', 16);
const shards = option('shards', 4);
const MiB = 1024 * 1024;
const client = testClient(endpoint);
const result = (key, value) => console.log(`RESULT large.${key}=${value}`);

const StreamName = `large-${randomUUID()}`;
await client.send(new CreateStreamCommand({ StreamName, ShardCount: shards, MaxRecordSizeInKiB: 10240 }));
await waitUntilStreamExists({ client, maxWaitTime: 60 }, { StreamName });

// One 10 MiB buffer per worker; each record stamps its number into its first 8 bytes and its last byte, so what is
// read back can be matched with what was put without keeping every record.
const PartitionKeyLength = 8;
const buffers = Array.from({ length: inflight }, () => randomBytes(10 * MiB - PartitionKeyLength));
const acked = new Map();
let next = 0;
let failures = 0;
const started = Date.now();
const deadline = started + seconds * 1000;
await Promise.all(buffers.map(async (data) => {
  while (Date.now() < deadline) {
    const n = next++;
    data.writeBigUInt64BE(BigInt(n), 0);
    data[data.length - 1] = n % 251;
    try {
      const put = await client.send(new PutRecordCommand({ StreamName, PartitionKey: `${n}`.padStart(PartitionKeyLength, '0'), Data: data }));
      acked.set(put.SequenceNumber, n);
    } catch (e) {
      failures++;
      if (failures <= 3) console.error(`put ${n}: ${e.name}: ${e.message}`);
    }
  }
}));
const putSeconds = (Date.now() - started) / 1000;
result('record-mib', 10);
result('inflight', inflight);
result('shards', shards);
result('put-records', acked.size);
result('put-failures', failures);
result('put-records-per-s', (acked.size / putSeconds).toFixed(2));
result('put-mib-per-s', (acked.size * 10 / putSeconds).toFixed(1));

// Read every shard back: one GetRecords returns at most 10 MiB, so about one of these records per call.
const readStarted = Date.now();
let read = 0;
let wrong = 0;
const { Shards } = await client.send(new ListShardsCommand({ StreamName }));
for (const shard of Shards) {
  let { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
  for (let calls = 0; ShardIterator && calls < 100_000; calls++) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator }));
    for (const record of page.Records) {
      read++;
      const n = acked.get(record.SequenceNumber);
      const data = Buffer.from(record.Data);
      if (n === undefined || data.length !== 10 * MiB - PartitionKeyLength
          || data.readBigUInt64BE(0) !== BigInt(n) || data[data.length - 1] !== n % 251) wrong++;
    }
    if (page.Records.length === 0 && page.MillisBehindLatest === 0) break;
    ShardIterator = page.NextShardIterator;
  }
}
const readSeconds = (Date.now() - readStarted) / 1000;
result('get-records', read);
result('get-mib-per-s', (read * 10 / readSeconds).toFixed(1));
result('read-back-wrong', wrong);
await client.send(new DeleteStreamCommand({ StreamName }));
if (read !== acked.size || wrong > 0) {
  console.error(`read back ${read} of ${acked.size} acknowledged records, ${wrong} wrong`);
  process.exit(1);
}
console.log(`${acked.size} records of 10 MiB put in ${putSeconds.toFixed(1)} s and read back in ${readSeconds.toFixed(1)} s`);

// Churn soak of ActorStreams.Server (ops/bench/run.sh --churn): for a set time, over and over, create a 4-shard
// stream, put 5,000 records (10 PutRecords of 500), read every shard once with GetRecords, scrape /metrics as Prometheus
// would while the stream lives, and delete the stream. What is deleted must be forgotten: run.sh samples the server's
// RSS, managed heap and the size of its /metrics scrape through the run, and they should stay flat however many streams
// came and went. The scrape in each cycle also checks that the live stream has its own series: a metrics pipeline that
// kept the series of deleted streams would run out of room (the OpenTelemetry SDK's cardinality limit) and fold new
// streams into an overflow series.
//
//   node churn.mjs http://127.0.0.1:4567 --seconds 120 [--label churn]
//
// Prints "RESULT <label>.cycles=N", "RESULT <label>.cycles-per-second=x" and "RESULT <label>.cycles-without-own-series=N"
// (label default churn; the last should be 0). Throttles must be lifted on the server
// (config/benchmark.conf), as for bench.mjs.
import {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';

const SHARDS = 4;
const BATCH = 500;
const BATCHES = 10;

const args = process.argv.slice(2);
const endpoint = args.find((a) => !a.startsWith('--'));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
if (!endpoint) {
  console.error('usage: node churn.mjs <endpoint> --seconds 120');
  process.exit(2);
}
const seconds = Number(option('seconds', '120'));
const label = option('label', 'churn');

const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  maxAttempts: 1, // a retry would hide a server error
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitActive(name) {
  for (;;) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    await sleep(20);
  }
}

async function cycle(n) {
  const name = `churn-${n}-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  await waitActive(name);
  const data = Buffer.alloc(100, 'x');
  for (let b = 0; b < BATCHES; b++) {
    const records = Array.from({ length: BATCH }, (_, i) => ({ Data: data, PartitionKey: `k-${b}-${i}` }));
    const put = await client.send(new PutRecordsCommand({ StreamName: name, Records: records }));
    if (put.FailedRecordCount) throw new Error(`${put.FailedRecordCount} records failed in ${name}`);
  }
  const shards = (await client.send(new ListShardsCommand({ StreamName: name }))).Shards;
  let read = 0;
  for (const shard of shards) {
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    read += (await client.send(new GetRecordsCommand({ ShardIterator }))).Records.length;
  }
  if (read === 0) throw new Error(`nothing read back from ${name}`);
  // The exporter answers a scrape that follows another within its response cache time (300 ms) with the earlier
  // answer, which may predate this stream (run.sh scrapes too): a stream is missing only if a second look agrees.
  const ownSeries = (await hasOwnSeries(name)) || (await sleep(500), await hasOwnSeries(name));
  if (!ownSeries) console.log(`no series of ${name} in the scrape`);
  await client.send(new DeleteStreamCommand({ StreamName: name }));
  return ownSeries;
}

async function hasOwnSeries(name) {
  const scrape = await fetch(`${endpoint}/metrics`);
  if (!scrape.ok) throw new Error(`GET /metrics answered ${scrape.status}`);
  return (await scrape.text())
    .split('\n')
    .some((line) => line.startsWith('actorstreams_incoming_records_total{') && line.includes(`stream="${name}"`));
}

const started = Date.now();
let cycles = 0;
let withoutOwnSeries = 0;
while (Date.now() - started < seconds * 1000) if (!(await cycle(cycles++))) withoutOwnSeries++;
const elapsed = (Date.now() - started) / 1000;
console.log(`${cycles} create/put/read/delete cycles in ${elapsed.toFixed(1)} s`);
console.log(`RESULT ${label}.cycles=${cycles}`);
console.log(`RESULT ${label}.cycles-per-second=${(cycles / elapsed).toFixed(2)}`);
console.log(`RESULT ${label}.cycles-without-own-series=${withoutOwnSeries}`);

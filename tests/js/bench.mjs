// PutRecords/GetRecords benchmark of ActorStreams.Server through the AWS SDK for JavaScript v3, with a fixed
// workload: a 4-shard stream per record size (100 B and 1 KiB), PutRecords batches of 500, 8 requests in flight,
// one consumer per shard polling GetRecords while the producers write, then a read-back of everything with
// GetRecords. Throttles must be lifted on the server (ops/bench-js.sh starts one with config/benchmark.conf).
//
//   node bench.mjs http://127.0.0.1:4567 [--warmup 8] [--seconds 10] [--sizes 100,1024] [--put-only] [--label name]
//
// --put-only runs only the producers (no consumers, no read-back): ops/bench/run.sh runs it against the server and
// against tests/js/noop-server.mjs to compare the two. Besides the summary it prints "RESULT js.<label>.<size>.<key>=v"
// lines, including the client's own CPU share (process.cpuUsage over the wall time, 1.0 = one core).
//
// Each record carries the time its PutRecords request was sent (float64 ms, first 8 bytes); a consumer that reads it
// computes put-to-get latency = receive time - send time (same machine, same clock). Only records sent inside the
// measured window count towards the rates and the latency percentiles. The consumers run in a worker thread with
// their own SDK client, as a separate consumer application would, so their latency is not queued behind the
// producers' work on one event loop.
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
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const SHARDS = 4;
const BATCH = 500;
const GET_LIMIT = 10_000;

const args = process.argv.slice(2);
const endpoint = isMainThread ? args.find((a) => !a.startsWith('--')) : workerData.endpoint;
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
if (!endpoint) {
  console.error('usage: node bench.mjs <endpoint> [--warmup 8] [--seconds 10] [--sizes 100,1024]');
  process.exit(2);
}
const warmupSeconds = Number(option('warmup', '8'));
const measureSeconds = Number(option('seconds', '10'));
const sizes = option('sizes', '100,1024').split(',').map(Number);
const putOnly = args.includes('--put-only');
const label = option('label', putOnly ? 'put-only' : 'full');
const CONCURRENCY = Number(option('concurrency', '8')); // issue 7 fixes 8 requests in flight; other values are for diagnosis

const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  maxAttempts: 1, // a retry would hide a server error
});

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function createStream(name) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  for (let i = 0; i < 100; i++) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    await sleep(100);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

async function runSize(size) {
  const streamName = `bench-js-${size}-${randomUUID().slice(0, 8)}`;
  await createStream(streamName);
  const shardIds = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards.map((s) => s.ShardId);

  const start = now();
  const measureFrom = start + warmupSeconds * 1000;
  const measureTo = measureFrom + measureSeconds * 1000;
  let producing = true;

  // ---- producers: CONCURRENCY loops, each one PutRecords of BATCH records at a time ----
  const put = { records: 0, bytes: 0, failed: 0, total: 0, requests: 0 };
  let keySeq = 0;
  async function producer() {
    // Each batch gets fresh buffers: the SDK may still hold the previous request's bodies.
    while (producing) {
      const records = new Array(BATCH);
      const sentAt = now();
      for (let i = 0; i < BATCH; i++) {
        const data = Buffer.alloc(size, 0x61);
        data.writeDoubleLE(sentAt, 0);
        records[i] = { Data: data, PartitionKey: `pk-${keySeq++ % 10_000}` };
      }
      const reply = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
      const ok = BATCH - (reply.FailedRecordCount ?? 0);
      put.total += ok;
      put.failed += reply.FailedRecordCount ?? 0;
      if (sentAt >= measureFrom && sentAt < measureTo) {
        put.records += ok;
        put.bytes += ok * size;
        put.requests++;
      }
      if (now() >= measureTo) producing = false;
    }
  }

  if (putOnly) {
    await Promise.all(Array.from({ length: CONCURRENCY }, () => producer()));
    await client.send(new DeleteStreamCommand({ StreamName: streamName }));
    return {
      recordBytes: size,
      put: { recordsPerSecond: put.records / measureSeconds, mbPerSecond: put.bytes / measureSeconds / 1e6, requests: put.requests, failedRecords: put.failed },
    };
  }

  // ---- consumers: one per shard, in a worker thread, polling GetRecords from TRIM_HORIZON while the producers write ----
  const worker = new Worker(new URL(import.meta.url), { workerData: { endpoint, streamName, shardIds, measureFrom, measureTo } });
  const consumed = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await Promise.all(Array.from({ length: CONCURRENCY }, () => producer()));
  worker.postMessage({ stopWhenReceived: put.records });
  const { get, latencies } = await consumed;
  await worker.terminate();

  // ---- read-back: every record from TRIM_HORIZON to the tip, the 4 shards in parallel ----
  const readBack = { records: 0, bytes: 0 };
  const readStart = now();
  await Promise.all(shardIds.map(async (shardId) => {
    let iterator = (await client.send(new GetShardIteratorCommand({
      StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON',
    }))).ShardIterator;
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_LIMIT }));
      if (page.Records.length === 0) break;
      readBack.records += page.Records.length;
      for (const r of page.Records) readBack.bytes += r.Data.length;
      iterator = page.NextShardIterator;
    }
  }));
  const readSeconds = (now() - readStart) / 1000;

  await client.send(new DeleteStreamCommand({ StreamName: streamName }));
  latencies.sort();
  return {
    recordBytes: size,
    put: {
      recordsPerSecond: put.records / measureSeconds,
      mbPerSecond: put.bytes / measureSeconds / 1e6,
      requests: put.requests,
      failedRecords: put.failed,
    },
    getWhileWriting: {
      recordsPerSecond: get.records / measureSeconds,
      mbPerSecond: get.bytes / measureSeconds / 1e6,
      received: get.records,
      sentInWindow: put.records,
      calls: get.calls,
    },
    latencyMs: {
      samples: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      p999: percentile(latencies, 99.9),
      max: latencies.at(-1),
    },
    readBack: {
      records: readBack.records,
      acknowledged: put.total,
      recordsPerSecond: readBack.records / readSeconds,
      mbPerSecond: readBack.bytes / readSeconds / 1e6,
    },
  };
}

/** The consumer application: one polling loop per shard until the main thread says how many records to wait for. */
async function consume({ streamName, shardIds, measureFrom, measureTo }) {
  const get = { records: 0, bytes: 0, calls: 0, received: 0 };
  const latencies = [];
  let target = Infinity;
  const drainDeadline = { at: Infinity };
  parentPort.on('message', (m) => {
    target = m.stopWhenReceived;
    drainDeadline.at = now() + 10_000;
  });
  const done = () => get.records >= target || now() > drainDeadline.at;
  await Promise.all(shardIds.map(async (shardId) => {
    let iterator = (await client.send(new GetShardIteratorCommand({
      StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON',
    }))).ShardIterator;
    while (!done() && iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_LIMIT }));
      const receivedAt = now();
      get.calls++;
      for (const r of page.Records) {
        const sentAt = Buffer.from(r.Data.buffer, r.Data.byteOffset, 8).readDoubleLE(0);
        if (sentAt >= measureFrom && sentAt < measureTo) {
          get.records++;
          get.bytes += r.Data.length;
          latencies.push(receivedAt - sentAt);
        }
      }
      iterator = page.NextShardIterator;
      // At the tip: poll again soon (throttles are lifted, so no 200 ms pause is needed to stay under 5 calls/s).
      if (page.Records.length === 0) await sleep(5);
    }
  }));
  const array = Float64Array.from(latencies);
  parentPort.postMessage({ get, latencies: array }, [array.buffer]);
}

if (!isMainThread) {
  await consume(workerData);
  client.destroy();
} else {
  const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const results = [];
  for (const size of sizes) {
    const cpuBefore = process.cpuUsage();
    const wallBefore = now();
    const r = await runSize(size);
    const cpu = process.cpuUsage(cpuBefore);
    results.push(r);
    const result = (k, v) => console.log(`RESULT js.${label}.${size}.${k}=${v}`);
    result('put-rps', r.put.recordsPerSecond.toFixed(0));
    result('put-mbps', r.put.mbPerSecond.toFixed(1));
    result('client-cpu', ((cpu.user + cpu.system) / 1000 / (now() - wallBefore)).toFixed(2));
    if (putOnly) {
      console.log(`${size} B: put ${fmt(r.put.recordsPerSecond)} rec/s ${fmt(r.put.mbPerSecond, 1)} MB/s (put only)`);
      continue;
    }
    result('get-rps', r.getWhileWriting.recordsPerSecond.toFixed(0));
    result('p50', r.latencyMs.p50.toFixed(1));
    result('p99', r.latencyMs.p99.toFixed(1));
    result('p999', r.latencyMs.p999.toFixed(1));
    result('readback-rps', r.readBack.recordsPerSecond.toFixed(0));
    console.log(`${size} B: put ${fmt(r.put.recordsPerSecond)} rec/s ${fmt(r.put.mbPerSecond, 1)} MB/s | ` +
      `get while writing ${fmt(r.getWhileWriting.recordsPerSecond)} rec/s ${fmt(r.getWhileWriting.mbPerSecond, 1)} MB/s | ` +
      `put-to-get latency p50 ${fmt(r.latencyMs.p50, 1)} ms p99 ${fmt(r.latencyMs.p99, 1)} ms p99.9 ${fmt(r.latencyMs.p999, 1)} ms | ` +
      `read-back ${fmt(r.readBack.recordsPerSecond)} rec/s ${fmt(r.readBack.mbPerSecond, 1)} MB/s (${fmt(r.readBack.records)} of ${fmt(r.readBack.acknowledged)} acknowledged)`);
  }
  console.log(JSON.stringify({
    endpoint, node: process.version, shards: SHARDS, batch: BATCH, concurrency: CONCURRENCY, warmupSeconds, measureSeconds, results,
  }, null, 2));
  client.destroy();
  const lost = !putOnly && results.some((r) => r.readBack.records !== r.readBack.acknowledged || r.getWhileWriting.received < r.getWhileWriting.sentInWindow);
  process.exit(lost ? 1 : 0);
}

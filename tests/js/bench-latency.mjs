// Put-to-read latency over HTTP with the AWS SDK for JavaScript v3: SubscribeToShard (HTTP/2 event stream) and
// GetRecords polling, idle and at load.
//
//   node bench-latency.mjs http://127.0.0.1:4567 [--warmup 8] [--seconds 10]
//
// A one-shard stream gets probe records, one PutRecord at a time (awaited, then 2 ms pause), each carrying its send
// time (float64 ms, first 8 bytes). A SubscribeToShard subscription (LATEST) and a GetRecords poller (LATEST, 5 ms
// pause at the tip) read them and record receive time - send time. Idle: nothing else runs. At load: a worker thread
// with its own client writes a 4-shard stream with PutRecords (8 requests in flight, 500 x 100 B each) while the
// probes run. Prints a summary and "RESULT http.<reader>.<idle|load>.<p50|p99|p999>=ms" lines.
import {
  KinesisClient, CreateStreamCommand, DeleteStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand,
  GetShardIteratorCommand, PutRecordCommand, PutRecordsCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const endpoint = isMainThread ? args.find((a) => !a.startsWith('--')) : workerData.endpoint;
if (!endpoint) {
  console.error('usage: node bench-latency.mjs <endpoint> [--warmup 8] [--seconds 10]');
  process.exit(2);
}
const client = new KinesisClient({
  endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1,
});
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);

async function createStream(name, shards) {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 100; i++) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return s.StreamDescriptionSummary.StreamARN;
    await sleep(100);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** The load: PutRecords of 500 x 100 B, 8 in flight, until told to stop; reports records written. */
async function load({ streamName }) {
  let running = true;
  let written = 0;
  parentPort.on('message', () => { running = false; });
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (running) {
      const records = Array.from({ length: 500 }, (_, i) => ({ Data: Buffer.alloc(84, 0x61), PartitionKey: `pk-${i}` }));
      const reply = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
      written += 500 - (reply.FailedRecordCount ?? 0);
    }
  }));
  parentPort.postMessage({ written });
}

async function main() {
  const warmup = Number(option('warmup', '8'));
  const seconds = Number(option('seconds', '10'));
  const id = randomUUID().slice(0, 8);
  const probeStream = `lat-${id}`;
  const loadStream = `load-${id}`;
  const streamArn = await createStream(probeStream, 1);
  await createStream(loadStream, 4);
  const consumer = (await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'bench' }))).Consumer;

  const samples = { subscribe: [], getrecords: [] };
  const received = { subscribe: 0, getrecords: 0 };
  let recording = false;
  let phaseStart = Infinity;
  let stopped = false;
  const take = (reader, records) => {
    const at = now();
    for (const r of records) {
      received[reader]++;
      const sentAt = Buffer.from(r.Data.buffer, r.Data.byteOffset, 8).readDoubleLE(0);
      if (recording && sentAt >= phaseStart) samples[reader].push(at - sentAt); // only probes sent in this phase
    }
  };

  // SubscribeToShard from LATEST; resubscribes from the continuation when the 5-minute subscription ends.
  const abort = new AbortController();
  const subscribed = (async () => {
    let position = { Type: 'LATEST' };
    while (!stopped) {
      const out = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumer.ConsumerARN, ShardId: 'shardId-000000000000', StartingPosition: position }),
        { abortSignal: abort.signal });
      for await (const e of out.EventStream) {
        const event = e.SubscribeToShardEvent;
        if (!event) continue;
        take('subscribe', event.Records);
        position = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: event.ContinuationSequenceNumber };
      }
      if (!stopped) await sleep(5100);
    }
  })().catch((e) => { if (!stopped) throw e; });

  // GetRecords polling from LATEST.
  const polled = (async () => {
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: probeStream, ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }))).ShardIterator;
    while (!stopped) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      take('getrecords', page.Records);
      iterator = page.NextShardIterator;
      if (page.Records.length === 0) await sleep(5);
    }
  })();
  await sleep(500);

  async function probe(ms) {
    let sent = 0;
    const until = now() + ms;
    while (now() < until) {
      const data = Buffer.alloc(100);
      data.writeDoubleLE(now(), 0);
      await client.send(new PutRecordCommand({ StreamName: probeStream, Data: data, PartitionKey: 'probe' }));
      sent++;
      await sleep(2);
    }
    return sent;
  }
  async function measure(phase) {
    samples.subscribe = [];
    samples.getrecords = [];
    phaseStart = now();
    recording = true;
    const sent = await probe(seconds * 1000);
    await sleep(1000);
    recording = false;
    for (const reader of ['subscribe', 'getrecords']) {
      const sorted = Float64Array.from(samples[reader]).sort();
      const r = (k, v) => console.log(`RESULT http.${reader}.${phase}.${k}=${v}`);
      r('p50', percentile(sorted, 50).toFixed(1));
      r('p99', percentile(sorted, 99).toFixed(1));
      r('p999', percentile(sorted, 99.9).toFixed(1));
      r('samples', `${sorted.length}/${sent}`);
      console.log(`${reader} ${phase}: ${sorted.length} of ${sent} probes, p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(sorted, 99).toFixed(1)} ms, p99.9 ${percentile(sorted, 99.9).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`);
    }
  }

  await probe(warmup * 1000);
  await measure('idle');
  const worker = new Worker(new URL(import.meta.url), { workerData: { endpoint, streamName: loadStream } });
  const loaded = new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  await probe(Math.min(warmup, 4) * 1000);
  const loadStart = now();
  await measure('load');
  worker.postMessage('stop');
  const { written } = await loaded;
  console.log(`RESULT http.load.put-rps=${(written / ((now() - loadStart) / 1000 + Math.min(warmup, 4))).toFixed(0)}`);
  await worker.terminate();

  stopped = true;
  abort.abort();
  await Promise.allSettled([subscribed, polled]);
  await client.send(new DeleteStreamCommand({ StreamName: probeStream }));
  await client.send(new DeleteStreamCommand({ StreamName: loadStream }));
  client.destroy();
}

if (!isMainThread) {
  await load(workerData);
  client.destroy();
} else {
  await main();
  process.exit(0);
}

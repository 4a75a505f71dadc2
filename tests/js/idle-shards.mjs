// Idle cost of open shards (ops/bench/run.sh --idle SHARDS): create streams until SHARDS shards are open (streams of
// up to 500 shards), put one record to every shard (so each StreamShard has started and holds a record), then leave the
// server alone. run.sh samples the server's CPU time and RSS while nothing is written.
//
//   node idle-shards.mjs http://127.0.0.1:4567 --shards 10000 [--per-stream 500]
//
// Prints "RESULT idle.shards=N", "RESULT idle.streams=N" and "RESULT idle.setup-seconds=x". The server's max-shards
// limit must allow SHARDS (run.sh passes a config that does).
import {
  KinesisClient,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';

const args = process.argv.slice(2);
const endpoint = args.find((a) => !a.startsWith('--'));
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
if (!endpoint) {
  console.error('usage: node idle-shards.mjs <endpoint> --shards 10000');
  process.exit(2);
}
const total = Number(option('shards', '10000'));
const perStream = Number(option('per-stream', '500'));
const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'idle', secretAccessKey: 'idle' },
  maxAttempts: 10,
});

const started = Date.now();
const streams = [];
// One stream at a time, as Kinesis' CreateStream limits would have it: created, ACTIVE, then filled.
for (let left = total, i = 0; left > 0; left -= perStream, i++) {
  const name = `idle-${i}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: Math.min(perStream, left) }));
  streams.push(name);
  let status;
  for (let attempt = 0; attempt < 1500 && status !== 'ACTIVE'; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 200));
    status = (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary.StreamStatus;
  }
  if (status !== 'ACTIVE') throw new Error(`${name} is still ${status} after 5 minutes`);
  // One record per shard, at the start of its hash key range.
  const shards = [];
  let token;
  do {
    const page = await client.send(token ? new ListShardsCommand({ NextToken: token }) : new ListShardsCommand({ StreamName: name }));
    shards.push(...page.Shards);
    token = page.NextToken;
  } while (token);
  for (let i = 0; i < shards.length; i += 500) {
    const entries = shards.slice(i, i + 500).map((s) => ({
      Data: Buffer.from('idle'),
      PartitionKey: 'k',
      ExplicitHashKey: s.HashKeyRange.StartingHashKey,
    }));
    const reply = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    if (reply.FailedRecordCount) throw new Error(`${reply.FailedRecordCount} records failed on ${name}`);
  }
}
console.log(`RESULT idle.shards=${total}`);
console.log(`RESULT idle.streams=${streams.length}`);
console.log(`RESULT idle.setup-seconds=${((Date.now() - started) / 1000).toFixed(1)}`);

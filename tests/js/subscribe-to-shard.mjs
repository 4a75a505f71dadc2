// Enhanced fan-out end to end with the real AWS SDK for JavaScript v3: SubscribeToShard over HTTP/2 (h2c for an
// http:// endpoint, ALPN h2 for https://), reading the event stream as the SDK's async iterable.
//
//   node subscribe-to-shard.mjs http://127.0.0.1:4567      (or ACTORSTREAMS_ENDPOINT=... node subscribe-to-shard.mjs)
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/JavaScriptSdkTests.cs against an in-process server.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { AssertionFailed, check, run, scriptArgs, stepRecorder, testClient } from './harness.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

const [endpoint] = scriptArgs('subscribe-to-shard.mjs', 'endpoint');
const text = (bytes) => Buffer.from(bytes).toString('utf8');
const withTimeout = (promise, ms, what) =>
  Promise.race([promise, sleep(ms).then(() => { throw new AssertionFailed(`${what}: nothing within ${ms} ms`); })]);

const client = testClient(endpoint);
const streamName = `js-efo-${randomUUID()}`;
const shardId = 'shardId-000000000000';
const { steps, step } = stepRecorder();

async function put(texts) {
  const out = await client.send(new PutRecordsCommand({
    StreamName: streamName,
    Records: texts.map((t, i) => ({ Data: Buffer.from(t), PartitionKey: `key-${i}` })),
  }));
  check(out.FailedRecordCount === 0, `PutRecords failed ${out.FailedRecordCount} records`);
  return out.Records.map((r, i) => ({ text: texts[i], seq: r.SequenceNumber, key: `key-${i}` }));
}

/** Opens a subscription; returns its iterator and the AbortController that ends it. */
async function subscribe(consumerArn, startingPosition) {
  const abort = new AbortController();
  const out = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: startingPosition }),
    { abortSignal: abort.signal });
  check(out.EventStream, 'SubscribeToShard returned no EventStream');
  return { iterator: out.EventStream[Symbol.asyncIterator](), abort };
}

/** Reads events until `count` records arrived; checks each event's shape; returns the events that carried records. */
async function readRecords(iterator, count, what) {
  const events = [];
  let got = 0;
  while (got < count) {
    const next = await withTimeout(iterator.next(), 15_000, `${what} (after ${got} of ${count} records)`);
    check(!next.done, `${what}: the event stream ended after ${got} of ${count} records`);
    const event = next.value.SubscribeToShardEvent;
    check(event, `${what}: not a SubscribeToShardEvent: ${JSON.stringify(Object.keys(next.value))}`);
    check(Array.isArray(event.Records), `${what}: Records is not a list`);
    check(typeof event.ContinuationSequenceNumber === 'string' && /^\d+$/.test(event.ContinuationSequenceNumber),
      `${what}: ContinuationSequenceNumber ${event.ContinuationSequenceNumber}`);
    check(typeof event.MillisBehindLatest === 'number' && event.MillisBehindLatest >= 0, `${what}: MillisBehindLatest ${event.MillisBehindLatest}`);
    check(!event.ChildShards || event.ChildShards.length === 0, `${what}: ChildShards on an open shard: ${JSON.stringify(event.ChildShards)}`);
    if (event.Records.length === 0) continue; // a heartbeat
    check(event.ContinuationSequenceNumber === event.Records.at(-1).SequenceNumber,
      `${what}: ContinuationSequenceNumber ${event.ContinuationSequenceNumber} is not the last record's ${event.Records.at(-1).SequenceNumber}`);
    events.push(event);
    got += event.Records.length;
  }
  check(got === count, `${what}: got ${got} records, expected ${count}`);
  return events;
}

function checkRecords(events, expected, what) {
  const records = events.flatMap((e) => e.Records);
  check(records.length === expected.length, `${what}: ${records.length} records, expected ${expected.length}`);
  records.forEach((r, i) => {
    check(text(r.Data) === expected[i].text, `${what}: record ${i} is '${text(r.Data)}', expected '${expected[i].text}'`);
    check(r.SequenceNumber === expected[i].seq, `${what}: record ${i} has sequence number ${r.SequenceNumber}, expected ${expected[i].seq}`);
    check(r.PartitionKey === expected[i].key, `${what}: record ${i} has partition key ${r.PartitionKey}`);
    check(r.ApproximateArrivalTimestamp instanceof Date && Math.abs(r.ApproximateArrivalTimestamp.getTime() - Date.now()) < 60_000,
      `${what}: record ${i} ApproximateArrivalTimestamp ${r.ApproximateArrivalTimestamp}`);
  });
}

async function expectResourceInUse(consumerArn) {
  let error = null;
  try {
    const { abort } = await subscribe(consumerArn, { Type: 'LATEST' });
    abort.abort();
  } catch (e) {
    error = e;
  }
  check(error, 'a second SubscribeToShard within 5 s did not fail');
  check(error.name === 'ResourceInUseException', `a second SubscribeToShard within 5 s threw ${error.name} (${error.message})`);
  check(error.$metadata?.httpStatusCode === 400, `ResourceInUseException came with HTTP ${error.$metadata?.httpStatusCode}`);
}

async function main() {
  await step('CreateStream', () => client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 })));
  await step('waitUntilStreamExists', () => waitUntilStreamExists({ client, maxWaitTime: 60 }, { StreamName: streamName }));
  const summary = await step('DescribeStreamSummary', () => client.send(new DescribeStreamSummaryCommand({ StreamName: streamName })));
  const streamArn = summary.StreamDescriptionSummary.StreamARN;
  const registered = await step('RegisterStreamConsumer', () =>
    client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'js-efo' })));
  const consumerArn = registered.Consumer.ConsumerARN;

  // LATEST, then records put while subscribed arrive on the open stream.
  const first = await step('SubscribeToShard LATEST', () => subscribe(consumerArn, { Type: 'LATEST' }));
  const batch1 = await step('PutRecords (3, subscribed)', () => put(['one', 'two', 'three']));
  const events1 = await step('read 3 pushed records', () => readRecords(first.iterator, 3, 'first subscription'));
  checkRecords(events1, batch1, 'first subscription');
  check(events1.at(-1).MillisBehindLatest === 0, `caught up but MillisBehindLatest ${events1.at(-1).MillisBehindLatest}`);
  const continuation = events1.at(-1).ContinuationSequenceNumber;
  check(continuation === batch1.at(-1).seq, `continuation ${continuation}, last record ${batch1.at(-1).seq}`);

  const batch2 = await step('PutRecords (2, subscribed)', () => put(['four', 'five']));
  const events2 = await step('read 2 more pushed records', () => readRecords(first.iterator, 2, 'first subscription, live'));
  checkRecords(events2, batch2, 'first subscription, live');
  first.abort.abort();

  await step('SubscribeToShard again within 5 s', () => expectResourceInUse(consumerArn));

  await step('wait out the 5 s', () => sleep(5_500));
  const after = await step('SubscribeToShard AFTER_SEQUENCE_NUMBER', () =>
    subscribe(consumerArn, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation }));
  const resumed = await step('read after the continuation', () => readRecords(after.iterator, 2, 'AFTER_SEQUENCE_NUMBER'));
  checkRecords(resumed, batch2, 'AFTER_SEQUENCE_NUMBER');
  after.abort.abort();

  await step('wait out the 5 s again', () => sleep(5_500));
  const at = await step('SubscribeToShard AT_SEQUENCE_NUMBER', () =>
    subscribe(consumerArn, { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: continuation }));
  const again = await step('read at the continuation', () => readRecords(at.iterator, 3, 'AT_SEQUENCE_NUMBER'));
  checkRecords(again, [batch1.at(-1), ...batch2], 'AT_SEQUENCE_NUMBER');
  at.abort.abort();

  await step('DeleteStream', () => client.send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true })));
  return { records: batch1.length + batch2.length, continuation };
}

await run(client, () => ({ endpoint, stream: streamName, steps }), main);

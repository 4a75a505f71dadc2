// Tags on an enhanced fan-out consumer's ARN and ListStreamConsumers' StreamCreationTimestamp, with the real AWS SDK
// for JavaScript v3 (the Debian AWS CLI predates TagResource).
//
//   node consumer-tags.mjs http://127.0.0.1:4567
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/ConsumerTagsTests.cs against an in-process server.
import {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamConsumersCommand,
  ListTagsForResourceCommand,
  RegisterStreamConsumerCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';

const endpoint = process.argv[2];
if (!endpoint) {
  console.error('usage: node consumer-tags.mjs <endpoint>');
  process.exit(2);
}

const client = new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

class AssertionFailed extends Error {}
const check = (condition, message) => { if (!condition) throw new AssertionFailed(message); };
const tagText = (tags) => (tags ?? []).map((t) => `${t.Key}=${t.Value}`).join(',');
const expectError = async (name, action) => {
  try {
    await action();
  } catch (e) {
    check(e.name === name, `expected ${name}, got ${e.name}: ${e.message}`);
    return e;
  }
  throw new AssertionFailed(`expected ${name}, but the call succeeded`);
};

const streamName = `js-tags-${randomUUID()}`;
try {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
  const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary;
  const streamArn = summary.StreamARN;

  const registered = await client.send(new RegisterStreamConsumerCommand({
    StreamARN: streamArn, ConsumerName: 'tagged-app', Tags: { team: 'data' },
  }));
  const consumerArn = registered.Consumer.ConsumerARN;
  await client.send(new TagResourceCommand({ ResourceARN: consumerArn, Tags: { env: 'test', tmp: 'x' } }));
  await client.send(new UntagResourceCommand({ ResourceARN: consumerArn, TagKeys: ['tmp'] }));
  const consumerTags = tagText((await client.send(new ListTagsForResourceCommand({ ResourceARN: consumerArn }))).Tags);
  check(consumerTags === 'env=test,team=data', `consumer tags are ${consumerTags}`);
  const streamTags = tagText((await client.send(new ListTagsForResourceCommand({ ResourceARN: streamArn }))).Tags);
  check(streamTags === '', `the stream got the consumer's tags: ${streamTags}`);

  const listed = await client.send(new ListStreamConsumersCommand({
    StreamARN: streamArn, StreamCreationTimestamp: summary.StreamCreationTimestamp,
  }));
  check(listed.Consumers.length === 1 && listed.Consumers[0].ConsumerARN === consumerArn, 'ListStreamConsumers with the creation timestamp');
  await expectError('ResourceNotFoundException', () => client.send(new ListStreamConsumersCommand({
    StreamARN: streamArn, StreamCreationTimestamp: new Date(summary.StreamCreationTimestamp.getTime() - 3_600_000),
  })));

  await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn }));
  await expectError('ResourceNotFoundException', () => client.send(new ListTagsForResourceCommand({ ResourceARN: consumerArn })));

  await client.send(new DeleteStreamCommand({ StreamName: streamName }));
  console.log(JSON.stringify({ ok: true, consumerArn, consumerTags }));
  client.destroy();
  process.exit(0);
} catch (e) {
  console.error(`FAILED: ${e instanceof AssertionFailed ? 'assertion failed' : e?.name}: ${e?.message ?? e}`);
  console.log(JSON.stringify({ ok: false, error: String(e?.message ?? e) }));
  client.destroy();
  process.exit(1);
}

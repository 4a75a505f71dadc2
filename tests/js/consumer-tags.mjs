// Tags on an enhanced fan-out consumer's ARN and ListStreamConsumers' StreamCreationTimestamp, with the real AWS SDK
// for JavaScript v3 (the Debian AWS CLI predates TagResource).
//
//   node consumer-tags.mjs http://127.0.0.1:4567
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/ConsumerTagsTests.cs against an in-process server.
import {
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
import { check, expectError, run, scriptArgs, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('consumer-tags.mjs', 'endpoint');
const client = testClient(endpoint);
const tagText = (tags) => (tags ?? []).map((t) => `${t.Key}=${t.Value}`).join(',');

const streamName = `js-tags-${randomUUID()}`;
async function main() {
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
  return { consumerArn, consumerTags };
}

await run(client, () => ({ endpoint }), main);

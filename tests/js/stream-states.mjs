// The SDK waiters against a server whose states take time (actorstreams.state-delays): CreateStream answers with the
// stream CREATING, waitUntilStreamExists waits for ACTIVE; DeleteStream leaves it DELETING, waitUntilStreamNotExists
// waits until it is gone.
//
//   node stream-states.mjs http://127.0.0.1:4567      (or ACTORSTREAMS_ENDPOINT=... node stream-states.mjs)
//
// Run by tests/ActorStreams.Server.Tests/StateDelayTests.cs against an in-process server with delays.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordCommand,
  waitUntilStreamExists,
  waitUntilStreamNotExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { check, expectError, run, scriptArgs, stepRecorder, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('stream-states.mjs', 'endpoint');
const client = testClient(endpoint);
const streamName = `js-states-${randomUUID()}`;
const { steps, step } = stepRecorder();
const status = async () =>
  (await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary?.StreamStatus;
// The waiters poll every second: the smallest delay they take.
const waiter = { client, minDelay: 1, maxDelay: 1, maxWaitTime: 60 };

async function main() {
  await step('CreateStream', () => client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 })));
  const creating = await step('DescribeStreamSummary (CREATING)', status);
  check(creating === 'CREATING', `right after CreateStream the stream is ${creating}, expected CREATING`);
  await step('PutRecord (CREATING)', () => expectError('ResourceNotFoundException', () =>
    client.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: 'k', Data: new Uint8Array([1]) }))));

  const created = await step('waitUntilStreamExists', () => waitUntilStreamExists(waiter, { StreamName: streamName }));
  check(created.state === 'SUCCESS', `waitUntilStreamExists ended in state ${created.state}`);
  const active = await step('DescribeStreamSummary (ACTIVE)', status);
  check(active === 'ACTIVE', `after waitUntilStreamExists the stream is ${active}`);
  await step('PutRecord (ACTIVE)', () =>
    client.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: 'k', Data: new Uint8Array([1]) })));

  await step('DeleteStream', () => client.send(new DeleteStreamCommand({ StreamName: streamName })));
  const deleting = await step('DescribeStreamSummary (DELETING)', status);
  check(deleting === 'DELETING', `right after DeleteStream the stream is ${deleting}, expected DELETING`);
  const deleted = await step('waitUntilStreamNotExists', () => waitUntilStreamNotExists(waiter, { StreamName: streamName }));
  check(deleted.state === 'SUCCESS', `waitUntilStreamNotExists ended in state ${deleted.state}`);
  await step('DescribeStreamSummary (gone)', () => expectError('ResourceNotFoundException', status));
  return { creating, deleting };
}

await run(client, () => ({ endpoint, stream: streamName, steps }), main);

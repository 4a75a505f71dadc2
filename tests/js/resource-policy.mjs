// Resource policies with the real AWS SDK for JavaScript v3 and SigV4 on: PutResourcePolicyCommand,
// GetResourcePolicyCommand and DeleteResourcePolicyCommand on a stream, signed by the owner's key; a second client
// signed by a key of another account is refused (AccessDeniedException) until a policy allows it, and is refused
// again, with nothing written, once an explicit Deny names it; a policy with a Condition is refused at Put time.
//
//   node resource-policy.mjs http://127.0.0.1:4567 OWNERKEY:SECRET PARTNERKEY:SECRET arn:aws:iam::111122223333:user/bob
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/ResourcePolicyTests.cs.
import {
  CreateStreamCommand,
  DeleteResourcePolicyCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetResourcePolicyCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutResourcePolicyCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { check, expectError, run, scriptArgs } from './harness.mjs';

const [endpoint, owner, partner, partnerArn] = scriptArgs('resource-policy.mjs', 'endpoint', 'owner-key:secret', 'partner-key:secret', 'partner-arn');
const signedAs = (pair) => {
  const [accessKeyId, secretAccessKey] = [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)];
  return new KinesisClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
};
const client = signedAs(owner);
const other = signedAs(partner);
const policy = (...Statement) => JSON.stringify({ Version: '2012-10-17', Statement });

async function main() {
  const StreamName = `js-policy-${randomUUID()}`;
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName });
  const { StreamARN } = (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  check((await client.send(new GetResourcePolicyCommand({ ResourceARN: StreamARN }))).Policy === '{}', 'no policy at first');

  const put = () => other.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: Buffer.from('from the partner') }));
  const denied = await expectError('AccessDeniedException', put);
  check(denied.$metadata.httpStatusCode === 400, `AccessDeniedException answered ${denied.$metadata.httpStatusCode}`);
  check(denied.message.includes(`User: ${partnerArn} is not authorized to perform: kinesis:PutRecord`), denied.message);

  await expectError('InvalidArgumentException', () => client.send(new PutResourcePolicyCommand({
    ResourceARN: StreamARN,
    Policy: policy({ Effect: 'Allow', Principal: '*', Action: 'kinesis:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }),
  })));
  const allow = policy({ Sid: 'partner-writes', Effect: 'Allow', Principal: { AWS: partnerArn }, Action: 'kinesis:PutRecord', Resource: StreamARN });
  await client.send(new PutResourcePolicyCommand({ ResourceARN: StreamARN, Policy: allow }));
  check((await client.send(new GetResourcePolicyCommand({ ResourceARN: StreamARN }))).Policy === allow, 'GetResourcePolicy returns the policy put');
  await put();

  await client.send(new PutResourcePolicyCommand({
    ResourceARN: StreamARN,
    Policy: policy(
      { Sid: 'partner-writes', Effect: 'Allow', Principal: { AWS: partnerArn }, Action: 'kinesis:PutRecord', Resource: StreamARN },
      { Sid: 'but-not-now', Effect: 'Deny', Principal: '*', Action: 'kinesis:Put*', Resource: StreamARN },
    ),
  }));
  const explicit = await expectError('AccessDeniedException', put);
  check(explicit.message.endsWith('with an explicit deny in a resource-based policy'), explicit.message);
  await expectError('AccessDeniedException', () => client.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: Buffer.from('owner') })));

  await client.send(new DeleteResourcePolicyCommand({ ResourceARN: StreamARN }));
  check((await client.send(new GetResourcePolicyCommand({ ResourceARN: StreamARN }))).Policy === '{}', 'DeleteResourcePolicy removed it');
  await expectError('AccessDeniedException', put);

  const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
  const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
  const written = Records.map((r) => Buffer.from(r.Data).toString());
  check(written.length === 1 && written[0] === 'from the partner', `only the allowed write is in the stream: ${JSON.stringify(written)}`);

  await client.send(new DeleteStreamCommand({ StreamName }));
  other.destroy();
  return { streamName: StreamName };
}

await run(client, () => ({ endpoint }), main);

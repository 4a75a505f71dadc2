// StartStreamEncryption / StopStreamEncryption with the real AWS SDK for JavaScript v3: the key named by its alias,
// records read back in clear, an unknown key answered with KMSNotFoundException.
//
//   node encryption.mjs http://127.0.0.1:4567 alias/configured-key
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/EncryptionTests.cs against a server whose key provider holds the key.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { check, expectError, run, scriptArgs, testClient } from './harness.mjs';

const [endpoint, keyId] = scriptArgs('encryption.mjs', 'endpoint', 'key id');
const client = testClient(endpoint);

const StreamName = `js-enc-${randomUUID()}`;
async function main() {
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName });
  await client.send(new StartStreamEncryptionCommand({ StreamName, EncryptionType: 'KMS', KeyId: keyId }));
  const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  check(summary.EncryptionType === 'KMS' && summary.KeyId === keyId, `DescribeStreamSummary: ${summary.EncryptionType} ${summary.KeyId}`);

  const text = `encrypted at rest ${randomUUID()}`;
  await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: new TextEncoder().encode(text) }));
  const { ShardIterator } = await client.send(new GetShardIteratorCommand({
    StreamName, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON',
  }));
  const { Records } = await client.send(new GetRecordsCommand({ ShardIterator }));
  check(Records.length === 1 && new TextDecoder().decode(Records[0].Data) === text, 'the record reads back in clear');

  await expectError('KMSNotFoundException', () => client.send(new StartStreamEncryptionCommand({
    StreamName, EncryptionType: 'KMS', KeyId: 'alias/not-configured',
  })));
  await client.send(new StopStreamEncryptionCommand({ StreamName, EncryptionType: 'KMS', KeyId: keyId }));
  const after = (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  check(after.EncryptionType === 'NONE' && after.KeyId === undefined, `after stop: ${after.EncryptionType} ${after.KeyId}`);

  await client.send(new DeleteStreamCommand({ StreamName }));
  return { streamName: StreamName };
}

await run(client, () => ({ endpoint }), main);

// StartStreamEncryption / StopStreamEncryption with the real AWS SDK for JavaScript v3: the key named by its alias,
// records read back in clear, an unknown key answered with KMSNotFoundException.
//
//   node encryption.mjs http://127.0.0.1:4567 alias/configured-key
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/EncryptionTests.cs against a server whose key provider holds the key.
import {
  KinesisClient,
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

const [endpoint, keyId] = process.argv.slice(2);
if (!endpoint || !keyId) {
  console.error('usage: node encryption.mjs <endpoint> <key id>');
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
const expectError = async (name, action) => {
  try {
    await action();
  } catch (e) {
    check(e.name === name, `expected ${name}, got ${e.name}: ${e.message}`);
    return e;
  }
  throw new AssertionFailed(`expected ${name}, but the call succeeded`);
};

const StreamName = `js-enc-${randomUUID()}`;
try {
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
  console.log(JSON.stringify({ ok: true, streamName: StreamName }));
  client.destroy();
  process.exit(0);
} catch (e) {
  console.error(`FAILED: ${e instanceof AssertionFailed ? 'assertion failed' : e?.name}: ${e?.message ?? e}`);
  console.log(JSON.stringify({ ok: false, error: String(e?.message ?? e) }));
  client.destroy();
  process.exit(1);
}

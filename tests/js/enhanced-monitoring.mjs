// EnableEnhancedMonitoring / DisableEnhancedMonitoring with the real AWS SDK for JavaScript v3: the reply's current
// and desired metrics, ALL, DescribeStream and DescribeStreamSummary reporting them, and the SDK's errors for a
// metric name Kinesis does not have and for a stream that does not exist.
//
//   node enhanced-monitoring.mjs http://127.0.0.1:4567
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/EnhancedMonitoringTests.cs.
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { check, expectError, run, scriptArgs, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('enhanced-monitoring.mjs', 'endpoint');
const client = testClient(endpoint);

const StreamName = `js-mon-${randomUUID()}`;
const ALL = ['IncomingBytes', 'IncomingRecords', 'OutgoingBytes', 'OutgoingRecords', 'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded', 'IteratorAgeMilliseconds'];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function main() {
  await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName });
  const before = (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  check(same(before.EnhancedMonitoring, [{ ShardLevelMetrics: [] }]), `a new stream: ${JSON.stringify(before.EnhancedMonitoring)}`);

  const enabled = await client.send(new EnableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics: ['IncomingRecords', 'IncomingBytes'] }));
  check(enabled.StreamName === StreamName && enabled.StreamARN === before.StreamARN, `enable names the stream: ${JSON.stringify(enabled)}`);
  check(same(enabled.CurrentShardLevelMetrics, []), `current before enabling: ${enabled.CurrentShardLevelMetrics}`);
  check(same(enabled.DesiredShardLevelMetrics, ['IncomingBytes', 'IncomingRecords']), `desired: ${enabled.DesiredShardLevelMetrics}`);

  const all = await client.send(new EnableEnhancedMonitoringCommand({ StreamARN: before.StreamARN, ShardLevelMetrics: ['ALL'] }));
  check(same(all.CurrentShardLevelMetrics, ['IncomingBytes', 'IncomingRecords']) && same(all.DesiredShardLevelMetrics, ALL),
    `ALL: ${JSON.stringify(all)}`);
  const described = (await client.send(new DescribeStreamCommand({ StreamName }))).StreamDescription;
  check(same(described.EnhancedMonitoring, [{ ShardLevelMetrics: ALL }]), `DescribeStream: ${JSON.stringify(described.EnhancedMonitoring)}`);

  const disabled = await client.send(new DisableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics: ['IteratorAgeMilliseconds', 'OutgoingBytes'] }));
  const rest = ALL.filter((m) => m !== 'IteratorAgeMilliseconds' && m !== 'OutgoingBytes');
  check(same(disabled.CurrentShardLevelMetrics, ALL) && same(disabled.DesiredShardLevelMetrics, rest), `disable: ${JSON.stringify(disabled)}`);
  const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName }))).StreamDescriptionSummary;
  check(same(summary.EnhancedMonitoring, [{ ShardLevelMetrics: rest }]), `DescribeStreamSummary: ${JSON.stringify(summary.EnhancedMonitoring)}`);

  const none = await client.send(new DisableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics: ['ALL'] }));
  check(same(none.DesiredShardLevelMetrics, []), `disable ALL: ${JSON.stringify(none)}`);

  await expectError('ValidationException', () => client.send(new EnableEnhancedMonitoringCommand({ StreamName, ShardLevelMetrics: ['IncomingMessages'] })));
  await expectError('ResourceNotFoundException', () => client.send(new EnableEnhancedMonitoringCommand({
    StreamName: `${StreamName}-missing`, ShardLevelMetrics: ['ALL'],
  })));
  await client.send(new DeleteStreamCommand({ StreamName }));
  return { streamName: StreamName };
}

await run(client, () => ({ endpoint }), main);

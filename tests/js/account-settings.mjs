// DescribeAccountSettings / UpdateAccountSettings with the real AWS SDK for JavaScript v3: the minimum throughput
// billing commitment turned on (with its start and earliest end as Dates), turned off inside its minimum period
// (ENABLED_UNTIL_EARLIEST_ALLOWED_END), turned on again, and the SDK's error for a status Kinesis does not have.
// The server must be fresh: the script expects no commitment at the start.
//
//   node account-settings.mjs http://127.0.0.1:4567
//
// Prints a JSON summary and exits 0 on success; prints what failed and exits 1 otherwise.
// Run by tests/ActorStreams.Server.Tests/AccountSettingsTests.cs.
import { DescribeAccountSettingsCommand, UpdateAccountSettingsCommand } from '@aws-sdk/client-kinesis';
import { check, expectError, run, scriptArgs, testClient } from './harness.mjs';

const [endpoint] = scriptArgs('account-settings.mjs', 'endpoint');
const client = testClient(endpoint);
const DAY_MS = 24 * 60 * 60 * 1000;

async function main() {
  const fresh = (await client.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment;
  check(fresh.Status === 'DISABLED' && fresh.StartedAt === undefined, `a fresh account: ${JSON.stringify(fresh)}`);

  const before = Date.now();
  const on = (await client.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } })))
    .MinimumThroughputBillingCommitment;
  check(on.Status === 'ENABLED' && on.StartedAt instanceof Date && on.EndedAt === undefined, `enabled: ${JSON.stringify(on)}`);
  check(Math.abs(on.StartedAt.getTime() - before) < 60_000, `StartedAt is now: ${on.StartedAt.toISOString()}`);
  check(on.EarliestAllowedEndAt.getTime() - on.StartedAt.getTime() === DAY_MS, `earliest end a day later: ${on.EarliestAllowedEndAt.toISOString()}`);

  const off = (await client.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'DISABLED' } })))
    .MinimumThroughputBillingCommitment;
  check(off.Status === 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' && off.EndedAt.getTime() === on.EarliestAllowedEndAt.getTime(),
    `disabled within the day: ${JSON.stringify(off)}`);
  const described = (await client.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment;
  check(described.Status === off.Status && described.StartedAt.getTime() === on.StartedAt.getTime(), `described: ${JSON.stringify(described)}`);

  const again = (await client.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } })))
    .MinimumThroughputBillingCommitment;
  check(again.Status === 'ENABLED' && again.EndedAt === undefined && again.StartedAt.getTime() === on.StartedAt.getTime(),
    `enabled again keeps the start: ${JSON.stringify(again)}`);

  await expectError('ValidationException', () => client.send(new UpdateAccountSettingsCommand({
    MinimumThroughputBillingCommitment: { Status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' },
  })));
  return { startedAt: on.StartedAt.toISOString() };
}

await run(client, () => ({ endpoint }), main);

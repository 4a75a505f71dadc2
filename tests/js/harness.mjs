// What the end-to-end scripts in this folder share: the endpoint argument, a Kinesis client that never retries (a
// retry would hide a server error), assertions, named steps, and the run wrapper that prints a JSON summary and
// exits 0 on success or prints what failed and exits 1. The C# tests in tests/ActorStreams.Server.Tests run the
// scripts against a real server and check the exit code and `"ok": true`.
import { KinesisClient } from '@aws-sdk/client-kinesis';

export class AssertionFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new AssertionFailed(message);
}

/** Runs `action`, which must fail with the error named `name`; returns that error. */
export async function expectError(name, action) {
  try {
    await action();
  } catch (e) {
    check(e.name === name, `expected ${name}, got ${e.name}: ${e.message}`);
    return e;
  }
  throw new AssertionFailed(`expected ${name}, but the call succeeded`);
}

/** The positional arguments `names` (the first, the endpoint, may come from ACTORSTREAMS_ENDPOINT); exits 2 with usage when one is missing. */
export function scriptArgs(script, ...names) {
  const values = process.argv.slice(2, 2 + names.length);
  values[0] ??= process.env.ACTORSTREAMS_ENDPOINT;
  if (names.some((_, i) => !values[i])) {
    console.error(`usage: node ${script} ${names.map((n) => `<${n}>`).join(' ')}   (or set ACTORSTREAMS_ENDPOINT for the first)`);
    process.exit(2);
  }
  return values;
}

export const testClient = (endpoint) => new KinesisClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1, // a retry would hide a server error
});

/** Named steps with their durations; a failing step tags its error with the step's name. */
export function stepRecorder() {
  const steps = [];
  const step = async (name, action) => {
    const started = Date.now();
    try {
      const result = await action();
      steps.push({ step: name, ms: Date.now() - started });
      return result;
    } catch (e) {
      e.step ??= name;
      throw e;
    }
  };
  return { steps, step };
}

/**
 * Runs `main`, prints `{ ok, ...context(), ...result }` as JSON and exits 0; on failure prints what failed (and the
 * HTTP details of an unexpected SDK error) to stderr, `{ ok: false, ...context(), failedAt, error }` to stdout, and
 * exits 1. `context` is called at the end, so it can report what the run collected (steps, names).
 */
export async function run(client, context, main) {
  try {
    const result = await main();
    console.log(JSON.stringify({ ok: true, ...context(), node: process.version, ...result }, null, 2));
    client.destroy();
    process.exit(0);
  } catch (e) {
    const kind = e instanceof AssertionFailed ? 'assertion failed' : `unexpected ${e?.name ?? 'error'}`;
    console.error(`FAILED at ${e?.step ?? '?'}: ${kind}: ${e?.message ?? e}`);
    if (!(e instanceof AssertionFailed)) {
      if (e?.$metadata) console.error(`  $metadata: ${JSON.stringify(e.$metadata)}`);
      if (e?.$response) console.error(`  HTTP ${e.$response.statusCode}`);
      console.error(e?.stack ?? e);
    }
    console.log(JSON.stringify({ ok: false, ...context(), failedAt: e?.step ?? null, error: String(e?.message ?? e) }, null, 2));
    client.destroy();
    process.exit(1);
  }
}

// Browser test of the ActorStreams web console: headless Debian chromium driven by playwright-core.
//
//   node console-e2e.mjs <server base url> <screenshot dir>                          (SigV4 off)
//   node console-e2e.mjs <server base url> <screenshot dir> --auth <key id> <secret>  (SigV4 on)
//
// The browser is the system one (CHROMIUM_PATH, default /usr/bin/chromium); playwright-core downloads nothing.
// Every check compares what the page shows with what the Kinesis API answers to a direct call. Prints one JSON
// object with "ok": true on success; any failed check throws and exits 1 with the reason.
import { chromium } from "playwright-core";
import { mkdir } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import net from "node:net";
import path from "node:path";

const [base, shotsArg, ...rest] = process.argv.slice(2);
if (!base || !shotsArg) {
  console.error("usage: node console-e2e.mjs <base url> <screenshot dir> [--auth <key id> <secret>]");
  process.exit(2);
}
const auth = rest[0] === "--auth" ? { accessKeyId: rest[1], secretAccessKey: rest[2] } : null;
const shots = path.resolve(shotsArg);
await mkdir(shots, { recursive: true });
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const report = { ok: false, mode: auth ? "auth" : "open", checks: [], screenshots: [] };

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  report.checks.push(message);
}

/** A direct, unsigned Kinesis call (only used with SigV4 off, or to show that unsigned calls are refused). */
async function api(operation, input, target = "Kinesis_20131202") {
  const response = await fetch(new URL("/", base), {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `${target}.${operation}` },
    body: JSON.stringify(input),
  });
  // Operations without output (SplitShard, AddTagsToStream, ...) answer 200 with an empty body, as AWS does.
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  return { status: response.status, body };
}

async function ok(operation, input) {
  const r = await api(operation, input);
  if (r.status !== 200) throw new Error(`${operation} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * SubscribeToShard from TRIM_HORIZON over plain HTTP, reading the event stream frames (prelude: total and headers
 * length, CRC; string headers; JSON payload; CRC). `firstRecords` resolves with the first event that holds records;
 * `stop()` hangs up and resolves with every SubscribeToShardEvent received.
 */
function subscribe(consumerArn, shardId) {
  const controller = new AbortController();
  const events = [];
  let resolveFirst, rejectFirst;
  const firstRecords = new Promise((res, rej) => { resolveFirst = res; rejectFirst = rej; });
  const done = (async () => {
    const response = await fetch(new URL("/", base), {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.SubscribeToShard" },
      body: JSON.stringify({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: { Type: "TRIM_HORIZON" } }),
      signal: controller.signal,
    });
    if (response.status !== 200) throw new Error(`SubscribeToShard answered ${response.status}: ${await response.text()}`);
    const reader = response.body.getReader();
    let buffer = Buffer.alloc(0);
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      buffer = Buffer.concat([buffer, Buffer.from(value)]);
      while (buffer.length >= 12 && buffer.length >= buffer.readUInt32BE(0)) {
        const total = buffer.readUInt32BE(0), headersLength = buffer.readUInt32BE(4);
        const headers = {};
        for (let at = 12; at < 12 + headersLength;) {
          const nameLength = buffer[at];
          const headerName = buffer.subarray(at + 1, at + 1 + nameLength).toString();
          at += 1 + nameLength + 1; // the value type: 7, string
          const valueLength = buffer.readUInt16BE(at);
          headers[headerName] = buffer.subarray(at + 2, at + 2 + valueLength).toString();
          at += 2 + valueLength;
        }
        if (headers[":event-type"] === "SubscribeToShardEvent") {
          const event = JSON.parse(buffer.subarray(12 + headersLength, total - 4).toString());
          events.push(event);
          if (event.Records.length > 0) resolveFirst(event);
        }
        buffer = buffer.subarray(total);
      }
    }
  })().catch((e) => { if (e.name !== "AbortError") { rejectFirst(e); throw e; } });
  return {
    firstRecords,
    stop: async () => { controller.abort(); await done; return events; },
  };
}

async function shot(page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  report.screenshots.push(file);
}

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const consoleErrors = [];
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  // The page talks to the server only: any other host would mean a CDN or an external fetch.
  const origin = new URL(base).origin;
  const foreign = [];
  page.on("request", (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) foreign.push(r.url()); });

  if (auth) await authFlow(page);
  else await openFlow(page);

  check(foreign.length === 0, `no request left ${origin} (${foreign.join(", ")})`);
  const unexpected = consoleErrors.filter((e) => !/status of 400/.test(e));
  check(unexpected.length === 0, `no script errors in the page (${unexpected.join(" | ")})`);
  report.ok = true;
} finally {
  await browser.close();
}
console.log(JSON.stringify(report, null, 2));

// ---------------------------------------------------------------------------------------------------------------

async function openFlow(page) {
  const name = `console-${randomUUID().slice(0, 8)}`;

  // Create: the estimator answers live as the user types, and its estimate fills the shard count.
  await page.goto(new URL("/console/#/create", base).href);
  // The footer names the server's version, as /health/live does.
  const live = await (await fetch(new URL("/health/live", base))).json();
  await page.waitForFunction((v) => document.querySelector("#version").textContent === `ActorStreams ${v}`, live.version);
  check(/^\d+\.\d+\.\d+/.test(live.version), `the footer shows the server's version (${live.version})`);
  await page.fill("#est-size", "1");
  await page.fill("#est-records", "2500");
  await page.fill("#est-consumers", "2");
  const expected = await (await fetch(new URL("/estimate-shards?averageRecordSizeKiB=1&recordsPerSecond=2500&consumers=2", base))).json();
  await page.waitForFunction((n) => document.querySelector("#est-shards").textContent === String(n), expected.Shards);
  check(expected.Shards === 3, `the estimator says 3 shards for 1 KiB x 2500/s with 2 consumers (got ${expected.Shards})`);
  await page.fill("#est-records", "-5");
  await page.waitForFunction(() => document.querySelector("#est-error").textContent.startsWith("InvalidArgumentException"));
  check(true, "a negative rate shows the estimator's InvalidArgumentException");
  await page.fill("#est-records", "2500");
  await page.waitForFunction(() => document.querySelector("#est-shards").textContent === "3" && !document.querySelector("#est-use").disabled);
  await page.click("#est-use");
  check(await page.inputValue("#shard-count") === "3", "Use this estimate sets the open shards to 3");

  // Validation messages are the API's own.
  await page.fill("#stream-name", "bad name!");
  await page.click("#create-submit");
  const direct = await api("CreateStream", { StreamName: "bad name!", ShardCount: 3, StreamModeDetails: { StreamMode: "PROVISIONED" } });
  await page.waitForFunction(() => document.querySelector("#create-error").textContent.length > 0);
  const shown = await page.textContent("#create-error");
  check(shown === `${direct.body.__type}: ${direct.body.message}`, `the form shows the API's validation error (${shown})`);
  await page.fill("#stream-name", name);
  await shot(page, "create-stream");
  await page.click("#create-submit");
  await page.waitForURL(new RegExp(`#/streams/${name}$`));
  const created = await ok("DescribeStreamSummary", { StreamName: name });
  check(created.StreamDescriptionSummary.OpenShardCount === 3, "the stream was created with the estimated 3 shards");

  // Traffic for the live rates: a few seconds of PutRecords, and reads of them.
  for (let second = 0; second < 3; second++) {
    const records = Array.from({ length: 100 }, (_, i) => ({ Data: Buffer.from(`warm-up ${second}/${i}`).toString("base64"), PartitionKey: `k${i}` }));
    const put = await ok("PutRecords", { StreamName: name, Records: records });
    check(put.FailedRecordCount === 0, `PutRecords of 100 records succeeded (second ${second})`);
    const it = await ok("GetShardIterator", { StreamName: name, ShardId: "shardId-000000000001", ShardIteratorType: "TRIM_HORIZON" });
    await ok("GetRecords", { ShardIterator: it.ShardIterator });
    await new Promise((r) => setTimeout(r, 1000));
  }

  // Streams list: the new stream with its status, mode, shards, retention and a non-zero incoming rate.
  await page.goto(new URL("/console/#/streams", base).href);
  const row = page.locator(`tr[data-stream="${name}"]`);
  await row.waitFor();
  await page.waitForFunction((n) => {
    const cells = document.querySelector(`tr[data-stream="${n}"]`)?.querySelectorAll("td");
    return cells && cells[1].textContent === "ACTIVE" && Number(cells[5].textContent.replace(/,/g, "")) > 0;
  }, name);
  const cells = await row.locator("td").allTextContents();
  check(cells[2] === "PROVISIONED" && cells[3] === "3" && cells[4] === "24", `the list shows mode, 3 shards and 24 h (${cells.join(" | ")})`);
  check(Number(cells[5].replace(/,/g, "")) > 0, `the list shows a live incoming rate (${cells[5]} records/s)`);
  await shot(page, "streams");

  // Stream detail: split shard 0 through the form and its confirmation dialog; the map shows the children.
  await row.locator("a").click();
  await page.waitForSelector('#shard-map g[data-state="OPEN"]');
  check(await page.locator('#shard-map g[data-state="OPEN"]').count() === 3, "the shard map draws 3 open shards");
  await page.selectOption("#split-shard", "shardId-000000000000");
  const key = await page.inputValue("#split-key");
  check(key === ((((1n << 128n) / 3n - 1n) + 1n) / 2n).toString(), `the split key defaults to the middle of shard 0 (${key})`);
  const beforeSplit = Date.now() / 1000;
  await page.click("#split-submit");
  await page.waitForSelector("#confirm-dialog[open]");
  check((await page.textContent("#confirm-text")).includes("shardId-000000000000"), "the confirmation names the shard");
  await page.click("#confirm-ok");
  await page.waitForSelector('#shard-map g[data-shard="shardId-000000000004"]', { timeout: 60000 });
  await page.waitForSelector('#shard-map g[data-shard="shardId-000000000000"][data-state="CLOSED"]');
  const lineage = await page.locator('#shard-map line[data-parent="shardId-000000000000"]').count();
  check(lineage === 2, `two lineage lines leave the split parent (${lineage})`);
  const listed = await ok("ListShards", { StreamName: name });
  const children = listed.Shards.filter((s) => s.ParentShardId === "shardId-000000000000").map((s) => s.ShardId).sort();
  check(children.join() === "shardId-000000000003,shardId-000000000004", `ListShards agrees: children ${children.join(", ")}`);
  check(await page.locator('#shard-map g[data-state="OPEN"]').count() === 4, "the map shows 4 open shards after the split");
  await page.waitForFunction(() => document.querySelector("#summary-status")?.textContent === "ACTIVE");
  // Merge the two children back: the merge form offers only the adjacent open shard.
  await page.selectOption("#merge-shard", "shardId-000000000003");
  const offered = await page.locator("#merge-adjacent option").allTextContents();
  check(offered.join() === "shardId-000000000004", `only the adjacent shard is offered for a merge (${offered.join(", ")})`);
  await page.click("#merge-submit");
  await page.waitForSelector("#confirm-dialog[open]");
  await page.click("#confirm-ok");
  await page.waitForSelector('#shard-map g[data-shard="shardId-000000000005"]', { timeout: 60000 });
  const merged = await page.locator('#shard-map line[data-child="shardId-000000000005"]').count();
  check(merged === 2, `the merged child has lines to both parents (${merged})`);
  const afterMerge = await ok("ListShards", { StreamName: name });
  const child = afterMerge.Shards.find((s) => s.ShardId === "shardId-000000000005");
  check(child && child.ParentShardId === "shardId-000000000003" && child.AdjacentParentShardId === "shardId-000000000004",
    "ListShards agrees: shardId-000000000005 has parents 3 and 4");
  await page.waitForFunction(() => document.querySelectorAll('#shard-map g[data-state="OPEN"]').length === 3
    && document.querySelector("#summary-status")?.textContent === "ACTIVE");
  check(true, "the map shows 3 open shards after the merge");
  // The time axis: the split and the merge columns are labelled with when they completed, in order, during this test.
  const stepTimes = await page.$$eval('#shard-map text[data-step]', (ts) => ts.map((t) => [Number(t.dataset.step), t.dataset.time ? Number(t.dataset.time) : null]));
  const split = stepTimes.find(([i]) => i === 1)?.[1], merge = stepTimes.find(([i]) => i === 2)?.[1];
  const afterMergeAt = Date.now() / 1000;
  check(split !== null && split !== undefined && merge !== null && merge !== undefined,
    `the split and merge steps carry their times (${JSON.stringify(stepTimes)})`);
  check(beforeSplit - 2 <= split && split <= merge && merge <= afterMergeAt + 2,
    `the split (${split}) and the merge (${merge}) completed in order between ${beforeSplit} and ${afterMergeAt}`);
  const writes = await page.textContent('#shards-table tr[data-shard="shardId-000000000001"] td:nth-child(5)');
  check(Number(writes) >= 0, "the shard table shows per-shard rates");
  // Cancelling a dialog changes nothing.
  await page.fill("#rescale-target", "8");
  await page.click("#rescale-submit");
  await page.waitForSelector("#confirm-dialog[open]");
  await page.click("#confirm-cancel");
  const afterCancel = await ok("DescribeStreamSummary", { StreamName: name });
  check(afterCancel.StreamDescriptionSummary.OpenShardCount === 3, "cancelled rescale left 3 open shards");
  // An action the API refuses shows the API's error.
  await page.fill("#retention-hours", "5");
  await page.click("#retention-submit");
  await page.click("#confirm-ok");
  await page.waitForSelector("#action-result .notice.bad");
  const refused = await page.textContent("#action-result");
  check(/^(InvalidArgumentException|ValidationException): /.test(refused), `retention 5 h shows the API's error (${refused})`);
  await page.fill("#retention-hours", "48");
  await page.click("#retention-submit");
  await page.click("#confirm-ok");
  await page.waitForSelector("#action-result .notice.good");
  await page.waitForFunction(() => document.querySelector("#summary-retention")?.textContent === "48 hours");
  check(true, "retention raised to 48 hours through the console");

  // Consumers and lag: an enhanced fan-out consumer subscribes to shard 1 (raw SubscribeToShard, read while the page
  // is checked), and an anonymous GetRecords reader polls shard 2; the page shows what each was told.
  const registered = await ok("RegisterStreamConsumer", { StreamARN: afterCancel.StreamDescriptionSummary.StreamARN, ConsumerName: "lag-viewer" });
  const consumerArn = registered.Consumer.ConsumerARN;
  const subscription = subscribe(consumerArn, "shardId-000000000001");
  const firstEvent = await subscription.firstRecords;
  check(firstEvent.Records.length > 0, `SubscribeToShard from TRIM_HORIZON sent the warm-up records (${firstEvent.Records.length})`);
  const consumerRow = `#consumers-table tr[data-consumer="lag-viewer"][data-lag-shard="shardId-000000000001"]`;
  await page.waitForFunction((sel) => document.querySelector(sel)?.querySelector("td:nth-child(6)")?.textContent === "subscribed", consumerRow);
  const shownLag = Number(await page.getAttribute(`${consumerRow} td.lag`, "data-ms"));
  const shownPosition = await page.getAttribute(`${consumerRow} td.position`, "title");
  await new Promise((r) => setTimeout(r, 500));
  const events = subscription.stop();
  const told = (await events).find((e) => e.ContinuationSequenceNumber === shownPosition);
  check(told !== undefined && told.MillisBehindLatest === shownLag,
    `the consumers table shows the MillisBehindLatest (${shownLag} ms) of the event with continuation ${shownPosition} that lag-viewer was sent`);
  const lagText = await page.textContent(`${consumerRow} td.lag`);
  check(/^[\d,.]+ (ms|s|min|h)$/.test(lagText), `the lag reads as a duration (${lagText})`);
  const poll = await ok("GetShardIterator", { StreamName: name, ShardId: "shardId-000000000002", ShardIteratorType: "TRIM_HORIZON" });
  const polled = await ok("GetRecords", { ShardIterator: poll.ShardIterator, Limit: 1 });
  check(polled.Records.length === 1 && polled.MillisBehindLatest > 0, `a GetRecords of one old record is behind the tip (${polled.MillisBehindLatest} ms)`);
  const pollRow = `#consumers-table tr[data-kind="GET_RECORDS"][data-lag-shard="shardId-000000000002"]`;
  await page.waitForSelector(pollRow);
  const age = Number(await page.getAttribute(`${pollRow} td.lag`, "data-ms"));
  check(age >= polled.MillisBehindLatest, `the GetRecords row shows the shard's iterator age, at least the ${polled.MillisBehindLatest} ms that read was told (${age})`);
  await page.waitForFunction((sel) => document.querySelector(sel)?.querySelector("td:nth-child(6)")?.textContent === "subscription ended", consumerRow);
  check(true, "after the subscriber hangs up, its row says the subscription ended");
  await page.locator("#consumers-table").scrollIntoViewIfNeeded();
  await shot(page, "stream-detail");

  // Data viewer: a record put through the API is found on its shard, as text and as hex.
  const marker = `hello from the console test ${randomUUID()}`;
  const put = await ok("PutRecord", { StreamName: name, Data: Buffer.from(marker).toString("base64"), PartitionKey: "viewer-key" });
  await page.click("#open-data-viewer");
  await page.waitForSelector("#viewer-shard");
  await page.selectOption("#viewer-shard", put.ShardId);
  await page.selectOption("#viewer-type", "TRIM_HORIZON");
  await page.fill("#viewer-limit", "50");
  await page.click("#viewer-start");
  let found = false;
  for (let i = 0; i < 50 && !found; i++) {
    await page.waitForFunction(() => /^Page \d+/.test(document.querySelector("#viewer-status").textContent) || document.querySelector("#viewer-error").textContent);
    check(!(await page.textContent("#viewer-error")), "GetRecords from the viewer succeeded");
    found = await page.locator("#records-table pre.record-data", { hasText: marker }).count() > 0;
    if (!found) {
      if (await page.isDisabled("#viewer-next")) break;
      const before = await page.textContent("#viewer-status");
      await page.click("#viewer-next");
      await page.waitForFunction((b) => document.querySelector("#viewer-status").textContent !== b
        || document.querySelector("#viewer-error").textContent, before);
      // Paging faster than 5 GetRecords per second per shard is throttled, as in Kinesis: wait, and page on.
      for (let retry = 0; retry < 10 && (await page.textContent("#viewer-error")).startsWith("ProvisionedThroughputExceededException"); retry++) {
        await new Promise((r) => setTimeout(r, 1000));
        await page.click("#viewer-next");
        await page.waitForFunction((b) => document.querySelector("#viewer-status").textContent !== b
          || document.querySelector("#viewer-error").textContent, before);
      }
    }
  }
  check(found, `the data viewer shows the record put on ${put.ShardId}`);
  const rowText = await page.locator("#records-table tr.record", { hasText: marker }).locator("td").first().textContent();
  check(rowText === put.SequenceNumber, "with the sequence number PutRecord returned");
  await page.check("#viewer-hex");
  if (process.env.CONSOLE_DEBUG) console.error(await page.locator("pre.record-data").first().textContent(), hexProbe(marker));
  const hex = Buffer.from(marker.slice(0, 16)).toString("hex").match(/../g).join(" ");
  await page.waitForFunction((x) => [...document.querySelectorAll("pre.record-data")].some((p) => p.textContent.includes(x)), hex);
  check(true, "the hex view shows the record's bytes");
  await page.check("#viewer-text");
  await page.locator("#records-table tr.record", { hasText: marker }).scrollIntoViewIfNeeded();
  await shot(page, "data-viewer");

  // Firehose: the page agrees with the API, whether this server has Firehose or not. Where it has, two delivery
  // streams: one that delivers to the directory store, one whose HTTP endpoint refuses connections (retry duration 0,
  // so its records go to the error output at once); the page shows the delivered count and the last error.
  const firehose = await api("ListDeliveryStreams", {}, "Firehose_20150804");
  if (firehose.status !== 200 && firehose.body.__type === "UnknownOperationException") {
    await page.goto(new URL("/console/#/firehose", base).href);
    await page.waitForSelector("#firehose-unavailable");
    check((await page.textContent("#firehose-unavailable")) === "Firehose is not available on this server.", "the Firehose page says Firehose is not available");
  } else {
    check(firehose.status === 200, `ListDeliveryStreams answered ${firehose.status}`);
    const suffix = randomUUID().slice(0, 8);
    const delivering = `console-delivers-${suffix}`;
    const failing = `console-fails-${suffix}`;
    const closedPort = await freePort();
    await firehoseOk("CreateDeliveryStream", {
      DeliveryStreamName: delivering,
      ExtendedS3DestinationConfiguration: {
        RoleARN: "arn:aws:iam::000000000000:role/console", BucketARN: `arn:aws:s3:::console-${suffix}`, CompressionFormat: "GZIP", Prefix: "events/",
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
      },
    });
    await firehoseOk("CreateDeliveryStream", {
      DeliveryStreamName: failing,
      HttpEndpointDestinationConfiguration: {
        EndpointConfiguration: { Url: `http://127.0.0.1:${closedPort}/ingest`, Name: "unreachable" },
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
        RetryOptions: { DurationInSeconds: 0 },
        S3Configuration: { RoleARN: "arn:aws:iam::000000000000:role/console", BucketARN: `arn:aws:s3:::console-errors-${suffix}` },
      },
    });
    const records = Array.from({ length: 25 }, (_, i) => ({ Data: Buffer.from(`{"event":${i}}\n`).toString("base64") }));
    for (const name of [delivering, failing]) {
      const put = await firehoseOk("PutRecordBatch", { DeliveryStreamName: name, Records: records });
      check(put.FailedPutCount === 0, `PutRecordBatch of 25 records to ${name} succeeded`);
    }
    await page.goto(new URL("/console/#/firehose", base).href);
    await page.waitForFunction(() => (document.querySelector("#firehose-content")?.children.length ?? 0) > 0);
    const listed = (await api("ListDeliveryStreams", {}, "Firehose_20150804")).body.DeliveryStreamNames;
    for (const n of listed) await page.waitForSelector(`[data-delivery-stream="${n}"]`);
    check(listed.includes(delivering) && listed.includes(failing), `the Firehose page lists ${listed.length} delivery streams`);

    // The page refreshes every 5 s: wait for the deliveries to show, then compare with DescribeDeliveryStream.
    const ok = `[data-delivery-stream="${delivering}"]`;
    const bad = `[data-delivery-stream="${failing}"]`;
    await page.waitForSelector(`${ok} dd[data-stat="delivered"][data-value="25"]`, { timeout: 60000 });
    await page.waitForSelector(`${bad} tr.recent-error`, { timeout: 60000 });
    await page.waitForSelector(`${bad} dd[data-stat="error-output"][data-value="25"]`, { timeout: 60000 });
    const okStats = (await firehoseOk("DescribeDeliveryStream", { DeliveryStreamName: delivering })).DeliveryStreamDescription.DeliveryStatistics;
    const badStats = (await firehoseOk("DescribeDeliveryStream", { DeliveryStreamName: failing })).DeliveryStreamDescription.DeliveryStatistics;
    check(okStats.DeliveredRecords === 25 && okStats.BacklogRecords === 0, `the API agrees: 25 delivered, backlog 0 (${JSON.stringify(okStats)})`);
    check((await page.textContent(`${ok} dd[data-stat="destination"]`)) === "S3", "the delivering stream's destination is S3");
    check((await page.textContent(`${ok} dd[data-stat="delivered"]`)).startsWith("25 records"), "the page shows 25 records delivered");
    check(await page.getAttribute(`${ok} dd[data-stat="backlog"]`, "data-value") === "0", "the page shows an empty backlog");
    check(await page.locator(`${ok} .no-errors`).count() === 1, "the delivering stream shows no errors");
    check(badStats.FailedDeliveryAttempts === 1 && badStats.RecentErrors.length === 1, `the API agrees: 1 failed attempt, 1 error (${JSON.stringify(badStats)})`);
    check((await page.textContent(`${bad} dd[data-stat="destination"]`)) === "HttpEndpoint", "the failing stream's destination is HttpEndpoint");
    check(await page.getAttribute(`${bad} dd[data-stat="failed"]`, "data-value") === "1", "the page shows 1 failed attempt");
    check((await page.textContent(`${bad} dd[data-stat="error-output"]`)).startsWith("http-endpoint-failed: 25 records in 1 buffer"),
      "the page shows 25 records sent to http-endpoint-failed");
    const errorCells = await page.locator(`${bad} tr.recent-error td`).allTextContents();
    check(errorCells[1] === "HttpEndpoint" && errorCells[2] === badStats.RecentErrors[0].ErrorCode && errorCells[2] === "HttpEndpoint.ConnectionFailed"
      && errorCells[3].includes(`127.0.0.1:${closedPort}`), `the last error shows destination, code and message (${errorCells.join(" | ")})`);
    await page.locator(bad).scrollIntoViewIfNeeded();
  }
  await shot(page, "firehose");
  await ok("DeleteStream", { StreamName: name });
}

async function firehoseOk(operation, input) {
  const r = await api(operation, input, "Firehose_20150804");
  if (r.status !== 200) throw new Error(`${operation} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A loopback port nothing listens on (bound, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function authFlow(page) {
  // Unsigned calls are refused: the console cannot lean on an unauthenticated path.
  const unsigned = await api("ListStreams", {});
  check(unsigned.status === 400 && unsigned.body.__type === "MissingAuthenticationTokenException", "an unsigned ListStreams is refused");
  const unsignedMetrics = await fetch(new URL("/console/api/metrics", base));
  check(unsignedMetrics.status === 400, `unsigned GET /console/api/metrics is refused (${unsignedMetrics.status})`);

  await page.goto(new URL("/console/", base).href);
  await page.waitForSelector("#auth-dialog[open]");
  await page.fill("#auth-key", auth.accessKeyId);
  await page.fill("#auth-secret", auth.secretAccessKey + "-wrong");
  await page.click("#auth-ok");
  await page.waitForFunction(() => document.querySelector("#auth-error").textContent.length > 0);
  const refused = await page.textContent("#auth-error");
  check(refused.startsWith("InvalidSignatureException"), `a wrong secret is refused by the server (${refused})`);
  check((await page.textContent("#who")) === "Not signed in", "the header says no key is in use");
  await shot(page, "sign-in");
  await page.fill("#auth-secret", auth.secretAccessKey);
  await page.click("#auth-ok");
  await page.waitForSelector("#auth-dialog[open]", { state: "detached" });
  await page.waitForSelector("#streams-table");
  check((await page.textContent("#who")).includes(auth.accessKeyId), "the header names the signed-in key");

  // Create through the form (signed in the browser), then see it listed.
  const name = `console-auth-${randomUUID().slice(0, 8)}`;
  await page.goto(new URL("/console/#/create", base).href);
  await page.fill("#stream-name", name);
  await page.fill("#shard-count", "2");
  await page.click("#create-submit");
  await page.waitForURL(new RegExp(`#/streams/${name}$`));
  await page.waitForFunction(() => document.querySelector("#summary-status")?.textContent === "ACTIVE");
  check(await page.locator('#shard-map g[data-state="OPEN"]').count() === 2, "the signed detail page draws 2 open shards");
  await page.waitForSelector("#consumers-table tbody td");
  const consumersText = await page.textContent("#consumers-table tbody");
  check(!consumersText.includes("unavailable"), `the consumers table loads with a signed request (${consumersText})`);

  // A record put with the console's signer is read back in the data viewer.
  const marker = `signed record ${randomUUID()}`;
  const put = await page.evaluate(async ([n, m]) => {
    const api = await import("/console/js/api.js");
    return api.kinesis("PutRecord", { StreamName: n, Data: btoa(m), PartitionKey: "p" });
  }, [name, marker]);
  await page.goto(new URL(`/console/#/streams/${name}/data`, base).href);
  await page.waitForSelector("#viewer-shard");
  await page.selectOption("#viewer-shard", put.ShardId);
  await page.click("#viewer-start");
  await page.waitForSelector(`#records-table pre.record-data:has-text("${marker}")`);
  check(true, "the data viewer reads the record with signed GetShardIterator and GetRecords");
  await page.goto(new URL("/console/#/streams", base).href);
  await page.waitForSelector(`tr[data-stream="${name}"]`);
  check(true, "the signed streams list shows the stream (with signed metrics)");

  // Signing out forgets the key; the next call asks again.
  await page.click("#who button");
  await page.waitForSelector("#auth-dialog[open]");
  check(await page.evaluate(() => sessionStorage.length) === 0, "signing out removes the key from the tab");
}
function hexProbe(m) { return Buffer.from(m.slice(0, 16)).toString("hex").match(/../g).join(" "); }

// The console's one way to the server: the Kinesis (and Firehose) JSON protocol on POST /, exactly as the AWS CLI
// sends it, signed with SigV4 when the server checks signatures. Credentials live in sessionStorage (this tab only).
import { sign } from "./sigv4.js";

const JSON_TYPE = "application/x-amz-json-1.1";
const CREDENTIALS_KEY = "actorstreams.console.credentials";

let config = null;

/** An error answered by the server: `type` is the AWS error code (`__type`), `message` its text. */
export class ApiError extends Error {
  constructor(type, message, status) {
    super(message);
    this.type = type;
    this.status = status;
  }
  toString() { return `${this.type}: ${this.message}`; }
}

export async function loadConfig() {
  if (!config) {
    const response = await fetch("api/config", { cache: "no-store" });
    config = await response.json();
  }
  return config;
}

export function credentials() {
  try { return JSON.parse(sessionStorage.getItem(CREDENTIALS_KEY) || "null"); } catch { return null; }
}

export function setCredentials(value) {
  if (value) sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(CREDENTIALS_KEY);
}

/** Errors that mean "the key is missing or wrong": the page asks for credentials again. */
export const AUTH_ERRORS = new Set([
  "MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException",
  "IncompleteSignatureException", "AccessDeniedException",
]);

let onAuthRequired = () => {};
export function setAuthHandler(handler) { onAuthRequired = handler; }

async function signedHeaders(method, path, query, headers, body, service) {
  const cfg = await loadConfig();
  if (!cfg.authEnabled) return headers;
  const creds = credentials();
  if (!creds) {
    onAuthRequired();
    throw new ApiError("MissingAuthenticationTokenException", "Sign in with an access key to use this server.", 400);
  }
  return sign({
    method, path, query, headers, body, host: location.host, region: creds.region || "us-east-1", service,
    accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey,
  });
}

async function send(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : {}; } catch { body = null; }
  if (!response.ok) {
    const type = (body && body.__type) || response.headers.get("x-amzn-ErrorType") || `HTTP ${response.status}`;
    const message = (body && (body.message || body.Message)) || text || response.statusText;
    const error = new ApiError(String(type).split(":")[0].split("#").pop(), message, response.status);
    if (AUTH_ERRORS.has(error.type)) onAuthRequired(error);
    throw error;
  }
  if (body === null) throw new ApiError("SerializationException", `The server answered something that is not JSON: ${text.slice(0, 200)}`, response.status);
  return body;
}

/** Calls `Kinesis_20131202.<operation>` (or another target prefix) with a JSON body. */
export async function call(operation, input = {}, { target = "Kinesis_20131202", service = "kinesis" } = {}) {
  const body = JSON.stringify(input);
  const headers = await signedHeaders("POST", "/", {}, { "Content-Type": JSON_TYPE, "X-Amz-Target": `${target}.${operation}` }, body, service);
  return send("/", { method: "POST", headers, body, cache: "no-store" });
}

export const kinesis = (operation, input) => call(operation, input);
export const firehose = (operation, input) => call(operation, input, { target: "Firehose_20150804", service: "firehose" });

/** This node's per-shard throughput counters (signed like any request when authentication is on). */
export async function metrics(streamName) {
  const path = "/console/api/metrics";
  const query = streamName ? { stream: streamName } : {};
  const headers = await signedHeaders("GET", path, query, {}, "", "kinesis");
  const qs = streamName ? `?stream=${encodeURIComponent(streamName)}` : "";
  return send(path + qs, { method: "GET", headers, cache: "no-store" });
}

/** The consumers of a stream and their lag per shard, gathered from every node (signed like `metrics`). */
export async function consumerLag(streamName) {
  const path = "/console/api/consumers";
  const headers = await signedHeaders("GET", path, { stream: streamName }, {}, "", "kinesis");
  return send(`${path}?stream=${encodeURIComponent(streamName)}`, { method: "GET", headers, cache: "no-store" });
}

/** When each shard of a stream opened and closed (signed like `metrics`); ListShards does not say. */
export async function shardTimes(streamName) {
  const path = "/console/api/shard-times";
  const headers = await signedHeaders("GET", path, { stream: streamName }, {}, "", "kinesis");
  return send(`${path}?stream=${encodeURIComponent(streamName)}`, { method: "GET", headers, cache: "no-store" });
}

/** The shard estimator (no data, no signature needed). */
export async function estimateShards(averageRecordSizeKiB, recordsPerSecond, consumers) {
  return send("/estimate-shards", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ averageRecordSizeKiB, recordsPerSecond, consumers }),
  });
}

/** Every page of a paginated list operation. */
export async function all(operation, input, listKey, tokenIn = "NextToken") {
  const items = [];
  let request = { ...input };
  for (let page = 0; page < 1000; page++) {
    const reply = await kinesis(operation, request);
    items.push(...(reply[listKey] || []));
    if (!reply.NextToken) break;
    request = tokenIn === "NextToken" && operation === "ListShards" ? { NextToken: reply.NextToken } : { ...input, [tokenIn]: reply.NextToken };
  }
  return items;
}

// The console's own SHA-256 and HMAC-SHA256 (used where WebCrypto is missing: plain http to a host other than
// localhost) against node's crypto, including the FIPS 180-4 "abc" vector.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { sha256Fallback, hmacFallback } from "../../src/ActorStreams.Server/Console/wwwroot/js/sigv4.js";

const hex = (b) => Buffer.from(b).toString("hex");
let checks = 0;
for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_000]) {
  const data = randomBytes(length);
  const expected = createHash("sha256").update(data).digest("hex");
  if (hex(sha256Fallback(new Uint8Array(data))) !== expected) throw new Error(`sha256 of ${length} bytes differs`);
  for (const keyLength of [0, 20, 64, 65, 200]) {
    const key = randomBytes(keyLength);
    const mac = createHmac("sha256", key).update(data).digest("hex");
    if (hex(hmacFallback(new Uint8Array(key), new Uint8Array(data))) !== mac) throw new Error(`hmac (${keyLength}-byte key, ${length} bytes) differs`);
    checks++;
  }
}
if (hex(sha256Fallback(new TextEncoder().encode("abc"))) !== "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  throw new Error("sha256('abc') is not the FIPS 180-4 test vector");
console.log(JSON.stringify({ ok: true, checks: checks + 1 }, null, 2));

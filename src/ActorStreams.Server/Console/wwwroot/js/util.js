// Small DOM and formatting helpers shared by the pages.

/** h("div.panel#id", {title: "x", onclick: f}, child, "text", [more]) builds an element; classes after dots, id after #. */
export function h(tag, attrs, ...children) {
  const parts = tag.match(/[#.]?[^#.]+/g);
  const el = document.createElement(parts[0]);
  const classes = parts.filter((p) => p[0] === ".").map((p) => p.slice(1));
  const id = parts.find((p) => p[0] === "#");
  if (classes.length) el.className = classes.join(" ");
  if (id) el.id = id.slice(1);
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className += (el.className ? " " : "") + v;
    else if (k in el && k !== "list" && k !== "form") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

const SVG_NS = "http://www.w3.org/2000/svg";
/** An SVG element with attributes. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function rate(value, digits = 1) {
  if (!Number.isFinite(value)) return "-";
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);
}

export function mb(bytesPerSecond) {
  return rate(bytesPerSecond / 1e6, 3);
}

export function time(epochSeconds) {
  if (epochSeconds === undefined || epochSeconds === null) return "-";
  return new Date(epochSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function shortShard(id) {
  return id.replace(/^shardId-0*/, "#").replace(/^#$/, "#0");
}

export const MAX_HASH = (1n << 128n) - 1n;

/** Per-second series of the last N complete seconds (the newest bucket is still filling, so it is left out). */
export function average(series, seconds = 10) {
  if (!series || series.length < 2) return 0;
  const complete = series.slice(0, -1).slice(-seconds);
  return complete.reduce((a, b) => a + b, 0) / complete.length;
}

export function base64ToBytes(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

export function bytesToText(bytes) {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

export function bytesToHex(bytes) {
  const lines = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const chunk = bytes.slice(off, off + 16);
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(chunk, (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${off.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

export function errorText(e) {
  return e && e.type ? `${e.type}: ${e.message}` : String(e && e.message ? e.message : e);
}

// Create data stream, with the shard estimator beside the form (live as the user types, POST /estimate-shards).
import { kinesis, estimateShards } from "../api.js";
import { h, errorText } from "../util.js";

const DEBOUNCE_MS = 250;

export async function createPage() {
  const name = h("input#stream-name", { name: "StreamName", required: true, placeholder: "my-data-stream", autocomplete: "off" });
  const provisioned = h("input#mode-provisioned", { type: "radio", name: "mode", value: "PROVISIONED", checked: true });
  const onDemand = h("input#mode-on-demand", { type: "radio", name: "mode", value: "ON_DEMAND" });
  const shards = h("input#shard-count", { type: "number", name: "ShardCount", value: "1", min: "1", step: "1" });
  const formError = h("p.error#create-error", { role: "alert" });
  const submit = h("button.primary#create-submit", { type: "submit" }, "Create data stream");

  const size = h("input#est-size", { type: "number", value: "1", min: "0", step: "any" });
  const recs = h("input#est-records", { type: "number", value: "1000", min: "0", step: "1" });
  const consumers = h("input#est-consumers", { type: "number", value: "1", min: "1", step: "1" });
  const estimate = h("div.estimate#est-shards", "-");
  const breakdown = h("div#est-breakdown.hint");
  const estError = h("p.error#est-error", { role: "alert" });
  const use = h("button#est-use", { type: "button", disabled: true }, "Use this estimate");
  let estimated = null;

  const modeChanged = () => { shards.disabled = onDemand.checked; };
  provisioned.addEventListener("change", modeChanged);
  onDemand.addEventListener("change", modeChanged);

  let debounce = null;
  let sequence = 0;
  async function runEstimate() {
    const mine = ++sequence;
    try {
      const r = await estimateShards(size.value === "" ? null : Number(size.value), recs.value === "" ? null : Number(recs.value),
        consumers.value === "" ? null : Number(consumers.value));
      if (mine !== sequence) return;
      estimated = r.Shards;
      estimate.textContent = String(r.Shards);
      const b = r.Breakdown;
      breakdown.replaceChildren(
        h("div", `Incoming ${b.IncomingKiBPerSecond.toLocaleString("en-US")} KiB/s, outgoing ${b.OutgoingKiBPerSecond.toLocaleString("en-US")} KiB/s`),
        h("div", `Shards for write bytes ${b.ForWriteBytes}, write records ${b.ForWriteRecords}, read bytes ${b.ForReadBytes}`),
        h("div", r.DecidedBy.length ? `Decided by: ${r.DecidedBy.join(", ")}` : "Decided by the minimum of one shard"));
      estError.textContent = "";
      use.disabled = false;
    } catch (e) {
      if (mine !== sequence) return;
      estimated = null;
      estimate.textContent = "-";
      breakdown.replaceChildren();
      estError.textContent = errorText(e);
      use.disabled = true;
    }
  }
  for (const input of [size, recs, consumers]) {
    input.addEventListener("input", () => { clearTimeout(debounce); debounce = setTimeout(runEstimate, DEBOUNCE_MS); });
  }
  use.addEventListener("click", () => {
    if (estimated === null) return;
    provisioned.checked = true;
    modeChanged();
    shards.value = String(estimated);
  });

  const form = h("form#create-form", { noValidate: true },
    h("label", "Data stream name", name),
    h("p.hint", "1-128 characters: letters, digits, hyphen, underscore and period."),
    h("label", "Capacity mode"),
    h("div.radio", h("label", provisioned, "Provisioned"), h("label", onDemand, "On-demand")),
    h("label", "Number of open shards", shards),
    formError,
    submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.textContent = "";
    const input = { StreamName: name.value, StreamModeDetails: { StreamMode: onDemand.checked ? "ON_DEMAND" : "PROVISIONED" } };
    if (!onDemand.checked) {
      // Sent as typed: the API's own validation message is the one shown.
      input.ShardCount = shards.value === "" ? undefined : Number(shards.value);
    }
    submit.disabled = true;
    try {
      await kinesis("CreateStream", input);
      location.hash = `#/streams/${encodeURIComponent(name.value)}`;
    } catch (e) {
      formError.textContent = errorText(e);
    } finally {
      submit.disabled = false;
    }
  });

  const element = h("div",
    h("h1", "Create data stream"),
    h("div.row",
      h("div.panel", h("h2", "Data stream configuration"), form),
      h("div.panel#estimator",
        h("h2", "Shard estimator"),
        h("p.hint", "Estimate the open shards the stream needs from its expected traffic (1 MiB/s and 1,000 records/s in, 2 MiB/s out per shard, per consumer)."),
        h("label", "Average record size (KiB)", size),
        h("label", "Maximum records written per second", recs),
        h("label", "Total number of consumers", consumers),
        h("p", "Estimated number of open shards"),
        estimate, breakdown, estError, use)));
  runEstimate();
  return { element };
}

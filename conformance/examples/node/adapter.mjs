#!/usr/bin/env node
// A conformance adapter written without mobb-sdk: Node.js 20 and its standard library only (no npm install).
//
// It stands for a vendor's own product in another language: it reads one request of the adapter protocol
// (mobb-conformance/1) as JSON on stdin and writes the response as JSON on stdout. Document mode builds the
// batch XML from strings; live mode speaks ebms-core's REST API (POST /ebms/messages, events and results)
// and the WUS ValidateAbonnementen SOAP service of the simulator, as a product would speak to its own MSH.
//
//   mobb conformance run --adapter "cmd:node conformance/examples/node/adapter.mjs"
//
// The rules it applies are those of the interface spec (rule ids BATCH-nn, BER-nn, BIJ-nn, ABO-nn, RES-nn).

import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

const BVS = "http://schemas.rdw.nl/GEB/BerichtVerwerkService/Types/2009/01";
const BER = "http://schemas.rdw.nl/GEB/BerichtenProsessor/Bericht/Types/2009/01";
const SERVICE = "urn:osb:services:MIJNOVERHEID.ebMS.BB.2.0";
const REQUEST_ACTION = "GLOBE-R-BV-Request";
const RESULT_ACTION = "GLOBE-R-BV-Result";
const SOAP_ACTION =
  "http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/2009/01/IBerichtenboxValidatieService/ValidateAbonnementen";
const NIL_GUID = "00000000-0000-0000-0000-000000000000";
const DAY = 24 * 3600 * 1000;
const MAX_LETTERS = 1000; // BATCH-01
const MAX_BATCH_BYTES = 100_000_000; // BATCH-02
const MAX_ATTACHMENT_BYTES = 500_000; // BIJ-03
const OIN_PREFIXES = ["00000001", "00000002", "00000003", "00000004", "00000006", "00000007", "00000008",
  "00000009", "00000010", "00000011", "00000099"];
const INLINE_LIMIT = 1_000_000;

class Refusal extends Error {
  constructor(rule, reason, field) {
    super(reason);
    this.rule = rule;
    this.field = field;
  }
}

// --- the rules -------------------------------------------------------------------------------------------

const chars = (s) => [...s].length; // characters (code points), not bytes or UTF-16 units

function elfproef(bsn) {
  if (!/^[0-9]{9}$/.test(bsn)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (9 - i) * Number(bsn[i]);
  return (sum - Number(bsn[8])) % 11 === 0;
}

function checkOin(oin) {
  if (typeof oin !== "string" || oin.length !== 20 || !OIN_PREFIXES.includes(oin.slice(0, 8))) {
    throw new Refusal("BATCH-05", `OIN ${oin} is not 20 positions with a known prefix`, "sender_oin");
  }
}

// BER-06: a line break is the literal four characters \r\n.
const encodeText = (text) => text.replace(/\r\n|\r|\n/g, "\\r\\n");

function checkUrls(text, field) {
  // BER-07: every URL has a space (or the start/end of the text) before and after it.
  const spans = [];
  for (const re of [/https?:\/\/\S+/gi, /(?<![\w.@/-])www\.\S+/gi]) {
    for (const m of text.matchAll(re)) spans.push([m.index, m.index + m[0].length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let last = -1;
  for (const [start, end] of spans) {
    if (start < last) continue;
    last = end;
    const before = start > 0 ? text[start - 1] : "";
    const after = end < text.length ? text[end] : "";
    const url = text.slice(start, end);
    if (!["", " ", "\t"].includes(before) || !["", " ", "\t"].includes(after) || /[.,;:!?)\]}>'"’”»]$/.test(url)) {
      throw new Refusal("BER-07", `the URL ${url} must have a space before and after it`, field);
    }
  }
}

function checkAttachment(bytes, item, field) {
  if (bytes.length === 0) throw new Refusal("BIJ-06", "an attachment is empty", field);
  if (bytes.subarray(0, 5).toString("latin1") !== "%PDF-") {
    throw new Refusal("BIJ-02", `attachment ${item.omschrijving} is not a PDF`, field);
  }
  if (bytes.includes(Buffer.from("/Encrypt"))) {
    throw new Refusal("BIJ-02", `attachment ${item.omschrijving} is an encrypted PDF`, field);
  }
  const n = chars(item.omschrijving ?? "");
  if (n < 1 || n > 128) throw new Refusal("BIJ-04", `Omschrijving is ${n} characters; 1..128 allowed`, field);
}

// A letter of the request as this product holds it, or a Refusal naming the rule it breaks.
function letterFrom(letter, i, now, workdir) {
  const f = (name) => `letters[${i}].${name}`;
  const bsn = String(letter.bsn); // a BSN is text: 010000008 keeps its zero
  if (!elfproef(bsn)) throw new Refusal("BER-09", "GebruikerID is not a 9-digit BSN passing the elfproef", f("bsn"));
  const type = letter.bericht_type;
  if (chars(type) < 1 || chars(type) > 8) throw new Refusal("BER-02", `BerichtType ${type} is not 1..8 characters`, f("bericht_type"));
  const onderwerp = letter.onderwerp;
  if (chars(onderwerp) < 1 || chars(onderwerp) > 50) {
    throw new Refusal("BER-05", `Onderwerp is ${chars(onderwerp)} characters; 1..50 allowed`, f("onderwerp"));
  }
  let tekst = null;
  if (letter.bericht_tekst !== undefined) {
    checkUrls(letter.bericht_tekst, f("bericht_tekst"));
    tekst = encodeText(letter.bericht_tekst);
    if (chars(tekst) > 4000) throw new Refusal("BER-06", `BerichtTekst is ${chars(tekst)} characters encoded; at most 4000`, f("bericht_tekst"));
  }
  if (letter.referentie !== undefined && chars(letter.referentie) > 25) {
    throw new Refusal("BER-08", `Referentie is ${chars(letter.referentie)} characters; at most 25`, f("referentie"));
  }
  if (letter.publicatie_datum !== undefined && Date.parse(letter.publicatie_datum) - now > 13 * DAY) {
    throw new Refusal("BER-03", "PublicatieDatum is more than 13 days after delivery", f("publicatie_datum"));
  }
  const items = letter.attachments ?? [];
  if (items.length > 2) throw new Refusal("BIJ-01", `${items.length} attachments; at most 2`, f("attachments"));
  const attachments = items.map((item, j) => {
    const bytes = item.content_base64 !== undefined
      ? Buffer.from(item.content_base64, "base64")
      : readFileSync(isAbsolute(item.path) ? item.path : join(workdir, item.path));
    checkAttachment(bytes, item, `${f("attachments")}[${j}]`);
    return { bytes, omschrijving: item.omschrijving };
  });
  const total = attachments.reduce((n, a) => n + a.bytes.length, 0);
  if (total > MAX_ATTACHMENT_BYTES) throw new Refusal("BIJ-03", `attachments are ${total} bytes together; at most 500000`, f("attachments"));
  return {
    ref: letter.ref, bsn, type, onderwerp, tekst, attachments,
    referentie: letter.referentie, publicatie: letter.publicatie_datum,
    eind: letter.eind_datum_handelings_termijn, berichtId: randomUUID(),
  };
}

// --- the batch XML, built from strings -------------------------------------------------------------------

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const el = (name, value) => `<ber:${name}>${esc(value)}</ber:${name}>`;

function berichtXml(l, batchId) {
  let info = el("BatchID", batchId) + el("BerichtID", l.berichtId) + el("BerichtType", l.type);
  if (l.publicatie !== undefined) info += el("PublicatieDatum", l.publicatie);
  if (l.eind !== undefined) info += el("EindDatumHandelingsTermijn", l.eind);
  info += el("Onderwerp", l.onderwerp);
  if (l.tekst !== null) info += el("BerichtTekst", l.tekst);
  if (l.referentie !== undefined) info += el("Referentie", l.referentie);
  info += el("GebruikerID", l.bsn) + el("SoortGebruiker", "Burger");
  let bijlagen = "";
  if (l.attachments.length) {
    bijlagen = "<ber:Bijlagen>" + l.attachments.map((a, i) =>
      "<ber:Bijlage>" + el("Inhoud", a.bytes.toString("base64")) + el("BijlageType", "Pdf") +
      el("Omschrijving", a.omschrijving) + el("Volgorde", i + 1) + "</ber:Bijlage>").join("") + "</ber:Bijlagen>";
  }
  return `<ber:Bericht><ber:BerichtInformatie>${info}</ber:BerichtInformatie>${bijlagen}</ber:Bericht>`;
}

function batchXml(batch) {
  const head = `<?xml version="1.0" encoding="UTF-8"?><bvs:Berichten xmlns:bvs="${BVS}" xmlns:ber="${BER}">` +
    `<bvs:BatchInformatie><bvs:BatchID>${batch.id}</bvs:BatchID><bvs:AanmaakDatum>${esc(batch.aanmaak)}</bvs:AanmaakDatum>` +
    `<bvs:BerichtLeverancierID>${esc(batch.leverancier)}</bvs:BerichtLeverancierID></bvs:BatchInformatie>`;
  return Buffer.from(head + batch.letters.map((l) => berichtXml(l, batch.id)).join("") + "</bvs:Berichten>", "utf8");
}

// Batches of at most 1000 letters and 100,000,000 bytes (BATCH-01, BATCH-02); every letter once.
function split(letters, leverancier, aanmaak) {
  const batches = [];
  let current = null;
  let size = 0;
  const room = 2000; // the batch header and root element
  for (const l of letters) {
    const id = current ? current.id : randomUUID();
    const bytes = Buffer.byteLength(berichtXml(l, id), "utf8");
    if (!current || current.letters.length === MAX_LETTERS || size + bytes + room > MAX_BATCH_BYTES) {
      current = { id: randomUUID(), letters: [], leverancier, aanmaak };
      batches.push(current);
      size = 0;
    }
    current.letters.push(l);
    size += bytes;
  }
  return batches;
}

// --- document mode ---------------------------------------------------------------------------------------

function documentMode(request, workdir) {
  const moment = Date.parse(request.delivery_moment);
  checkOin(request.sender_oin);
  const letters = request.letters.map((letter, i) => letterFrom(letter, i, moment, workdir));
  const active = request.active_bericht_types;
  letters.forEach((l, i) => {
    if (active && !active.includes(l.type)) {
      throw new Refusal("BER-02", `BerichtType ${l.type} is not active for this sender`, `letters[${i}].bericht_type`);
    }
  });
  // BATCH-04: a batch made more than 13 days before delivery is rebuilt with a current AanmaakDatum.
  let aanmaak = request.aanmaak_datum;
  if (aanmaak === undefined || moment - Date.parse(aanmaak) > 13 * DAY) aanmaak = new Date(moment).toISOString();
  return split(letters, request.sender_oin, aanmaak).map((batch, n) => {
    const xml = batchXml(batch);
    if (xml.length <= INLINE_LIMIT) return { xml_base64: xml.toString("base64") };
    const path = resolve(workdir, `${request.case_id}.${n + 1}.xml`);
    writeFileSync(path, xml);
    return { path };
  });
}

// --- live mode: ebms-core REST and WUS -------------------------------------------------------------------

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function withRetries(what, attempt, retries, delay) {
  for (let i = 0; ; i++) {
    try {
      const response = await attempt();
      if (response.status < 500 || i >= retries) return response;
    } catch (error) {
      if (i >= retries) throw new Error(`${what} failed: ${error.message}`);
    }
    await sleep(delay);
  }
}

function soapRequest(leverancier, type, bsns) {
  const klanten = bsns.map((b) => `<sh:Klant><sh:Key>${b}</sh:Key><sh:Rol>Burger</sh:Rol></sh:Klant>`).join("");
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
    `<val:ValidateAbonnementen xmlns:val="http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/2009/01" ` +
    `xmlns:valt="http://schemas.rdw.nl/GEB/BerichtenboxValidatieService/Types/2009/01" ` +
    `xmlns:sh="http://schemas.rdw.nl/GEB/Shared/Types/2009/01"><val:validateAbonnementenAanvraag>` +
    `<valt:berichtleverancierCode>${leverancier}</valt:berichtleverancierCode><valt:berichtTypeCode>${esc(type)}</valt:berichtTypeCode>` +
    `<valt:klanten>${klanten}</valt:klanten></val:validateAbonnementenAanvraag></val:ValidateAbonnementen></s:Body></s:Envelope>`;
}

// ABO-01, ABO-02: may each BSN receive letters of this type? At most 250 BSNs per call.
async function subscriptions(request, type, bsns, retries, delay) {
  const answers = new Map();
  const unique = [...new Set(bsns)];
  for (let i = 0; i < unique.length; i += 250) {
    const chunk = unique.slice(i, i + 250);
    const response = await withRetries("ValidateAbonnementen", () => fetch(request.endpoints.wus_url, {
      method: "POST",
      headers: { "Content-Type": "text/xml; charset=utf-8", SOAPAction: `"${SOAP_ACTION}"` },
      body: soapRequest(request.sender_oin, type, chunk),
    }), retries, delay);
    const body = await response.text();
    if (response.status !== 200) throw new Error(`ValidateAbonnementen answered HTTP ${response.status}`);
    for (const m of body.matchAll(/<(?:\w+:)?Abonnement(?:\s[^>]*)?>([\s\S]*?)<\/(?:\w+:)?Abonnement>/g)) {
      const key = /<(?:\w+:)?Key>([^<]*)</.exec(m[1]);
      const may = /<(?:\w+:)?isBerichtSturen>([^<]*)</.exec(m[1]);
      if (key) answers.set(key[1].trim(), may !== null && may[1].trim() === "true");
    }
  }
  return answers;
}

function ebms(request) {
  const e = request.endpoints;
  const base = e.ebms_url.replace(/\/$/, "");
  const query = (params) => new URLSearchParams(params).toString();
  return {
    send: (batchId, xml) => fetch(`${base}/ebms/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        properties: { cpaId: e.cpa_id, fromPartyId: e.party_id, fromRole: "SR", toPartyId: e.logius_party_id,
          toRole: "SP", service: SERVICE, action: REQUEST_ACTION, conversationId: batchId },
        dataSources: [{ name: "batch.xml", contentType: "text/xml", content: xml.toString("base64") }],
      }),
    }),
    resend: (id) => fetch(`${base}/ebms/messages/${encodeURIComponent(id)}`, { method: "PUT" }),
    failedEvents: () => fetch(`${base}/ebms/events/unprocessed?${query([["cpaId", e.cpa_id],
      ["fromPartyId", e.party_id], ["service", SERVICE], ["action", REQUEST_ACTION],
      ["eventTypes", "FAILED"], ["eventTypes", "EXPIRED"]])}`),
    ackEvent: (id) => fetch(`${base}/ebms/events/${encodeURIComponent(id)}`, { method: "PATCH" }),
    results: () => fetch(`${base}/ebms/messages/unprocessed?${query([["cpaId", e.cpa_id],
      ["fromPartyId", e.logius_party_id], ["toPartyId", e.party_id], ["service", SERVICE], ["action", RESULT_ACTION]])}`),
    message: (id) => fetch(`${base}/ebms/messages/${encodeURIComponent(id)}?process=false`),
    ack: (id) => fetch(`${base}/ebms/messages/${encodeURIComponent(id)}`, { method: "PATCH" }),
  };
}

// The per-letter lines of a BerichtVerwerkResponse (its children are unqualified), or null when unreadable.
function readResult(xml) {
  if (!/<\/(?:\w+:)?BerichtVerwerkResponse>\s*$/.test(xml)) return null;
  const batch = /<BatchInformatie>[\s\S]*?<BatchID>([^<]*)<\/BatchID>/.exec(xml);
  const lines = [];
  for (const m of xml.matchAll(/<(?:\w+:)?Bericht(?:\s[^>]*)?>([\s\S]*?)<\/(?:\w+:)?Bericht>/g)) {
    const id = /<BerichtID>([^<]*)<\/BerichtID>/.exec(m[1]);
    const code = /<VerwerkingsCode>([^<]*)<\/VerwerkingsCode>/.exec(m[1]);
    if (!id || !code) return null;
    lines.push({ berichtId: id[1].trim().toLowerCase(), code: code[1].trim() });
  }
  return { batchId: batch ? batch[1].trim().toLowerCase() : null, lines };
}

// BerichtBestaatAl: the letter is already in the box (our BerichtIDs are never reused for another letter).
const OUTCOME = { Verwerkt: "delivered", BerichtBestaatAl: "delivered", NietActiefOfGeabonneerd: "paper" };

const HELD_FILE = "held-letters.json";

async function liveMode(request, workdir) {
  // A request with hold: accept and check the letters, keep them (as an outbox does) for the next request.
  let held = [];
  if (request.held && existsSync(join(workdir, HELD_FILE))) {
    held = JSON.parse(readFileSync(join(workdir, HELD_FILE), "utf8"));
    unlinkSync(join(workdir, HELD_FILE));
  }
  const letters = [...held, ...request.letters];
  const now = request.now ? Date.parse(request.now) : Date.now();
  const options = request.options ?? {};
  const delay = Math.max(1, 1000 * (options.retry_delay_seconds ?? 0.5));
  const poll = Math.max(1, 1000 * (options.poll_interval_seconds ?? 1));
  const deadline = Date.now() + 1000 * request.deadline_seconds;
  const outcomes = new Map();
  const valid = [];
  letters.forEach((letter, i) => {
    try {
      valid.push(letterFrom(letter, i, now, workdir));
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      outcomes.set(letter.ref, { ref: letter.ref, outcome: "refused", rule: error.rule, reason: error.message });
    }
  });
  if (request.hold) {
    // Batches and subscription checks are made when the letters are handed over, not now (BATCH-04, ABO-01).
    writeFileSync(join(workdir, HELD_FILE), JSON.stringify(letters.filter((l) => !outcomes.has(l.ref))));
    for (const l of valid) outcomes.set(l.ref, { ref: l.ref, outcome: "pending", reason: "held until the next request" });
    return letters.map((letter) => outcomes.get(letter.ref));
  }
  // ABO-01: check every recipient for the letter's own BerichtType before anything is sent.
  const allowed = [];
  const types = [...new Set(valid.map((l) => l.type))];
  for (const type of types) {
    const group = valid.filter((l) => l.type === type);
    const answers = await subscriptions(request, type, group.map((l) => l.bsn), 5, delay);
    for (const l of group) {
      if (answers.get(l.bsn)) allowed.push(l);
      else outcomes.set(l.ref, { ref: l.ref, outcome: "paper", bericht_id: l.berichtId, reason: `no subscription for ${type} (ABO-01)` });
    }
  }
  const api = ebms(request);
  const batchOf = new Map(); // ebMS message id -> batch
  const letterOf = new Map(); // BerichtID -> letter
  const batches = split(allowed, request.sender_oin, new Date(now).toISOString());
  for (const batch of batches) {
    const xml = batchXml(batch);
    batch.xml = xml;
    batch.resends = 0;
    for (const l of batch.letters) letterOf.set(l.berichtId, { letter: l, batch });
    // RES-04: a failed hand-over is repeated with the same BatchID and BerichtIDs.
    const response = await withRetries("POST /ebms/messages", () => api.send(batch.id, xml), 5, delay)
      .catch((error) => ({ error }));
    if (response.error || response.status !== 200) {
      for (const l of batch.letters) {
        outcomes.set(l.ref, { ref: l.ref, outcome: "failed", bericht_id: l.berichtId, batch_id: batch.id,
          reason: `could not be handed to ebms-core: ${response.error ? response.error.message : `HTTP ${response.status}`}` });
      }
      continue;
    }
    batchOf.set((await response.text()).trim(), batch);
  }
  const open = () => allowed.some((l) => !outcomes.has(l.ref));
  const unreadable = new Set(); // left unprocessed in ebms-core for an operator (never acknowledged)
  const decide = (l, batch, code) => {
    if (outcomes.has(l.ref) && outcomes.get(l.ref).outcome !== "pending") return;
    const outcome = OUTCOME[code] ?? "failed";
    outcomes.set(l.ref, { ref: l.ref, outcome, code, bericht_id: l.berichtId, batch_id: batch.id });
  };
  while (open()) {
    try {
      const events = await (await api.failedEvents()).json();
      for (const event of events) {
        const batch = batchOf.get(event.messageId);
        if (batch && batch.resends < 3 && batch.letters.some((l) => !outcomes.has(l.ref))) {
          batch.resends++;
          const again = await api.resend(event.messageId);
          if (again.status === 200) batchOf.set((await again.text()).trim(), batch);
        }
        await api.ackEvent(event.messageId);
      }
      const ids = await (await api.results()).json();
      for (const id of ids) {
        if (unreadable.has(id)) continue;
        const message = await (await api.message(id)).json();
        const source = (message.dataSources ?? [])[0];
        const result = source ? readResult(Buffer.from(source.content, "base64").toString("utf8")) : null;
        if (result === null) {
          unreadable.add(id);
          process.stderr.write(`result ${id} is unreadable: left for an operator\n`);
          continue;
        }
        const conversation = (message.properties?.conversationId ?? "").toLowerCase();
        for (const line of result.lines) {
          if (line.berichtId === NIL_GUID) {
            // RES-01: Logius could not read the letters; the BatchID names the batch.
            const batchId = result.batchId ?? conversation;
            for (const { letter, batch } of letterOf.values()) if (batch.id === batchId) decide(letter, batch, line.code);
          } else if (letterOf.has(line.berichtId)) {
            const { letter, batch } = letterOf.get(line.berichtId);
            decide(letter, batch, line.code);
          }
        }
        await api.ack(id);
      }
    } catch (error) {
      process.stderr.write(`polling ebms-core failed, trying again: ${error.message}\n`);
    }
    if (!open() || Date.now() >= deadline) break;
    await sleep(Math.min(poll, Math.max(1, deadline - Date.now())));
  }
  for (const l of allowed) {
    if (!outcomes.has(l.ref)) outcomes.set(l.ref, { ref: l.ref, outcome: "pending", bericht_id: l.berichtId, reason: "no result before the deadline (RES-03)" });
  }
  return letters.map((letter) => outcomes.get(letter.ref));
}

// --- the protocol ----------------------------------------------------------------------------------------

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const answer = { protocol: request.protocol, case_id: request.case_id,
    product: { name: "Node.js example adapter", version: "1.0" } };
  const workdir = process.cwd();
  if (request.mode === "document") {
    try {
      answer.documents = documentMode(request, workdir);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      answer.refusal = { rule: error.rule, reason: error.message, ...(error.field ? { field: error.field } : {}) };
    }
  } else {
    answer.letters = await liveMode(request, workdir);
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}

main().catch((error) => {
  process.stderr.write(`error: ${error.stack ?? error}\n`);
  process.exit(1);
});

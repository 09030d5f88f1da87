#!/usr/bin/env node
// Measures the base pack against a labelled corpus: recall per category and the share of benign
// posts flagged at warn or above. Exits 1 when a target is missed (with --check).
//
//   node tests/corpus/measure.mjs --bin build/host/careguard [--corpus tests/corpus/posts.jsonl]
//        [--org-dir examples/org] [--no-org] [--check] [--verbose]
//
// The sample org pack is built from examples/org (profile.json, service-users.csv, colleagues.csv)
// with `careguard org build`, because service-user names in the corpus come from that list.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const bin = opt('--bin', path.join(root, 'build', 'host', 'careguard'));
const corpus = opt('--corpus', path.join(here, 'posts.jsonl'));
const orgDir = opt('--org-dir', path.join(root, 'examples', 'org'));
const useOrg = !args.includes('--no-org');
const check = args.includes('--check');
const verbose = args.includes('--verbose');

const TARGETS = {
  'personal-identifier': 0.95,
  'service-user': 0.95,
  colleague: 0.85,
  'health-record': 0.85,
  internal: 0.85,
  boundaries: 0.85,
  safeguarding: 0.85,
  discrimination: 0.85,
  reputation: 0.85,
};
const MAX_BENIGN_WARN_RATE = 0.03;

function run(cmd, cmdArgs, input) {
  const r = spawnSync(cmd, cmdArgs, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return r;
}

const posts = readFileSync(corpus, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
let work;
const scanArgs = ['scan', '--jsonl'];
if (useOrg) {
  work = mkdtempSync(path.join(tmpdir(), 'careguard-corpus-'));
  const orgPack = path.join(work, 'org.cgpack.json');
  const built = run(bin, ['org', 'build',
    '--profile', path.join(orgDir, 'profile.json'),
    '--service-users', path.join(orgDir, 'service-users.csv'),
    '--colleagues', path.join(orgDir, 'colleagues.csv'),
    '-o', orgPack]);
  if (built.status !== 0) {
    console.error(built.stderr);
    process.exit(2);
  }
  scanArgs.push('--org', orgPack);
}
const input = posts.map((p) => JSON.stringify({ id: p.id, text: p.text, site: p.site })).join('\n') + '\n';
const scanned = run(bin, scanArgs, input);
if (work) rmSync(work, { recursive: true, force: true });
if (scanned.status !== 0 && scanned.status !== 1) {
  console.error(scanned.stderr);
  process.exit(2);
}
const findings = new Map();
for (const line of scanned.stdout.split('\n')) {
  if (!line.trim()) continue;
  const o = JSON.parse(line);
  findings.set(o.id, o.findings.filter((f) => f.severity === 'warn' || f.severity === 'block'));
}

const positives = {};
const hits = {};
let benign = 0;
let benignFlagged = 0;
const misses = [];
const falseAlarms = [];
for (const p of posts) {
  const fs = findings.get(p.id) ?? [];
  const cats = new Set(fs.map((f) => f.category));
  if (p.labels.length === 0) {
    benign += 1;
    if (fs.length > 0) {
      benignFlagged += 1;
      falseAlarms.push(`${p.id} ${fs.map((f) => f.rule).join(',')} | ${p.text}`);
    }
  }
  for (const c of p.labels) {
    positives[c] = (positives[c] ?? 0) + 1;
    if (cats.has(c)) hits[c] = (hits[c] ?? 0) + 1;
    else misses.push(`${c} ${p.id} | ${p.text}`);
  }
}

let failed = false;
console.log(`corpus ${path.relative(root, corpus)}: ${posts.length} posts${useOrg ? ' (with the sample org pack)' : ''}`);
for (const c of Object.keys(TARGETS)) {
  const n = positives[c] ?? 0;
  const recall = n ? (hits[c] ?? 0) / n : 0;
  const ok = n > 0 && recall >= TARGETS[c];
  if (!ok) failed = true;
  console.log(`${ok ? 'ok  ' : 'LOW '} ${c.padEnd(20)} recall ${(hits[c] ?? 0).toString().padStart(3)}/${n.toString().padStart(3)} = ${recall.toFixed(2)} (target ${TARGETS[c]})`);
}
const rate = benign ? benignFlagged / benign : 0;
if (rate > MAX_BENIGN_WARN_RATE) failed = true;
console.log(`${rate <= MAX_BENIGN_WARN_RATE ? 'ok  ' : 'HIGH'} benign flagged at warn+: ${benignFlagged}/${benign} = ${rate.toFixed(3)} (max ${MAX_BENIGN_WARN_RATE})`);
if (verbose) {
  for (const m of misses) console.log(`MISS ${m}`);
  for (const f of falseAlarms) console.log(`FALSE ALARM ${f}`);
}
process.exit(check && failed ? 1 : 0);

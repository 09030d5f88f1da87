// The JavaScript peer: the same rules as regexes, run in a loop in Node's V8 (the regex engine
// Chrome's extensions run), which is what doing the checks inside the extension would cost.
// Reads what careguard_bench_peer_check wrote, so it sees exactly the rules and posts the C++
// peers see (normalised text; the engine's own figures include normalising).
//
//   node bench/node-peer.mjs peer-input.json node-peer.json

import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node bench/node-peer.mjs peer-input.json node-peer.json');
  process.exit(2);
}
const data = JSON.parse(readFileSync(input, 'utf8'));

/** Compiles with the u flag (code points, as the engine's UTF-8 mode); without it only if it must. */
function compile(patterns) {
  const compiled = [];
  const failed = [];
  const withoutU = [];
  patterns.forEach((p, index) => {
    try {
      compiled.push({ index, re: new RegExp(p.regex, 'giu') });
    } catch (unicodeError) {
      try {
        compiled.push({ index, re: new RegExp(p.regex, 'gi') });
        withoutU.push({ rule: p.rule, kind: p.kind, reason: unicodeError.message });
      } catch (error) {
        failed.push({ rule: p.rule, kind: p.kind, reason: error.message });
      }
    }
  });
  return { compiled, failed, withoutU };
}

function scan(compiled, text, out) {
  out.length = 0;
  for (const { index, re } of compiled) {
    re.lastIndex = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      out.push(index, m.index, m.index + m[0].length);
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  return out;
}

function percentile(sorted, p) {
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Per-call times after a short warm-up (V8 compiles a regex to machine code after its first runs),
 * for at least 0.5 s and 5 calls, but no longer than 3 s once there is one sample: some peers take
 * seconds a call with the full packs.
 */
function time(compiled, text) {
  const out = [];
  const warmUntil = performance.now() + 200;
  for (let i = 0; i < 3 || (i < 20 && performance.now() < warmUntil); i++) scan(compiled, text, out);
  const samples = [];
  const started = performance.now();
  for (;;) {
    const elapsed = performance.now() - started;
    if (samples.length > 0 && elapsed > 3000) break;
    if (samples.length >= 5 && elapsed > 500) break;
    const t0 = process.hrtime.bigint();
    scan(compiled, text, out);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const total = samples.reduce((a, b) => a + b, 0);
  samples.sort((a, b) => a - b);
  const bytes = Buffer.byteLength(text, 'utf8');
  return { calls: samples.length, bytes, p50_us: percentile(samples, 0.5), p99_us: percentile(samples, 0.99), mean_us: total / samples.length, mb_per_s: (bytes * samples.length) / total, matches: out.length / 3 };
}

function compare(engineSets, peerSets) {
  let both = 0;
  let peerOnly = 0;
  let engineOnly = 0;
  let same = 0;
  const peerOnlyByRule = {};
  const engineOnlyByRule = {};
  engineSets.forEach((engine, i) => {
    const peer = peerSets[i];
    for (const rule of engine) {
      if (peer.has(rule)) both++;
      else {
        engineOnly++;
        engineOnlyByRule[rule] = (engineOnlyByRule[rule] ?? 0) + 1;
      }
    }
    for (const rule of peer) {
      if (!engine.has(rule)) {
        peerOnly++;
        peerOnlyByRule[rule] = (peerOnlyByRule[rule] ?? 0) + 1;
      }
    }
    if (engine.size === peer.size && [...engine].every((r) => peer.has(r))) same++;
  });
  return { posts: engineSets.length, posts_same_rules: same, pairs_both: both, pairs_peer_only: peerOnly, pairs_engine_only: engineOnly, peer_only_by_rule: peerOnlyByRule, engine_only_by_rule: engineOnlyByRule };
}

const result = { node: process.version, v8: process.versions.v8, sets: {} };
for (const set of ['base', 'full']) {
  const patterns = data.patterns[set];
  const started = performance.now();
  const { compiled, failed, withoutU } = compile(patterns);
  const compileMs = performance.now() - started;
  // The full packs take a quarter of a second a post here, so they are compared on an even sample
  // (the same stride as std::regex in careguard_bench_peer_check).
  const stride = set === 'full' ? 46 : 1;
  const corpus = data.corpus.filter((_, i) => i % stride === 0);
  const out = [];
  const peerSets = corpus.map((post) => {
    scan(compiled, post.text, out);
    const rules = new Set();
    for (let i = 0; i < out.length; i += 3) if (patterns[out[i]].kind !== 'context') rules.add(patterns[out[i]].rule);
    return rules;
  });
  const engineSets = corpus.map((post) => new Set(post[`engine_${set}`]));
  const sizes = {};
  for (const [size, text] of Object.entries(data.posts)) {
    // A call on a 20 KB post would take tens of seconds with the full packs: past the suite's
    // budget, so it is skipped when 1 KB already takes over a quarter of a second.
    if (Number(size) > 1024 && sizes['1024']?.p50_us > 250000) {
      sizes[size] = { skipped: `not run: a 1 KB call takes ${(sizes['1024'].p50_us / 1e6).toFixed(2)} s` };
      continue;
    }
    sizes[size] = time(compiled, text);
  }
  result.sets[set] = { compile_ms: compileMs, failed, without_u_flag: withoutU, differences: compare(engineSets, peerSets), sizes };
  console.error(`node peer (${set}): ${failed.length} of ${patterns.length} patterns not compiled, ${withoutU.length} only without the u flag`);
}
writeFileSync(output, JSON.stringify(result, null, 2));

// Writes docs/performance.md from the results scripts/bench.sh collected: every figure, every
// target with pass or MISS, every ratio against every peer, and the machine it ran on.
//
//   node bench/make-report.mjs RESULTS_DIR BUILD_DIR OUT.md

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';

const [resultsDir, buildDir, outPath] = process.argv.slice(2);
if (!resultsDir || !buildDir || !outPath) {
  console.error('usage: node bench/make-report.mjs RESULTS_DIR BUILD_DIR OUT.md');
  process.exit(2);
}

const read = (name) => {
  const path = join(resultsDir, name);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null;
};
const engineRun = read('engine.json');
const peerCheck = read('peer-check.json');
const nodePeer = read('node-peer.json');
const host = read('host.json');
const keys = read('keystroke.json');

const SIZES = ['100', '1024', '20480'];
const SIZE_LABEL = { 100: '100 B', 1024: '1 KB', 20480: '20 KB' };
const PACKS_LABEL = { base: 'base pack', full: 'base + 10,000 names + 5,000 terms' };

const run = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
};
const fixed = (n, digits = 1) => (n === undefined || n === null || Number.isNaN(n) ? 'n/a' : Number(n).toFixed(digits));
const us = (n) => (n >= 1000 ? `${fixed(n / 1000, 2)} ms` : `${fixed(n, n < 10 ? 2 : 1)} µs`);
const ratio = (n) => (n >= 100 ? `${fixed(n, 0)}×` : `${fixed(n, 1)}×`);

// ---- Google Benchmark results -------------------------------------------------------------

const bench = {};
for (const b of engineRun?.benchmarks ?? []) {
  const [name, size] = b.name.split('/');
  const toUs = { ns: 1e-3, us: 1, ms: 1e3, s: 1e6 }[b.time_unit] ?? 1;
  (bench[name] ??= {})[size ?? 'all'] = {
    // MB/s from wall-clock time per call (Google Benchmark's own figure uses CPU time).
    bytes: b.bytes, p50: b.p50_us, p99: b.p99_us, mean: b.real_time * toUs, mbps: b.bytes ? b.bytes / (b.real_time * toUs) : 0, calls: b.calls,
    findings: b.findings, matches: b.matches, label: b.label ?? '',
  };
}
const peerBench = { base: { 'RE2::Set': 'BM_Re2SetBase', 'PCRE2-JIT': 'BM_Pcre2JitBase', 'std::regex': 'BM_StdRegexBase' },
  full: { 'RE2::Set': 'BM_Re2SetFull', 'PCRE2-JIT': 'BM_Pcre2JitFull', 'std::regex': 'BM_StdRegexFull' } };
const engineOf = (set) => bench[set === 'base' ? 'BM_EngineBase' : 'BM_EngineFull'] ?? {};
/** Per set and size: each peer's figures in one shape, the JavaScript loop included. */
function peerFigures(set, size) {
  const out = {};
  for (const [peer, name] of Object.entries(peerBench[set])) {
    if (bench[name]?.[size]) out[peer] = bench[name][size];
    else if (engineRun && peer === 'std::regex') out[peer] = { skipped: 'not run: one call takes minutes with these rules' };
  }
  const js = nodePeer?.sets?.[set]?.sizes?.[size];
  if (js) out[`JavaScript (V8, Node ${nodePeer.node})`] = js.skipped ? { skipped: js.skipped } : { p50: js.p50_us, p99: js.p99_us, mean: js.mean_us, mbps: js.mb_per_s, calls: js.calls, matches: js.matches, label: '' };
  return out;
}

// ---- machine ------------------------------------------------------------------------------

const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
const flags = /flags\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.split(' ') ?? [];
const simd = ['sse4_2', 'avx2', 'avx512f'].filter((f) => flags.includes(f)).join(', ') || 'none of sse4_2, avx2, avx512f';
let compiler = 'unknown';
try {
  const dir = readdirSync(join(buildDir, 'CMakeFiles')).find((d) => /^\d+\.\d+/.test(d));
  const text = readFileSync(join(buildDir, 'CMakeFiles', dir, 'CMakeCXXCompiler.cmake'), 'utf8');
  compiler = `${/CMAKE_CXX_COMPILER_ID "([^"]*)"/.exec(text)?.[1]} ${/CMAKE_CXX_COMPILER_VERSION "([^"]*)"/.exec(text)?.[1]}`;
} catch {
  // the build folder has no CMake compiler record: say unknown
}
const buildType = /CMAKE_BUILD_TYPE:STRING=(.*)/.exec(existsSync(join(buildDir, 'CMakeCache.txt')) ? readFileSync(join(buildDir, 'CMakeCache.txt'), 'utf8') : '')?.[1] ?? 'unknown';
const pkgVersion = (name) => run('pkg-config', ['--modversion', name]);
const debVersion = (name) => run('dpkg-query', ['-W', '-f=${Version}', name]);

// ---- targets ------------------------------------------------------------------------------

const targets = [];
const target = (what, figure, pass, note = '') => targets.push({ what, figure, pass, note });
const engine1k = engineOf('full')['1024'];
target('Engine p99, 1 KB post, full packs ≤ 50 µs', engine1k ? us(engine1k.p99) : 'not measured', engine1k ? engine1k.p99 <= 50 : false);
const rt = host?.full?.round_trip_us?.['1024'];
target('Round trip p99 through careguard-host, 1 KB post, full packs ≤ 1 ms', rt ? us(rt.p99) : 'not measured', rt ? rt.p99 <= 1000 : false,
  host ? `p99 at every size and pack: ${['base', 'full'].flatMap((s) => SIZES.map((z) => us(host[s].round_trip_us[z].p99))).join(', ')}` : '');
for (const set of ['base', 'full']) {
  const c = host?.[set]?.cold_start_cached_ms;
  target(`Cold start with the cache, ${PACKS_LABEL[set]} ≤ 50 ms (median of ${c?.n ?? 0} starts)`, c ? `${fixed(c.p50)} ms` : 'not measured', c ? c.p50 <= 50 : false,
    c ? `slowest ${fixed(c.max)} ms` : '');
}
const peers1k = peerFigures('full', '1024');
for (const [peer, f] of Object.entries(peers1k)) {
  if (f.skipped) continue;
  const r = engine1k ? f.p50 / engine1k.p50 : NaN;
  target(`≥ 10× faster than ${peer}, 1 KB, full packs (p50 ratio)`, ratio(r), r >= 10);
}
for (const set of ['base', 'full']) {
  const h = host?.[set];
  const peak = h ? Math.max(h.peak_rss_first_start_kib, h.peak_rss_cached_kib) / 1024 : NaN;
  target(`Host peak RSS, ${PACKS_LABEL[set]} ≤ 64 MB`, h ? `${fixed(peak)} MiB` : 'not measured', h ? peak <= 64 : false,
    h ? `first start (compiling in a child) ${fixed(h.peak_rss_first_start_kib / 1024)} MiB, cached start and scans ${fixed(h.peak_rss_cached_kib / 1024)} MiB; the compiler process ${fixed((h.peak_rss_first_start_compiler_kib ?? NaN) / 1024)} MiB` : '');
}

// ---- document -----------------------------------------------------------------------------

const lines = [];
const p = (s = '') => lines.push(s);
const table = (head, rows) => {
  p(`| ${head.join(' | ')} |`);
  p(`| ${head.map(() => '---').join(' | ')} |`);
  for (const r of rows) p(`| ${r.join(' | ')} |`);
  p();
};

p('# Performance');
p();
p('Generated by `bash scripts/bench.sh` (see the README); do not edit by hand, run it again. Figures are');
p('from one run on the machine below; on a shared or busy machine they are indicative only.');
p();
p('## Machine');
p();
table(['fact', 'value'], [
  ['date', new Date().toISOString().replace(/\.\d+Z$/, 'Z')],
  ['CPU', `${model} (${simd})`],
  ['logical CPUs (nproc)', run('nproc', [])],
  ['memory', `${fixed(totalmem() / 2 ** 30)} GiB`],
  // Other work on the machine shows in the p99s: say how busy it was.
  ['load average when the in-process run started', engineRun?.context?.load_avg?.map((l) => fixed(l, 2)).join(', ') ?? 'unknown'],
  ['kernel', `${release()} (${run('uname', ['-m'])})`],
  ['OS', /PRETTY_NAME="([^"]*)"/.exec(existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? 'unknown'],
  ['compiler, build type', `${compiler}, ${buildType}`],
  ['Hyperscan', pkgVersion('libhs')],
  ['ICU', pkgVersion('icu-uc')],
  ['RE2', debVersion('libre2-dev')],
  ['PCRE2', pkgVersion('libpcre2-8')],
  ['Google Benchmark', debVersion('libbenchmark-dev')],
  ['Node (V8)', nodePeer ? `${nodePeer.node} (V8 ${nodePeer.v8})` : 'not run'],
  ['Chromium', keys?.chromium ?? 'not run'],
]);

p('## Targets (issue #7)');
p();
table(['target', 'figure', 'result', 'note'], targets.map((t) => [t.what, t.figure, t.pass ? 'pass' : '**MISS**', t.note]));

p('## 1. The engine, in process');
p();
p('`Engine::scan` on one thread, normalising included, per call (Google Benchmark, `bench/engine_bench.cpp`). Posts are');
p('cut from the labelled corpus (`tests/corpus/posts.jsonl`), so they hold the words, numbers and emoji real posts have.');
p('The full packs are the built-in base pack plus a generated org pack of 10,000 service users (as keyed hashes, as');
p('`careguard org build` writes them) and one rule of 5,000 org terms.');
p();
const engineRows = [];
for (const set of ['base', 'full']) {
  for (const size of SIZES) {
    const f = engineOf(set)[size];
    if (f) engineRows.push([PACKS_LABEL[set], SIZE_LABEL[size], us(f.p50), us(f.p99), us(f.mean), fixed(f.mbps), f.findings, f.calls]);
  }
}
table(['packs', 'post', 'p50', 'p99', 'mean', 'MB/s', 'findings', 'calls'], engineRows);
if (bench.BM_EngineBuildFull?.all) p(`Compiling the full packs without a cache (Engine::build): ${fixed(bench.BM_EngineBuildFull.all.mean / 1000, 0)} ms.\n`);

p('## 2. The peers, given the same rules');
p();
p('How the rules are given to the peers (`bench/bench_support.cpp`, `peer_patterns`):');
p();
p('- Every regex pattern the engine compiles, as written in the pack, compiled caseless and UTF-8 (the engine\'s Hyperscan');
p('  flags; start-of-match tracking has no peer equivalent: every peer reports spans anyway).');
p('- Terms (each rule\'s `terms`, and the 5,000 org terms) are matched by the engine with a hash map of word n-grams, not');
p('  regexes. A provider without CareGuard would write them as alternations, so the peers get word-bounded alternations.');
p('- The context words of every rule (`require`, `raise`, `lower`), which the engine also finds on every scan, are given');
p('  as alternations too, so the peers do the same finding work; the peers then apply no context, validators or');
p('  allowlists (cheap steps after matching), which is why their results differ below.');
p('- The 10,000 names are keyed hashes in the engine; a regex cannot match a hash, so the peers get the clear name forms');
p('  the engine hashes (`NameIndex::full_forms` and `first_name_forms`: "avril surnamic12", "mrs surnamic12", ...) as');
p('  alternations. This is fair to the peers: it is the least work a regex checker must do to find the same names, and');
p('  it gives up the privacy the hashes keep.');
p(`- Alternations are cut into regexes of at most 1,000 entries for every peer: libstdc++'s std::regex recurses once per`);
p('  alternative and overflows the stack on more, and PCRE2 limits the compiled size of one pattern.');
p('- The peers scan the same NFKC-casefolded text the engine scans, normalised before the clock starts; the engine\'s');
p('  figures include normalising, which favours the peers.');
p('- RE2::Set finds which regexes match, then each matching regex\'s own RE2 finds the spans (RE2\'s memory budget is');
p('  raised to 1 GiB so the large alternations compile). PCRE2 and std::regex (ECMAScript, icase) loop over every regex');
p('  finding every match; so does the JavaScript loop (`bench/node-peer.mjs`, flags `giu`) in Node\'s V8, the regex');
p('  engine an extension runs, which is what doing the checks inside the extension would cost.');
p();
if (peerCheck) {
  const pc = peerCheck.patterns;
  p(`Regexes given to each peer: base pack ${pc.base.total} (${pc.base.pattern} rule patterns, ${pc.base.terms} term alternations, ${pc.base.context} context-word alternations); full packs ${pc.full.total} (adds ${pc.full.terms - pc.base.terms} term and ${pc.full.names} name alternations).`);
  p();
}
for (const set of ['full', 'base']) {
  p(`### ${PACKS_LABEL[set]}`);
  p();
  const rows = [];
  for (const size of SIZES) {
    const e = engineOf(set)[size];
    if (e) rows.push(['**CareGuard engine**', SIZE_LABEL[size], us(e.p50), us(e.p99), fixed(e.mbps), '1×', e.calls]);
    for (const [peer, f] of Object.entries(peerFigures(set, size))) {
      if (f.skipped) {
        rows.push([peer, SIZE_LABEL[size], f.skipped, '', '', '']);
        continue;
      }
      rows.push([peer + (f.label ? ` (${f.label})` : ''), SIZE_LABEL[size], us(f.p50), us(f.p99), fixed(f.mbps, f.mbps < 1 ? 3 : 1), e ? ratio(f.p50 / e.p50) : 'n/a', f.calls]);
    }
  }
  table(['scanner', 'post', 'p50', 'p99', 'MB/s', 'engine faster by (p50)', 'calls timed'], rows);
}

p('### What each peer could not run, and how its results differ');
p();
p(`Over the ${peerCheck?.peers?.['RE2::Set']?.base?.differences?.posts ?? 'n/a'} posts of the labelled corpus: for each post, the set of rules a peer fires`);
p('(any match of a rule\'s patterns, terms or names) against the set of rules the engine reports as findings. "peer only"');
p('pairs are mostly the context, validators (NHS and card checksums, dates) and allowlists the engine applies and a regex');
p('loop does not; "engine only" pairs are rules the peer could not compile or matches it finds differently.');
p('std::regex, and the JavaScript loop with the full packs, take a quarter of a second or more a post, so they are');
p('compared on every 46th post of the corpus (the "posts" column says how many).');
p();
const diffRows = [];
const failRows = [];
const describeFailures = (list) => {
  const byRule = {};
  // JavaScript's messages repeat the whole regex before the reason: keep the reason.
  for (const f of list) (byRule[`${f.rule} (${f.kind})`] ??= new Set()).add(f.reason.split('\n')[0].split(': ').at(-1).slice(0, 120));
  return Object.entries(byRule).map(([r, reasons]) => `${r}: ${[...reasons].join('; ')}`);
};
for (const set of ['base', 'full']) {
  for (const [peer, sets] of Object.entries(peerCheck?.peers ?? {})) {
    const s = sets[set];
    const d = s.differences;
    diffRows.push([peer, PACKS_LABEL[set], `${s.failed.length}`, `${d.posts_same_rules} / ${d.posts}`, d.pairs_both, d.pairs_peer_only, d.pairs_engine_only, fixed(s.compile_ms, 0)]);
    if (set === 'full' || s.failed.length) failRows.push([peer, PACKS_LABEL[set], describeFailures(s.failed).join('<br>') || 'none']);
  }
  if (nodePeer?.sets?.[set]) {
    const s = nodePeer.sets[set];
    const d = s.differences;
    diffRows.push([`JavaScript (V8)`, PACKS_LABEL[set], `${s.failed.length} (+${s.without_u_flag.length} only without \`u\`)`, `${d.posts_same_rules} / ${d.posts}`, d.pairs_both, d.pairs_peer_only, d.pairs_engine_only, fixed(s.compile_ms, 0)]);
    failRows.push(['JavaScript (V8)', PACKS_LABEL[set], [...describeFailures(s.failed), ...describeFailures(s.without_u_flag).map((x) => `runs only without the u flag: ${x}`)].join('<br>') || 'none']);
  }
}
table(['peer', 'packs', 'regexes not compiled', 'posts with the same rules', '(post, rule) both', 'peer only', 'engine only', 'compile ms'], diffRows);
table(['peer', 'packs', 'regexes it could not run (rule, kind: reason)'], failRows);
const topDiffs = (d, key) => Object.entries(d[key]).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
if (peerCheck) {
  p('Rules behind most of the differences (full packs, PCRE2-JIT, which compiles every regex):');
  p();
  const d = peerCheck.peers['PCRE2-JIT']?.full?.differences;
  if (d) {
    p(`- peer only: ${topDiffs(d, 'peer_only_by_rule')}`);
    p(`- engine only: ${topDiffs(d, 'engine_only_by_rule')}`);
  }
  p();
}

p('## 3. The round trip through careguard-host, and cold start');
p();
p('`bench/host_bench.cpp` starts the real `careguard-host` as a browser does (pipes, the caller origin as an argument,');
p('`--config`), with the base pack alone and with the scale org pack signed by a throwaway key that the configuration');
p('trusts, in a pack folder. Round trip: write one scan frame (the same posts), read the result frame, on one warm host.');
p('Cold start: fork to the first scan\'s result, with an empty cache folder (the host compiles) and with the compiled');
p('database cached by an earlier start.');
p();
if (host) {
  const rows = [];
  for (const set of ['base', 'full']) {
    for (const size of SIZES) {
      const r = host[set].round_trip_us[size];
      const inHost = host[set].in_host_scan_us[size];
      rows.push([PACKS_LABEL[set], SIZE_LABEL[size], us(r.p50), us(r.p99), us(r.max), us(inHost.p50), r.n]);
    }
  }
  table(['packs', 'post', 'round trip p50', 'p99', 'max', 'scan inside the host p50 (`elapsed_us`)', 'round trips'], rows);
  table(['packs', 'start to first answer, no cache (median)', 'with the cache: median', 'p95', 'slowest', 'starts'],
    ['base', 'full'].map((set) => {
      const c = host[set].cold_start_no_cache_ms;
      const w = host[set].cold_start_cached_ms;
      return [PACKS_LABEL[set], `${fixed(c.p50, 0)} ms (${c.n} starts)`, `${fixed(w.p50)} ms`, `${fixed(w.p95)} ms`, `${fixed(w.max)} ms`, w.n];
    }));
} else {
  p('Not measured in this run.\n');
}

p('## 4. Memory');
p();
if (host) {
  p('Peak resident set of the host process (`VmHWM` from `/proc`, read before it exits): a first start that must compile');
  p('the rules, and starts from the cache followed by the round trips above (`wait4` `ru_maxrss`). A first start compiles');
  p('in a child process (docs/PACKS.md), whose memory is returned when it exits; its peak is the last column (`wait4`');
  p('`ru_maxrss` of the host, which counts its reaped children).');
  p();
  table(['packs', 'first start (compiling)', 'cached start and scans', 'compiler process (first start)'], ['base', 'full'].map((set) => [PACKS_LABEL[set], `${fixed(host[set].peak_rss_first_start_kib / 1024)} MiB`, `${fixed(host[set].peak_rss_cached_kib / 1024)} MiB`, host[set].peak_rss_first_start_compiler_kib !== undefined ? `${fixed(host[set].peak_rss_first_start_compiler_kib / 1024)} MiB` : 'not measured']));
}

p('## 5. In the browser: keystroke to highlight');
p();
if (keys) {
  p('`tests/e2e/keystroke-timing.mjs`: the built extension in headless Chromium with the real host (base pack), typing');
  p('into the Lexical composer fixture after a post of about 100 or 1,000 characters. From each keydown event\'s');
  p('timestamp to the extension\'s root element leaving "checking" (findings, underlines and card are applied in that');
  p(`same task), seen by a MutationObserver in the page, minus the extension's ${keys.debounce_ms} ms debounce.`);
  p();
  table(['post', 'p50', 'p95', 'slowest', 'keys'], Object.entries(keys.sizes).map(([size, s]) => [`${size} characters`, `${fixed(s.p50_ms)} ms`, `${fixed(s.p95_ms)} ms`, `${fixed(s.max_ms)} ms`, s.n]));
} else {
  p('Not measured in this run.\n');
}

p('## 6. The limit: one read of the post');
p();
p('glibc\'s vectorised `memchr` over the same posts for a byte that is not there: no scanner can look at every byte faster.');
p('The post is in the CPU\'s caches, as a post being typed is, so this is cache bandwidth for the small posts.');
p();
table(['post', 'time per post (p50)', 'GB/s at p50', 'engine (full packs) p50 is'], SIZES.filter((s) => bench.BM_MemoryPass?.[s]).map((size) => {
  const m = bench.BM_MemoryPass[size];
  const e = engineOf('full')[size];
  return [SIZE_LABEL[size], us(m.p50), fixed(m.bytes / m.p50 / 1000, 2), e ? `${ratio(e.p50 / m.p50)} the read` : 'n/a'];
}));

writeFileSync(outPath, `${lines.join('\n').trimEnd()}\n`);
console.error(`wrote ${outPath}; targets missed: ${targets.filter((t) => !t.pass).length}`);

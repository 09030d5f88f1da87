// Builds dist/chromium (Chrome, Edge, Brave) and dist/firefox from the same source. The only
// differences are in the manifest: Chromium gets the development key (stable id) and the managed
// storage schema; Firefox gets its add-on id and an event-page background.

import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ICON_SIZES, iconPng } from './icons.mjs';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const base = JSON.parse(readFileSync(join(here, 'manifest.base.json'), 'utf8'));
const adapters = JSON.parse(readFileSync(join(here, 'src/site-adapters/builtin-adapters.json'), 'utf8'));
const devKey = readFileSync(join(here, 'dev-key.pub.b64'), 'utf8').trim();

const matches = [...new Set(adapters.flatMap((a) => a.hosts.flatMap((h) => [`*://${h}/*`, `*://*.${h}/*`])))];

function manifestFor(target) {
  const m = structuredClone(base);
  m.version = pkg.version;
  m.content_scripts[0].matches = matches;
  m.icons = Object.fromEntries(ICON_SIZES.map((s) => [String(s), `icons/icon-${s}.png`]));
  m.action.default_icon = Object.fromEntries(ICON_SIZES.filter((s) => s <= 48).map((s) => [String(s), `icons/icon-${s}.png`]));
  if (target === 'chromium') {
    m.key = devKey;
    m.minimum_chrome_version = '111';
    m.background = { service_worker: 'background.js' };
    m.storage = { managed_schema: 'managed_schema.json' };
  } else {
    m.background = { scripts: ['background.js'] };
    m.browser_specific_settings = {
      gecko: { id: 'careguard@careguard.app', strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } },
      gecko_android: { strict_min_version: '142.0' },
    };
  }
  return m;
}

const entries = {
  background: 'src/background/service-worker.ts',
  content: 'src/content/main.ts',
  'popup/popup': 'src/popup/popup.ts',
  'options/options': 'src/options/options.ts',
};

for (const target of ['chromium', 'firefox']) {
  const out = join(here, 'dist', target);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, join(here, v)])),
    outdir: out,
    bundle: true,
    format: 'iife',
    target: target === 'chromium' ? 'chrome111' : 'firefox140',
    sourcemap: 'linked',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifestFor(target), null, 2) + '\n');
  cpSync(join(here, '_locales'), join(out, '_locales'), { recursive: true });
  for (const page of ['popup/popup.html', 'options/options.html', 'ui/pages.css']) {
    mkdirSync(dirname(join(out, page)), { recursive: true });
    cpSync(join(here, 'src', page), join(out, page));
  }
  mkdirSync(join(out, 'icons'), { recursive: true });
  for (const size of ICON_SIZES) writeFileSync(join(out, 'icons', `icon-${size}.png`), iconPng(size));
  if (target === 'chromium') cpSync(join(here, 'managed_schema.json'), join(out, 'managed_schema.json'));
  console.log(`built ${target}: ${out}`);
}

// Fetches the admin's signed org pack and hands it to the host, which verifies the signature and
// only then swaps it in. The extension never trusts the pack itself: its site adapters are used
// only after the host has accepted the pack.

export const PACK_ALARM = 'careguard-pack-update';
export const PACK_PERIOD_MINUTES = 180;
export const MAX_PACK_BYTES = 8 * 1024 * 1024;

export type PackUpdateOutcome =
  | { outcome: 'installed'; siteAdapters: unknown[] | null }
  | { outcome: 'unchanged' }
  | { outcome: 'rejected'; message: string }
  | { outcome: 'failed'; message: string };

export interface PackUpdateDeps {
  fetchText(url: string): Promise<string>;
  digest(text: string): Promise<string>;
  lastInstalledDigest(): Promise<string | null>;
  rememberInstalled(digest: string): Promise<void>;
  install(pack: string): Promise<void>; // throws on pack_rejected or host trouble
}

export class PackRejectedError extends Error {}

export async function updatePack(url: string, deps: PackUpdateDeps): Promise<PackUpdateOutcome> {
  let text: string;
  try {
    text = await deps.fetchText(url);
  } catch (e) {
    return { outcome: 'failed', message: e instanceof Error ? e.message : String(e) };
  }
  if (text.length > MAX_PACK_BYTES) return { outcome: 'failed', message: 'pack larger than 8 MiB' };
  const digest = await deps.digest(text);
  if (digest === (await deps.lastInstalledDigest())) return { outcome: 'unchanged' };
  try {
    await deps.install(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return e instanceof PackRejectedError ? { outcome: 'rejected', message } : { outcome: 'failed', message };
  }
  await deps.rememberInstalled(digest);
  return { outcome: 'installed', siteAdapters: siteAdaptersOf(text) };
}

function siteAdaptersOf(text: string): unknown[] | null {
  try {
    const pack = JSON.parse(text) as { site_adapters?: unknown };
    return Array.isArray(pack.site_adapters) ? pack.site_adapters : null;
  } catch {
    return null;
  }
}

export async function sha256Hex(text: string): Promise<string> {
  const bytes = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Admin-listed sites are not known when the extension is built, so their content script is
// registered at run time. The six social networks are in the manifest and always covered.

const SCRIPT_ID = 'careguard-covered-sites';

export function matchPatternsForSites(sites: string[]): string[] {
  const out: string[] = [];
  for (const s of sites) {
    out.push(`*://${s}/*`);
    // A subdomain wildcard on an IP address is not a valid match pattern.
    if (!/^\d+(\.\d+){3}$/.test(s)) out.push(`*://*.${s}/*`);
  }
  return out;
}

export async function syncCoveredSiteScripts(sites: string[]): Promise<void> {
  const existing = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (existing.length > 0) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  if (sites.length === 0) return;
  await chrome.scripting.registerContentScripts([
    {
      id: SCRIPT_ID,
      matches: matchPatternsForSites(sites),
      js: ['content.js'],
      runAt: 'document_start',
      allFrames: false,
      persistAcrossSessions: true,
    },
  ]);
}

// The service worker can be stopped at any moment, so it holds nothing that matters: host state is
// mirrored to chrome.storage.session for the popup, settings are re-read from storage, and the
// port is reopened by whichever event wakes the worker next.

import { HOST_NAME, type OkReply, type ResultReply } from '../shared/protocol';
import type { ScanResponse, StateResponse, ToBackground, ToContent } from '../shared/messages';
import { applySeverityOverrides } from '../shared/findings';
import { mergeSettings, type EffectiveSettings, type ManagedSettings } from '../shared/settings';
import { validateAdapterList } from '../site-adapters/adapter-registry';
import { HostConnection, HostRequestError, type HostState } from './host-connection';
import { HostUnavailableError, RequestTimeoutError } from './request-queue';
import { ScanCoalescer, SUPERSEDED } from './scan-coalescer';
import { PACK_ALARM, PACK_PERIOD_MINUTES, PackRejectedError, sha256Hex, updatePack } from './pack-updater';
import { syncCoveredSiteScripts } from './content-registration';

/** A scan that takes longer than this is treated as a hung host; typing never waits on it. */
const SCAN_TIMEOUT_MS = 2500;
const AUDIT_TIMEOUT_MS = 3000;

const version = chrome.runtime.getManifest().version;

const host = new HostConnection({
  connect: () => chrome.runtime.connectNative(HOST_NAME),
  lastError: () => chrome.runtime.lastError?.message,
  extensionVersion: version,
});

let settings: EffectiveSettings = mergeSettings(undefined, []);
const settingsReady = loadSettings();

async function readManaged(): Promise<ManagedSettings> {
  try {
    return (await chrome.storage.managed.get(null)) as ManagedSettings;
  } catch {
    return {}; // no policy, or a browser without managed storage
  }
}

async function loadSettings(): Promise<void> {
  const [managed, local] = await Promise.all([readManaged(), chrome.storage.local.get('user_covered_sites')]);
  settings = mergeSettings(managed, local.user_covered_sites);
  await syncCoveredSiteScripts(settings.coveredSites).catch((e) => console.warn('CareGuard: could not register content scripts', e));
  await schedulePackUpdates();
}

async function schedulePackUpdates(): Promise<void> {
  if (!settings.packUpdateUrl) {
    await chrome.alarms.clear(PACK_ALARM);
    return;
  }
  const existing = await chrome.alarms.get(PACK_ALARM);
  if (!existing || existing.periodInMinutes !== PACK_PERIOD_MINUTES) {
    // delayInMinutes 0 fetches on start as well as every few hours.
    await chrome.alarms.create(PACK_ALARM, { delayInMinutes: 0, periodInMinutes: PACK_PERIOD_MINUTES });
  }
}

async function runPackUpdate(): Promise<void> {
  await settingsReady;
  const url = settings.packUpdateUrl;
  if (!url) return;
  const result = await updatePack(url, {
    fetchText: async (u) => {
      const res = await fetch(u, { cache: 'no-cache', credentials: 'omit' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.text();
    },
    digest: sha256Hex,
    lastInstalledDigest: async () => ((await chrome.storage.local.get('installed_pack_digest')).installed_pack_digest as string) ?? null,
    rememberInstalled: (d) => chrome.storage.local.set({ installed_pack_digest: d }),
    install: async (pack) => {
      try {
        await host.request<OkReply>({ type: 'install_pack', pack }, 30_000);
      } catch (e) {
        if (e instanceof HostRequestError && e.reply.code === 10) throw new PackRejectedError(e.reply.message ?? 'pack rejected');
        throw e;
      }
    },
  });
  await chrome.storage.local.set({ last_pack_update: { at: Date.now(), url, ...result } });
  if (result.outcome === 'installed' && result.siteAdapters) {
    await chrome.storage.local.set({ pack_site_adapters: validateAdapterList(result.siteAdapters) });
  }
}

const scans = new ScanCoalescer<{ text: string; site: string; field: string }, ResultReply>((req) =>
  host.request<ResultReply>({ type: 'scan', text: req.text, site: req.site, field: req.field }, SCAN_TIMEOUT_MS),
);

async function scan(msg: Extract<ToBackground, { kind: 'scan' }>, sender: chrome.runtime.MessageSender): Promise<ScanResponse> {
  await settingsReady;
  host.ensureConnected();
  if (host.getState().status === 'off') return { ok: false, why: 'off', host: host.getState() };
  // Never queue typing behind a host that is still starting: the page says protection is not on
  // yet, and rescans when the host's hello arrives (broadcast as "connected").
  if (host.getState().status === 'connecting') return { ok: false, why: 'starting', host: host.getState() };
  const key = `${sender.tab?.id ?? 'x'}:${sender.frameId ?? 0}:${msg.key}`;
  try {
    const reply = await scans.submit(key, { text: msg.text, site: msg.site.slice(0, 256), field: msg.field.slice(0, 256) });
    if (reply === SUPERSEDED) return { ok: false, why: 'superseded' };
    return { ok: true, findings: applySeverityOverrides(reply.findings ?? [], settings.severityOverrides), truncated: !!reply.truncated };
  } catch (e) {
    if (e instanceof HostUnavailableError || e instanceof RequestTimeoutError) return { ok: false, why: 'off', host: host.getState() };
    return { ok: false, why: 'error', message: e instanceof Error ? e.message : String(e) };
  }
}

async function stateResponse(): Promise<StateResponse> {
  await settingsReady;
  host.ensureConnected();
  return { host: host.getState(), settings, extensionVersion: version };
}

chrome.runtime.onMessage.addListener((raw: unknown, sender, sendResponse) => {
  const msg = raw as ToBackground;
  const reply = (p: Promise<unknown>) => {
    p.then(sendResponse, (e) => sendResponse({ ok: false, why: 'error', message: String(e) }));
    return true; // keeps the channel open for the async answer
  };
  switch (msg?.kind) {
    case 'scan':
      return reply(scan(msg, sender));
    case 'audit':
      // Audit events carry rule ids, categories, site and action only; see AuditEvent.
      return reply(
        host.request({ type: 'audit', event: msg.event }, AUDIT_TIMEOUT_MS).then(
          () => ({ ok: true }),
          (e) => ({ ok: false, message: String(e) }),
        ),
      );
    case 'getState':
      return reply(stateResponse());
    case 'reconnect':
      host.reconnectNow();
      return reply(stateResponse());
    case 'hostStatus':
      return reply(host.request({ type: 'status' }, AUDIT_TIMEOUT_MS).catch((e) => ({ type: 'error', message: String(e) })));
    case 'setUserSites':
      return reply(chrome.storage.local.set({ user_covered_sites: msg.sites }).then(() => ({ ok: true })));
    default:
      return false;
  }
});

async function broadcast(message: ToContent): Promise<void> {
  const tabs = await chrome.tabs.query({});
  await Promise.all(tabs.map((tab) => (tab.id === undefined ? undefined : chrome.tabs.sendMessage(tab.id, message).catch(() => {}))));
}

host.onStateChange((state: HostState) => {
  // "connecting" flickers on every retry; pages only need to hear about on and off.
  if (state.status === 'connecting') return;
  void chrome.storage.session.set({ host_state: state }).catch(() => {});
  void chrome.action.setBadgeText({ text: state.status === 'off' ? chrome.i18n.getMessage('badgeOff') : '' });
  void chrome.action.setBadgeBackgroundColor({ color: '#b00020' });
  void broadcast({ kind: 'hostState', host: state });
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'managed' || (area === 'local' && 'user_covered_sites' in changes)) {
    void loadSettings().then(() => broadcast({ kind: 'settings', settings }));
  }
});

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === PACK_ALARM) void runPackUpdate();
});

chrome.runtime.onStartup.addListener(() => host.ensureConnected());
chrome.runtime.onInstalled.addListener(() => host.ensureConnected());
host.ensureConnected();

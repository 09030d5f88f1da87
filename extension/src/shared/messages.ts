// Messages between pages (content scripts, popup, options) and the service worker.

import type { HostState } from '../background/host-connection';
import type { AuditEvent, Finding } from './protocol';
import type { EffectiveSettings } from './settings';

export type ToBackground =
  | { kind: 'scan'; key: string; text: string; site: string; field: string }
  | { kind: 'audit'; event: AuditEvent }
  | { kind: 'getState' }
  | { kind: 'reconnect' }
  | { kind: 'hostStatus' }
  | { kind: 'setUserSites'; sites: string[] };

export type ScanResponse =
  | { ok: true; findings: Finding[]; truncated: boolean }
  | { ok: false; why: 'superseded' }
  | { ok: false; why: 'off'; host: HostState }
  | { ok: false; why: 'starting'; host: HostState }
  | { ok: false; why: 'error'; message: string };

export interface StateResponse {
  host: HostState;
  settings: EffectiveSettings;
  extensionVersion: string;
}

export type ToContent = { kind: 'hostState'; host: HostState } | { kind: 'settings'; settings: EffectiveSettings };

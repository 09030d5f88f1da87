// Types for docs/PROTOCOL.md (protocol version 1). The host is the source of truth; these only
// describe what the extension reads, and unknown fields are tolerated everywhere.

export const PROTOCOL_VERSION = 1;
export const HOST_NAME = 'app.careguard.host';

export type Severity = 'info' | 'warn' | 'block';

export type Category =
  | 'personal-identifier'
  | 'service-user'
  | 'colleague'
  | 'health-record'
  | 'internal'
  | 'boundaries'
  | 'safeguarding'
  | 'discrimination'
  | 'reputation';

export const CATEGORIES: readonly Category[] = [
  'personal-identifier',
  'service-user',
  'colleague',
  'health-record',
  'internal',
  'boundaries',
  'safeguarding',
  'discrimination',
  'reputation',
];

export interface Finding {
  rule: string;
  category: Category;
  severity: Severity;
  /** UTF-16 code-unit offsets into the text exactly as sent, end exclusive. */
  start: number;
  end: number;
  clause: string;
  confidence?: number;
  message: string;
}

export interface PackInfo {
  id: string;
  version: string;
  rules?: number;
  source?: string;
}

export interface PackError {
  path?: string;
  error: string;
}

export type OrgProfile = Record<string, unknown>;

export interface HelloReply {
  type: 'hello';
  id: string | number;
  protocol: number;
  host_version: string;
  packs?: PackInfo[];
  pack_errors?: PackError[];
  org?: OrgProfile;
  limits?: { max_text_bytes?: number; max_findings?: number };
  /** Site adapters from the org packs the host verified and loaded. */
  site_adapters?: unknown[];
}

export interface ResultReply {
  type: 'result';
  id: string | number;
  elapsed_us?: number;
  truncated?: boolean;
  findings: Finding[];
}

export interface StatusReply {
  type: 'status';
  id: string | number;
  packs?: PackInfo[];
  pack_errors?: PackError[];
  reloads?: number;
  last_reload?: string;
}

export interface OkReply {
  type: 'ok';
  id: string | number;
  pack?: PackInfo;
}

export interface ErrorReply {
  type: 'error';
  id: string | number | null;
  code: number;
  name: string;
  message?: string;
}

export type HostReply = HelloReply | ResultReply | StatusReply | OkReply | ErrorReply;

export const HOST_ERROR = {
  frameTooLarge: 1,
  frameEmpty: 2,
  invalidJson: 3,
  invalidUtf8: 4,
  invalidRequest: 5,
  unknownType: 6,
  textTooLarge: 7,
  callerNotAllowed: 8,
  internal: 9,
  packRejected: 10,
  streamCorrupt: 11,
  unsupportedProtocol: 12,
} as const;

/** What the extension records about an action on a finding. Never the post text. */
export interface AuditEvent {
  rule: string;
  category: string;
  severity: string;
  site: string;
  action: AuditAction;
  reason?: string;
}

/** The host's audit vocabulary (host/core/src/audit_log.cpp); it refuses any other action. */
export const AUDIT_ACTIONS = [
  'shown',
  'edited',
  'dismissed',
  'reported_fine',
  'concern_reported',
  'blocked',
  'posted_anyway',
  'attachment_confirmed',
  'attachment_cancelled',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Reason categories for posting past a warning; never free text. */
export const POST_REASONS = ['consent_given', 'not_about_a_client', 'public_information', 'false_alarm', 'other'] as const;
export type PostReason = (typeof POST_REASONS)[number];

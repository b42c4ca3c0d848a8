// PlatformClient: the only way t1 talks to the platform API. It adds auth, applies
// timeouts and the retry policy, and checks every answer against the contract schemas,
// so commands work with typed data or a typed error. Path segments are user input (emails,
// slugs), hence encodeURIComponent: '@', '/' and '?' must not change the path. The client
// prints nothing: it tells a ClientProgress listener what it is doing, and the CLI decides
// what the agent sees (a spinner, retry notices, a trace).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import {
  organisationSettingsSchema,
  invitationResultSchema,
  webhookSecretSchema,
  auditEntrySchema,
  emailLogEntrySchema,
  timelineEntrySchema,
  linkViewSchema,
  bulkBatchResultSchema,
  bulkRunSchema,
  identityChecklistSchema,
  issuedLinkSchema,
  mfaResetResultSchema,
  mfaStatusSchema,
  sentEmailSchema,
  staffLoginResultSchema,
  unlockResultSchema,
  createdTokenSchema,
  eventDetailSchema,
  emailCheckSchema,
  eventSummarySchema,
  pageSchema,
  registrationStatusViewSchema,
  userDetailSchema,
  userSummarySchema,
  whoAmISchema,
  identityCodeResultSchema,
  identityCheckResultSchema,
} from '../contract/schemas.ts';
import type {
  OrganisationSettings,
  UpdateOrganisationBody,
  InvitationBody,
  InvitationResult,
  WebhookSecret,
  AuditEntry,
  AuditQuery,
  CreateMagicLinkBody,
  EmailLogEntry,
  TimelineEntry,
  TimelineQuery,
  BulkBatchBody,
  BulkBatchResult,
  BulkRun,
  AddressActivityQuery,
  LinkView,
  LinksQuery,
  IdentityChecklist,
  IssuedLinkView,
  MfaEnrollmentBody,
  MfaResetBody,
  MfaResetResult,
  MfaStatus,
  PasswordResetBody,
  ResendVerificationBody,
  SentEmail,
  SetPasswordLinkBody,
  StaffLoginResult,
  UnlockResult,
  CreateTokenBody,
  CreatedToken,
  EventDetail,
  EmailCheck,
  EventSummary,
  ListEventsQuery,
  Page,
  RegistrationStatusView,
  SearchUsersQuery,
  UserDetail,
  UserSummary,
  WhoAmI,
  IdentityCodeBody,
  IdentityCodeResult,
  IdentityCheckBody,
  IdentityCheckResult,
} from '../contract/schemas.ts';
import { apiTokenSchema, revokedTokenSchema, type ApiToken, type ListTokensQuery, type RevokeTokenBody, type RevokedToken } from '../contract/schemas.ts';
import type { CreateEventBody, UpdateEventBody } from '../contract/event-settings.ts';
import { smsLogEntrySchema, type SmsLogEntry } from '../contract/sms.ts';
import { HttpTransport } from './http-transport.ts';
import { ApiError, NetworkError, apiErrorFromResponse, networkReason, parseJson } from './errors.ts';
import { withoutControlCharacters } from './sanitize.ts';
import {
  DEFAULT_MAX_ATTEMPTS,
  honoursRetryAfter,
  isIdempotent,
  isRetryableErrorCode,
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
} from './retry.ts';

export const healthSchema = z.object({ ok: z.boolean(), version: z.string() });
export type Health = z.infer<typeof healthSchema>;

const userPageSchema = pageSchema(userSummarySchema);
const eventPageSchema = pageSchema(eventSummarySchema);
const emailPageSchema = pageSchema(emailLogEntrySchema);
const smsPageSchema = pageSchema(smsLogEntrySchema);
const auditPageSchema = pageSchema(auditEntrySchema);
const timelinePageSchema = pageSchema(timelineEntrySchema);
const linkPageSchema = pageSchema(linkViewSchema);
const revokedSchema = z.object({ revoked: z.boolean() });
const tokenPageSchema = pageSchema(apiTokenSchema);

/** Why a support action is taken; the audit log records it. */
export interface ActionContext {
  reason?: string | undefined;
  ticket?: string | undefined;
}

/** One call to the platform: a method on the client, however many attempts it takes. */
export interface CallInfo {
  method: string;
  url: string;
  /** The X-Request-Id sent with every attempt of the call. */
  requestId: string;
}

/** How one attempt ended: with an answer (status) or without one (failure). */
export interface AttemptInfo extends CallInfo {
  /** 1-based. */
  attempt: number;
  maxAttempts: number;
  durationMs: number;
  /** The HTTP status, when the platform answered. */
  status: number | undefined;
  /** The answer's x-request-id header, as sent (unchecked text). */
  responseRequestId: string | null;
  /** Plain words for a failure without an answer, e.g. "connection refused". */
  failure: string | undefined;
}

/** Told before each retry, so the CLI can print a notice to stderr. */
export interface RetryInfo {
  method: string;
  url: string;
  /** The attempt that just failed, 1-based. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** What went wrong, in plain words: "HTTP 503" or "connection refused". */
  reason: string;
  /** The status of the failed attempt; undefined when no answer came. */
  status: number | undefined;
}

/** Listens to what the client is doing; every callback is optional. */
export interface ClientProgress {
  /** A call begins (before its first attempt). */
  onCallStart?(call: CallInfo): void;
  onAttempt?(attempt: AttemptInfo): void;
  /** A failed attempt will be tried again after `delayMs`. */
  onRetry?(retry: RetryInfo): void;
  /** The call is over, answered or failed; always after onCallStart. */
  onCallEnd?(call: CallInfo): void;
}

export interface PlatformClientOptions {
  baseUrl: string;
  token?: string | undefined;
  connectTimeoutMs?: number | undefined;
  /** Longest wait for the response headers, and between chunks of the body. */
  requestTimeoutMs?: number | undefined;
  maxAttempts?: number | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  userAgent?: string | undefined;
  /** Makes the X-Request-Id of each call (default: t1- and a random UUID). */
  requestId?: (() => string) | undefined;
  progress?: ClientProgress | undefined;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions<T> {
  query?: Readonly<Record<string, unknown>> | undefined;
  body?: unknown;
  schema: z.ZodType<T>;
  idempotencyKey?: string | undefined;
}

type Attempt =
  | { kind: 'response'; status: number; statusText: string; retryAfter: string | undefined; text: string }
  | { kind: 'failure'; code: string; error: unknown };

/** A call as the client makes it: the public CallInfo with the method's exact type. */
type Call = CallInfo & { method: Method };

const newRequestId = () => `t1-${randomUUID()}`;

export class PlatformClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #transport: HttpTransport;
  readonly #maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #userAgent: string;
  readonly #requestId: () => string;
  readonly #progress: ClientProgress;
  #lastRequestId: string | null = null;

  constructor(options: PlatformClientOptions) {
    const parsed = new URL(options.baseUrl);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`The platform URL must start with http:// or https:// (got ${options.baseUrl}).`);
    }
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a whole number of at least 1 (got ${maxAttempts}).`);
    }
    // Paths are appended, so a base with a path prefix (https://host/api) keeps it.
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#maxAttempts = maxAttempts;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#random = options.random ?? Math.random;
    this.#userAgent = options.userAgent ?? 't1';
    this.#requestId = options.requestId ?? newRequestId;
    this.#progress = options.progress ?? {};
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#transport = new HttpTransport({ connectTimeoutMs: options.connectTimeoutMs ?? 5_000, requestTimeoutMs });
  }

  /**
   * The x-request-id of the latest attempt's response, for --verbose output and bug reports;
   * null when that attempt got no response.
   */
  get lastRequestId(): string | null {
    return this.#lastRequestId;
  }

  /** Drops open connections; the client cannot be used afterwards. */
  async close(): Promise<void> {
    this.#transport.close();
  }

  health(): Promise<Health> {
    return this.#request('GET', '/v1/health', { schema: healthSchema });
  }

  whoAmI(): Promise<WhoAmI> {
    return this.#request('GET', '/v1/whoami', { schema: whoAmISchema });
  }

  searchUsers(query: SearchUsersQuery): Promise<Page<UserSummary>> {
    return this.#request('GET', '/v1/users', { query, schema: userPageSchema });
  }

  iterateUsers(query: SearchUsersQuery): AsyncIterable<UserSummary> {
    return paginate((cursor) => this.searchUsers({ ...query, cursor }), query.cursor);
  }

  /** `ref` is a user id or an email address. */
  getUser(ref: string): Promise<UserDetail> {
    return this.#request('GET', `/v1/users/${encodeURIComponent(ref)}`, { schema: userDetailSchema });
  }

  getRegistrationStatus(userRef: string, eventRef?: string): Promise<RegistrationStatusView> {
    return this.#request('GET', `/v1/users/${encodeURIComponent(userRef)}/status`, {
      query: { event: eventRef },
      schema: registrationStatusViewSchema,
    });
  }

  listEvents(query: ListEventsQuery = {}): Promise<Page<EventSummary>> {
    return this.#request('GET', '/v1/events', { query, schema: eventPageSchema });
  }

  iterateEvents(query: ListEventsQuery = {}): AsyncIterable<EventSummary> {
    return paginate((cursor) => this.listEvents({ ...query, cursor }), query.cursor);
  }

  /** `ref` is an event id or slug. */
  getEvent(ref: string): Promise<EventDetail> {
    return this.#request('GET', `/v1/events/${encodeURIComponent(ref)}`, { schema: eventDetailSchema });
  }

  /** Creates an event (admin); a retry with the same key answers the first time's event. */
  createEvent(body: CreateEventBody, idempotencyKey?: string): Promise<EventDetail> {
    return this.#request('POST', '/v1/events', { body, idempotencyKey, schema: eventDetailSchema });
  }

  /** Changes settings of an event (admin). */
  updateEvent(ref: string, body: UpdateEventBody, idempotencyKey?: string): Promise<EventDetail> {
    return this.#request('PATCH', `/v1/events/${encodeURIComponent(ref)}`, { body, idempotencyKey, schema: eventDetailSchema });
  }

  /** Whether the event's domain rules would let `email` register; nothing is registered. */
  checkEventEmail(eventRef: string, email: string): Promise<EmailCheck> {
    return this.#request('GET', `/v1/events/${encodeURIComponent(eventRef)}/email-check`, { query: { email }, schema: emailCheckSchema });
  }

  createToken(body: CreateTokenBody, idempotencyKey?: string): Promise<CreatedToken> {
    return this.#request('POST', '/v1/tokens', { body, idempotencyKey, schema: createdTokenSchema });
  }

  // API tokens (admin): listed without their secrets, looked up and revoked by id.
  listTokens(query: ListTokensQuery = {}): Promise<Page<ApiToken>> {
    return this.#request('GET', '/v1/tokens', { query, schema: tokenPageSchema });
  }

  iterateTokens(query: ListTokensQuery = {}): AsyncIterable<ApiToken> {
    return paginate((cursor) => this.listTokens({ ...query, cursor }), query.cursor);
  }

  getToken(id: string): Promise<ApiToken> {
    return this.#request('GET', `/v1/tokens/${encodeURIComponent(id)}`, { schema: apiTokenSchema });
  }

  revokeToken(id: string, body: RevokeTokenBody, idempotencyKey?: string): Promise<RevokedToken> {
    return this.#request('POST', `/v1/tokens/${encodeURIComponent(id)}/revoke`, { body, idempotencyKey, schema: revokedTokenSchema });
  }

  resendVerification(userRef: string, body: ResendVerificationBody, idempotencyKey?: string): Promise<SentEmail> {
    return this.#request('POST', `${this.#userPath(userRef)}/verification-emails`, { body, idempotencyKey, schema: sentEmailSchema });
  }

  createMagicLink(userRef: string, body: CreateMagicLinkBody, idempotencyKey?: string): Promise<IssuedLinkView> {
    return this.#request('POST', `${this.#userPath(userRef)}/magic-links`, { body, idempotencyKey, schema: issuedLinkSchema });
  }

  sendSetPasswordLink(userRef: string, body: SetPasswordLinkBody, idempotencyKey?: string): Promise<SentEmail> {
    return this.#request('POST', `${this.#userPath(userRef)}/set-password-links`, { body, idempotencyKey, schema: sentEmailSchema });
  }

  startPasswordReset(userRef: string, body: PasswordResetBody, idempotencyKey?: string): Promise<IssuedLinkView> {
    return this.#request('POST', `${this.#userPath(userRef)}/password-resets`, { body, idempotencyKey, schema: issuedLinkSchema });
  }

  mfaStatus(userRef: string): Promise<MfaStatus> {
    return this.#request('GET', `${this.#userPath(userRef)}/mfa`, { schema: mfaStatusSchema });
  }

  startMfaEnrollment(userRef: string, body: MfaEnrollmentBody, idempotencyKey?: string): Promise<IssuedLinkView> {
    return this.#request('POST', `${this.#userPath(userRef)}/mfa/enrollments`, { body, idempotencyKey, schema: issuedLinkSchema });
  }

  resetMfa(userRef: string, body: MfaResetBody, idempotencyKey?: string): Promise<MfaResetResult> {
    return this.#request('POST', `${this.#userPath(userRef)}/mfa/reset`, { body, idempotencyKey, schema: mfaResetResultSchema });
  }

  identityChecklist(): Promise<IdentityChecklist> {
    return this.#request('GET', '/v1/organisation/identity-checklist', { schema: identityChecklistSchema });
  }

  unlockUser(userRef: string, body: ActionContext, idempotencyKey?: string): Promise<UnlockResult> {
    return this.#request('POST', `${this.#userPath(userRef)}/unlock`, { body, idempotencyKey, schema: unlockResultSchema });
  }

  emailLog(userRef: string, query: { event?: string; limit?: number; cursor?: string }): Promise<Page<EmailLogEntry>> {
    return this.#request('GET', `${this.#userPath(userRef)}/emails`, { query, schema: emailPageSchema });
  }

  iterateEmailLog(userRef: string, query: { event?: string; limit?: number }): AsyncIterable<EmailLogEntry> {
    return paginate((cursor) => this.emailLog(userRef, { ...query, cursor }));
  }

  /** A person's text messages: masked number, purpose, delivery; never the number or the code. */
  smsLog(userRef: string, query: { limit?: number; cursor?: string }): Promise<Page<SmsLogEntry>> {
    return this.#request('GET', `${this.#userPath(userRef)}/sms`, { query, schema: smsPageSchema });
  }

  iterateSmsLog(userRef: string, query: { limit?: number }): AsyncIterable<SmsLogEntry> {
    return paginate((cursor) => this.smsLog(userRef, { ...query, cursor }));
  }

  /** One batch of a bulk invitation run; the key makes a repeated batch answer as the first did. */
  inviteBatch(eventRef: string, body: BulkBatchBody, idempotencyKey: string): Promise<BulkBatchResult> {
    return this.#request('POST', `/v1/events/${encodeURIComponent(eventRef)}/invitations/batch`, { body, idempotencyKey, schema: bulkBatchResultSchema });
  }

  /** How far a bulk run got (for --resume); not found when the platform never saw it. */
  bulkRun(eventRef: string, run: string): Promise<BulkRun> {
    return this.#request('GET', `/v1/events/${encodeURIComponent(eventRef)}/invitations/runs/${encodeURIComponent(run)}`, { schema: bulkRunSchema });
  }

  userActivity(userRef: string, query: TimelineQuery): Promise<Page<TimelineEntry>> {
    return this.#request('GET', `${this.#userPath(userRef)}/activity`, { query, schema: timelinePageSchema });
  }

  iterateUserActivity(userRef: string, query: TimelineQuery): AsyncIterable<TimelineEntry> {
    return paginate((cursor) => this.userActivity(userRef, { ...query, cursor }), query.cursor);
  }

  /** Activity of an address, for attempts no account matched. */
  addressActivity(query: AddressActivityQuery): Promise<Page<TimelineEntry>> {
    return this.#request('GET', '/v1/activity', { query, schema: timelinePageSchema });
  }

  iterateAddressActivity(query: AddressActivityQuery): AsyncIterable<TimelineEntry> {
    return paginate((cursor) => this.addressActivity({ ...query, cursor }), query.cursor);
  }

  userLinks(userRef: string, query: LinksQuery = {}): Promise<Page<LinkView>> {
    return this.#request('GET', `${this.#userPath(userRef)}/links`, { query, schema: linkPageSchema });
  }

  iterateUserLinks(userRef: string, query: LinksQuery = {}): AsyncIterable<LinkView> {
    return paginate((cursor) => this.userLinks(userRef, { ...query, cursor }), query.cursor);
  }

  audit(query: AuditQuery): Promise<Page<AuditEntry>> {
    return this.#request('GET', '/v1/audit', { query, schema: auditPageSchema });
  }

  iterateAudit(query: AuditQuery): AsyncIterable<AuditEntry> {
    return paginate((cursor) => this.audit({ ...query, cursor }), query.cursor);
  }

  /** Staff sign-in, step one: email and password, and the organisation (id or name) when known. */
  staffLogin(email: string, password: string, organisation?: string): Promise<StaffLoginResult> {
    const body = organisation === undefined ? { email, password } : { email, password, organisation };
    return this.#request('POST', '/v1/auth/login', { body, schema: staffLoginResultSchema });
  }

  /** Staff sign-in, for staff of several organisations: the one picked from the list offered. */
  staffChooseOrganisation(challenge: string, organisation: string): Promise<StaffLoginResult> {
    return this.#request('POST', '/v1/auth/organisation', { body: { challenge, organisation }, schema: staffLoginResultSchema });
  }

  /** Staff sign-in, step two: an authenticator or recovery code for the challenge. */
  staffSecondFactor(challenge: string, code: string): Promise<StaffLoginResult> {
    return this.#request('POST', '/v1/auth/mfa', { body: { challenge, code }, schema: staffLoginResultSchema });
  }

  /** Staff sign-in, enrolling a phone instead of the app: the code is texted to it and asked for next. */
  staffEnrolPhone(challenge: string, phone: string): Promise<StaffLoginResult> {
    return this.#request('POST', '/v1/auth/mfa/phone', { body: { challenge, phone }, schema: staffLoginResultSchema });
  }

  logout(): Promise<{ revoked: boolean }> {
    return this.#request('POST', '/v1/auth/logout', { body: {}, schema: revokedSchema });
  }

  sendInvitation(eventRef: string, body: InvitationBody, idempotencyKey?: string): Promise<InvitationResult> {
    return this.#request('POST', `/v1/events/${encodeURIComponent(eventRef)}/invitations`, { body, idempotencyKey, schema: invitationResultSchema });
  }

  rotateWebhookSecret(eventRef: string, body: ActionContext): Promise<WebhookSecret> {
    return this.#request('POST', `/v1/events/${encodeURIComponent(eventRef)}/webhook-secret`, { body, schema: webhookSecretSchema });
  }

  getOrganisation(): Promise<OrganisationSettings> {
    return this.#request('GET', '/v1/organisation', { schema: organisationSettingsSchema });
  }

  updateOrganisation(body: UpdateOrganisationBody, idempotencyKey?: string): Promise<OrganisationSettings> {
    return this.#request('PATCH', '/v1/organisation', { body, idempotencyKey, schema: organisationSettingsSchema });
  }

  #userPath(ref: string): string {
    return `/v1/users/${encodeURIComponent(ref)}`;
  }

  async #request<T>(method: Method, path: string, options: RequestOptions<T>): Promise<T> {
    const url = this.baseUrl + path + queryString(options.query);
    const call: Call = { method, url, requestId: this.#requestId() };
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent, 'x-request-id': call.requestId };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const retryable = isIdempotent(method, options.idempotencyKey !== undefined);

    this.#progress.onCallStart?.(call);
    try {
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.#attempt(call, attempt, headers, body);
        const mayRetry = retryable && attempt < this.#maxAttempts;

        if (outcome.kind === 'failure') {
          if (!mayRetry || !isRetryableErrorCode(outcome.code)) {
            throw new NetworkError({ url, attempts: attempt, code: outcome.code, cause: outcome.error, clientRequestId: call.requestId });
          }
          await this.#pause({ method, url, attempt, reason: networkReason(outcome.code, outcome.error), status: undefined });
          continue;
        }

        const { status } = outcome;
        if (status >= 200 && status < 300) return this.#parse(call, status, outcome.text, options.schema);
        if (!mayRetry || !isRetryableStatus(status)) {
          throw apiErrorFromResponse({
            method,
            url,
            status,
            statusText: outcome.statusText,
            bodyText: outcome.text,
            headerRequestId: this.#lastRequestId,
            clientRequestId: call.requestId,
          });
        }
        const retryAfterMs = honoursRetryAfter(status) ? parseRetryAfter(outcome.retryAfter, Date.now()) : undefined;
        await this.#pause({ method, url, attempt, reason: `HTTP ${status}`, status }, retryAfterMs);
      }
    } finally {
      this.#progress.onCallEnd?.(call);
    }
  }

  /** One round trip. The body is read here too, so a stall while reading it can be retried. */
  async #attempt(call: Call, attempt: number, headers: Record<string, string>, body: string | undefined): Promise<Attempt> {
    this.#lastRequestId = null;
    const started = performance.now();
    const told = (status: number | undefined, failure: string | undefined) =>
      this.#progress.onAttempt?.({
        ...call,
        attempt,
        maxAttempts: this.#maxAttempts,
        durationMs: Math.round(performance.now() - started),
        status,
        responseRequestId: this.#lastRequestId,
        failure,
      });
    // A header Node refuses (say, a token with a line break) throws here: a local mistake, not the network.
    const sent = this.#transport.send(new URL(call.url), { method: call.method, headers, body });
    try {
      const res = await sent;
      this.#lastRequestId = firstHeader(res.headers['x-request-id']) ?? null;
      told(res.status, undefined);
      return {
        kind: 'response',
        status: res.status,
        statusText: res.statusText,
        retryAfter: firstHeader(res.headers['retry-after']),
        text: res.text,
      };
    } catch (error) {
      const code = errorCode(error);
      told(undefined, networkReason(code, error));
      return { kind: 'failure', code, error };
    }
  }

  async #pause(info: Omit<RetryInfo, 'maxAttempts' | 'delayMs'>, retryAfterMs?: number): Promise<void> {
    const delayMs = retryDelayMs(info.attempt, this.#random, retryAfterMs);
    this.#progress.onRetry?.({ ...info, maxAttempts: this.#maxAttempts, delayMs });
    await this.#sleep(delayMs);
  }

  #parse<T>(call: CallInfo, status: number, text: string, schema: z.ZodType<T>): T {
    const result = schema.safeParse(text === '' ? undefined : parseJson(text));
    // Returned as stored: the CLI's output makes text safe where it reaches a terminal.
    if (result.success) return result.data;
    throw new ApiError({
      code: 'bad_response',
      status,
      message: `The platform's answer to ${call.method} ${new URL(call.url).pathname} did not have the expected shape; t1 and the platform may be different versions.`,
      requestId: withoutControlCharacters(this.#lastRequestId),
      clientRequestId: call.requestId,
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      method: call.method,
      url: call.url,
    });
  }

  /** Emails the person a one-time code to read back to the agent (the code is not returned). */
  sendIdentityCode(userRef: string, body: IdentityCodeBody, idempotencyKey?: string): Promise<IdentityCodeResult> {
    return this.#request('POST', `${this.#userPath(userRef)}/identity-codes`, { body, idempotencyKey, schema: identityCodeResultSchema });
  }

  /** Records the code the person read back; a wrong one is an ApiError (409, reason wrong_code). */
  checkIdentityCode(userRef: string, body: IdentityCheckBody, idempotencyKey?: string): Promise<IdentityCheckResult> {
    return this.#request('POST', `${this.#userPath(userRef)}/identity-checks`, { body, idempotencyKey, schema: identityCheckResultSchema });
  }
}

/** Yields every item of a cursor-paginated list, fetching pages until nextCursor is null. */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  firstCursor?: string,
): AsyncGenerator<T, void, undefined> {
  let cursor = firstCursor;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

function queryString(query: Readonly<Record<string, unknown>> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new TypeError(`Query parameter ${name} must be a string, number or boolean.`);
    }
    params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The system or transport code of a failure, e.g. ECONNREFUSED or T1_HEADERS_TIMEOUT. */
function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : 'unknown';
}

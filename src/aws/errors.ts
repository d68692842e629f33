/** Classifying AWS SDK errors by their name, code and HTTP status; nothing here calls AWS. */

interface SdkErrorLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function asSdk(err: unknown): SdkErrorLike {
  return typeof err === 'object' && err !== null ? (err as SdkErrorLike) : {};
}

export function errorName(err: unknown): string {
  const e = asSdk(err);
  return e.name ?? e.Code ?? e.code ?? 'Error';
}

export function httpStatus(err: unknown): number | undefined {
  return asSdk(err).$metadata?.httpStatusCode;
}

/** True for an error of one of the given names (or codes). Not-found is decided this way, per type. */
export function isErrorNamed(err: unknown, ...names: readonly string[]): boolean {
  const e = asSdk(err);
  return names.some((n) => n === e.name || n === e.Code || n === e.code);
}

const ACCESS_DENIED = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'UnauthorizedException'];

export function isAccessDenied(err: unknown): boolean {
  return isErrorNamed(err, ...ACCESS_DENIED) || httpStatus(err) === 403;
}

const EXPIRED = ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'];

/** The credentials are expired or not valid: nothing more can be done with them. */
export function isCredentialError(err: unknown): boolean {
  return isErrorNamed(err, ...EXPIRED) || errorName(err) === 'CredentialsProviderError';
}

/** Set by the retry strategy (src/aws/retry.ts) on a call's final error; see {@link hadUnansweredAttempt}. */
export const UNANSWERED_ATTEMPT = '$unansweredAttempt';

/**
 * The call was retried after an attempt that got no clear answer (a dropped connection, a timeout, a
 * 5xx): that attempt may have taken effect. A delete whose retry then says "not found" most likely
 * removed the resource itself.
 */
export function hadUnansweredAttempt(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<string, unknown>)[UNANSWERED_ATTEMPT] === true;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(asSdk(err).message ?? err);
}

/** One line for the user: `Name: message` (without the SDK's deserialization noise). */
export function describeError(err: unknown): string {
  const name = errorName(err);
  const full = messageOf(err);
  let msg = full.split('\n')[0] ?? '';
  // An HTML or empty body where an AWS response was expected (an emulator without the operation).
  if (/Deserialization error/.test(full) || /char '<'|Unexpected token|is not valid JSON/i.test(msg)) {
    const status = httpStatus(err);
    msg = `the service answered with something that is not an AWS response${status ? ` (HTTP ${status})` : ''}; it may not implement this operation`;
  }
  if (!msg) return name;
  return msg.startsWith(name) ? msg : `${name}: ${msg}`;
}

/**
 * The service has no endpoint in that region: the AWS hostname of the service in that region does not
 * resolve, so no resource of it can exist there. Only an `*.amazonaws.com(.cn)` name counts: a custom
 * endpoint (an emulator, a proxy) that does not resolve is a failure like any other.
 */
export function isNoEndpoint(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth += 1) {
    const x = e as { code?: string; hostname?: string };
    if (x.code === 'ENOTFOUND') return /\.amazonaws\.com(\.cn)?$/.test(x.hostname ?? '');
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

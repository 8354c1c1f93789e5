/**
 * The socket protocol of Python `eric_sse`, unchanged: one connection per command; the
 * client writes one JSON object `{ c, v, t, p, r }` and half-closes; the server answers and
 * closes. This module parses and validates commands and words the answers; it does no I/O.
 */
import {
  errorParts,
  InvalidChannelException,
  InvalidListenerException,
  InvalidMessageFormat,
  NoMessagesException,
  RepositoryError,
} from '../../engine/errors.js';
import { Message, type Payload } from '../../engine/message.js';
import { payloadNumberTwin } from './python-numbers.js';

/** What the server answers when `d`, `b`, `rl` or `rc` succeeds (no newline, as in Python). */
export const ACK = 'ack';

/** Every verb the server understands, in the seed's order. */
export const VERBS = ['d', 'b', 'c', 'r', 'l', 'w', 'rl', 'rc'] as const;

/** A protocol verb: `d` dispatch, `b` broadcast, `c` create channel, `r` add listener, `l` listen, `w` watch, `rl` remove listener, `rc` remove channel. */
export type Verb = (typeof VERBS)[number];

/** A validated command, one shape per verb. */
export type Command =
  | { readonly verb: 'c' }
  | { readonly verb: 'r' | 'w' | 'rc'; readonly channelId: string }
  | { readonly verb: 'l' | 'rl'; readonly channelId: string; readonly listenerId: string }
  | { readonly verb: 'd'; readonly channelId: string; readonly listenerId: string; readonly message: Message; readonly numbers: unknown }
  | { readonly verb: 'b'; readonly channelId: string; readonly message: Message; readonly numbers: unknown };

/** Default of `ParseOptions.maxDepth`: far deeper than any real message, far from any stack limit. */
export const kDefaultMaxDepth = 256;

/** Options of `parseCommand`. */
export interface ParseOptions {
  /**
   * Deepest nesting of arrays and objects accepted, the request object itself being level 1.
   * @default 256
   */
  maxDepth?: number;
}

const kVerbs: ReadonlySet<string> = new Set(VERBS);
/** Longest excerpt of a bad request quoted back in an error line. */
const kQuoteMax = 80;

/** A short, single-line excerpt of untrusted text for an error message. */
function quote(text: string): string {
  const excerpt = text.length > kQuoteMax ? `${text.slice(0, kQuoteMax)}…` : text;
  return JSON.stringify(excerpt);
}

/** Describes a parsed JSON value's type for an error message. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Reads an optional string field; present with another type is a format error. */
function stringField(request: Record<string, unknown>, key: string, what: string): string | undefined {
  if (!Object.hasOwn(request, key) || request[key] === null) return undefined;
  const value = request[key];
  if (typeof value !== 'string') {
    throw new InvalidMessageFormat(`"${key}" (${what}) must be a string, got ${typeName(value)}`);
  }
  return value;
}

function requireChannelId(request: Record<string, unknown>, verb: Verb): string {
  const channelId = stringField(request, 'c', 'channel id');
  // Python answers a missing channel id with InvalidChannelException ('No channel with id None').
  if (channelId === undefined) throw new InvalidChannelException(`Missing channel id "c" for verb "${verb}"`);
  return channelId;
}

function requireListenerId(request: Record<string, unknown>, verb: Verb): string {
  const listenerId = stringField(request, 'r', 'listener id');
  if (listenerId === undefined) throw new InvalidListenerException(`Missing listener id "r" for verb "${verb}"`);
  return listenerId;
}

function requireMessage(request: Record<string, unknown>, verb: Verb): Message {
  if (!Object.hasOwn(request, 't')) throw new InvalidMessageFormat(`Missing message type "t" for verb "${verb}"`);
  const type = request['t'];
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidMessageFormat(`Message type "t" must be a non-empty string, got ${typeName(type)}`);
  }
  return new Message(type, request['p'] as Payload);
}

/**
 * The deepest nesting of arrays and objects in JSON text, found in one pass without recursion
 * (brackets inside strings do not count). Stops early, returning a value above `limit`, as
 * soon as the text nests deeper than `limit`. Meant to run before parsing: it reads any text.
 */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i += 1; // skip the escaped character (\" or \\)
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return deepest;
}

/**
 * Parses and validates one raw request.
 * @throws InvalidMessageFormat for text that is not a JSON object, text nested deeper than
 *   `options.maxDepth`, a missing or unknown verb,
 *   a missing message type (for `d` and `b`) or a field of the wrong type.
 * @throws InvalidChannelException when a verb that needs a channel has no `c`.
 * @throws InvalidListenerException when a verb that needs a listener has no `r`.
 */
export function parseCommand(raw: string, options: ParseOptions = {}): Command {
  const maxDepth = options.maxDepth ?? kDefaultMaxDepth;
  const depth = jsonDepth(raw, maxDepth);
  if (depth > maxDepth) {
    throw new InvalidMessageFormat(
      `Request nested deeper than ${maxDepth} levels of arrays and objects (the limit; the request object is level 1): ${quote(raw)}`,
    );
  }
  let request: unknown;
  try {
    request = JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidMessageFormat(`Request is not valid JSON (${reason}): ${quote(raw)}`);
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new InvalidMessageFormat(`Request must be a JSON object, got ${typeName(request)}: ${quote(raw)}`);
  }
  const fields = request as Record<string, unknown>;
  if (!Object.hasOwn(fields, 'v')) throw new InvalidMessageFormat(`Missing verb "v" in request: ${quote(raw)}`);
  const verb = fields['v'];
  if (typeof verb !== 'string' || !kVerbs.has(verb)) {
    throw new InvalidMessageFormat(
      `Unknown verb ${quote(typeof verb === 'string' ? verb : JSON.stringify(verb) ?? String(verb))}; expected one of ${VERBS.join(', ')}`,
    );
  }
  switch (verb as Verb) {
    case 'c':
      return { verb: 'c' };
    case 'r':
    case 'w':
    case 'rc':
      return { verb: verb as 'r' | 'w' | 'rc', channelId: requireChannelId(fields, verb as Verb) };
    case 'l':
    case 'rl':
      return {
        verb: verb as 'l' | 'rl',
        channelId: requireChannelId(fields, verb as Verb),
        listenerId: requireListenerId(fields, verb as Verb),
      };
    case 'd': {
      // Message format first, as Python parses the message before looking anything up.
      const message = requireMessage(fields, 'd');
      const channelId = requireChannelId(fields, 'd');
      const listenerId = requireListenerId(fields, 'd');
      return { verb: 'd', channelId, listenerId, message, numbers: payloadNumberTwin(raw, depth) };
    }
    case 'b': {
      const message = requireMessage(fields, 'b');
      return { verb: 'b', channelId: requireChannelId(fields, 'b'), message, numbers: payloadNumberTwin(raw, depth) };
    }
  }
}

/**
 * The one-line answer for a failure: `ClassName: message`, e.g.
 * `InvalidChannelException: No channel with id 2`. Line breaks in the message become spaces
 * so that the answer stays one line. Never throws.
 */
export function formatErrorLine(error: unknown): string {
  const { name, message } = errorParts(error);
  return `${name}: ${message.replace(/\r?\n|\r/g, ' ')}`;
}

/** Error classes recognised in answers, by name. */
const kErrorClasses: Record<string, new (message: string) => Error> = {
  InvalidChannelException,
  InvalidListenerException,
  InvalidMessageFormat,
  NoMessagesException,
  RepositoryError,
};

// `Name: message` (this server) or `Name('message')` / `Name("message")` / `Name()` (Python's repr).
const kErrorAnswer = /^([A-Z][A-Za-z0-9_]*(?:Exception|Error|Format))(?:: ([^]*)|\((?:'([^]*)'|"([^]*)")?\))$/;

/**
 * Recognises an error answer in either form — `InvalidChannelException: No channel with id 2`
 * or Python's `InvalidChannelException('No channel with id 2')` — and rebuilds the error:
 * an instance of the matching class for the library's own errors, otherwise an `Error` whose
 * `name` is the class named. Returns `undefined` for any other answer.
 */
export function parseErrorAnswer(answer: string): Error | undefined {
  const match = kErrorAnswer.exec(answer.trimEnd());
  if (!match) return undefined;
  const name = match[1] as string;
  const message = match[2] ?? match[3] ?? match[4] ?? '';
  const ErrorClass = kErrorClasses[name];
  if (ErrorClass) return new ErrorClass(message);
  const error = new Error(message);
  error.name = name;
  return error;
}

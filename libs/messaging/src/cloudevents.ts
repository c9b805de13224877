/**
 * CloudEvents 1.0 over Kafka (the spec's Kafka protocol binding).
 *
 * Arrears publishes in **binary mode**: the message value is the event's `data` as plain JSON and
 * every other attribute travels in a header, `ce_<attribute>` (`ce_id`, `ce_type`, ...), with
 * `datacontenttype` as the `content-type` header. Consumers that know nothing of CloudEvents
 * read a plain JSON payload; routing and de-duplication need no parsing of the value.
 *
 * Inbound messages are accepted in binary mode, in structured mode (`content-type:
 * application/cloudevents+json`, the whole event as one JSON document) and as plain JSON
 * without CloudEvents attributes (then the message id is its topic/partition/offset).
 */
import type { OutgoingMessage, ReceivedMessage } from './broker.js';

export const CE_SPECVERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';

/** CloudEvents attributes Arrears sets on every published event. */
export interface CloudEventAttributes {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time?: string;
  readonly subject?: string;
  readonly dataschema?: string;
  /**
   * Extension attributes (lower-case letters and digits only, as the spec requires), e.g.
   * `correlationid`, `causationid`, `schemaversion`, `sequence`.
   */
  readonly extensions?: Readonly<Record<string, string>>;
}

const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const RESERVED = new Set(['specversion', 'id', 'source', 'type', 'time', 'subject', 'dataschema', 'datacontenttype', 'data', 'data_base64']);

/** Encodes an event in binary mode: value = JSON data, attributes = `ce_*` headers. */
export function toBinaryMessage(key: string, attributes: CloudEventAttributes, data: unknown): OutgoingMessage {
  const headers: Record<string, string> = {
    ce_specversion: CE_SPECVERSION,
    ce_id: attributes.id,
    ce_source: attributes.source,
    ce_type: attributes.type,
    'content-type': JSON_CONTENT_TYPE,
  };
  if (attributes.time) headers.ce_time = attributes.time;
  if (attributes.subject) headers.ce_subject = attributes.subject;
  if (attributes.dataschema) headers.ce_dataschema = attributes.dataschema;
  for (const [name, value] of Object.entries(attributes.extensions ?? {})) {
    if (!EXTENSION_NAME.test(name) || RESERVED.has(name)) throw new Error(`not a CloudEvents extension attribute name: ${name}`);
    headers[`ce_${name}`] = value;
  }
  return { key, value: JSON.stringify(data ?? null), headers };
}

/** An inbound message after its envelope was read. */
export interface DecodedMessage {
  /** CloudEvents `id`, or `<topic>/<partition>/<offset>` for a plain message. */
  readonly id: string;
  readonly mode: 'binary' | 'structured' | 'plain';
  readonly type?: string;
  readonly source?: string;
  readonly time?: string;
  readonly subject?: string;
  readonly dataschema?: string;
  /** Extension attributes (`correlationid`, ...). */
  readonly extensions: Readonly<Record<string, string>>;
  /** The parsed JSON data. */
  readonly data: unknown;
}

export class MalformedMessageError extends Error {
  readonly code = 'MALFORMED_MESSAGE';
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MalformedMessageError(`${what} is not JSON: ${(err as Error).message}`);
  }
}

function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new MalformedMessageError(`CloudEvents attribute "${name}" is missing or empty`);
  return value;
}

function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const media = contentType.split(';')[0].trim().toLowerCase();
  return media === JSON_CONTENT_TYPE || media.endsWith('+json');
}

/** Reads a consumed message's envelope; throws MalformedMessageError when it cannot. */
export function decodeMessage(message: ReceivedMessage): DecodedMessage {
  if (message.value === null || message.value.length === 0) throw new MalformedMessageError('the message has no value');
  const text = message.value.toString('utf8');
  const contentType = message.headers['content-type'];

  if (contentType?.toLowerCase().startsWith(STRUCTURED_CONTENT_TYPE)) {
    const doc = parseJson(text, 'the structured CloudEvent');
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new MalformedMessageError('a structured CloudEvent must be a JSON object');
    const e = doc as Record<string, unknown>;
    if (e.specversion !== CE_SPECVERSION) throw new MalformedMessageError(`unsupported CloudEvents specversion ${JSON.stringify(e.specversion)}`);
    if ('data_base64' in e) throw new MalformedMessageError('binary (data_base64) CloudEvents data is not accepted; send JSON data');
    if (!isJsonContentType(typeof e.datacontenttype === 'string' ? e.datacontenttype : undefined)) {
      throw new MalformedMessageError(`datacontenttype ${String(e.datacontenttype)} is not JSON`);
    }
    const extensions: Record<string, string> = {};
    for (const [name, value] of Object.entries(e)) if (!RESERVED.has(name) && typeof value === 'string') extensions[name] = value;
    return {
      id: required(e.id, 'id'),
      mode: 'structured',
      type: required(e.type, 'type'),
      source: required(e.source, 'source'),
      ...(typeof e.time === 'string' ? { time: e.time } : {}),
      ...(typeof e.subject === 'string' ? { subject: e.subject } : {}),
      ...(typeof e.dataschema === 'string' ? { dataschema: e.dataschema } : {}),
      extensions,
      data: e.data ?? null,
    };
  }

  if (!isJsonContentType(contentType)) throw new MalformedMessageError(`content-type ${contentType} is not JSON`);
  const h = message.headers;
  if (h.ce_specversion !== undefined) {
    if (h.ce_specversion !== CE_SPECVERSION) throw new MalformedMessageError(`unsupported CloudEvents specversion ${JSON.stringify(h.ce_specversion)}`);
    const extensions: Record<string, string> = {};
    for (const [name, value] of Object.entries(h)) {
      if (!name.startsWith('ce_')) continue;
      const attribute = name.slice(3);
      if (!RESERVED.has(attribute)) extensions[attribute] = value;
    }
    return {
      id: required(h.ce_id, 'id'),
      mode: 'binary',
      type: required(h.ce_type, 'type'),
      source: required(h.ce_source, 'source'),
      ...(h.ce_time ? { time: h.ce_time } : {}),
      ...(h.ce_subject ? { subject: h.ce_subject } : {}),
      ...(h.ce_dataschema ? { dataschema: h.ce_dataschema } : {}),
      extensions,
      data: parseJson(text, 'the message value'),
    };
  }

  return {
    id: `${message.topic}/${message.partition}/${message.offset}`,
    mode: 'plain',
    extensions: {},
    data: parseJson(text, 'the message value'),
  };
}

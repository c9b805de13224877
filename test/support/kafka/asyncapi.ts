/**
 * Validates consumed Kafka messages against an AsyncAPI 3 document: the channel is found by its
 * address (the topic), the message by its headers schema (e.g. the `ce_type` it fixes), then its
 * payload is checked against that message's JSON Schema. `$ref`s are resolved within the document
 * and across files (`../other.yaml#/components/...`).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { load } from 'js-yaml';

type Json = any;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function pointer(doc: Json, fragment: string): Json {
  if (!fragment || fragment === '/') return doc;
  let node = doc;
  for (const raw of fragment.replace(/^\//, '').split('/')) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === undefined || node === null || !(part in node)) throw new Error(`unresolvable JSON pointer #${fragment}`);
    node = node[part];
  }
  return node;
}

export class AsyncApiDocument {
  readonly doc: Json;
  private readonly files = new Map<string, Json>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<object, ValidateFunction>();
  private readonly channels = new Map<string, Json>();
  private readonly refs = new Map<string, Json>();

  constructor(readonly path: string) {
    this.doc = this.file(resolve(path));
    this.ajv.addFormat('date-time', RFC3339);
    this.ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
    this.ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:\S+$/i);
  }

  private file(path: string): Json {
    let doc = this.files.get(path);
    if (!doc) {
      doc = load(readFileSync(path, 'utf8'));
      this.files.set(path, doc);
    }
    return doc;
  }

  /** The node with every `$ref` replaced by what it names (documents are acyclic here). */
  resolved(node: Json, base = resolve(this.path)): Json {
    if (Array.isArray(node)) return node.map((n) => this.resolved(n, base));
    if (node === null || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const [file, fragment = ''] = node.$ref.split('#');
      const target = file ? resolve(dirname(base), file) : base;
      return this.resolved(pointer(this.file(target), fragment), target);
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.resolved(v, base)]));
  }

  channel(address: string): Json {
    let channel = this.channels.get(address);
    if (!channel) {
      const found = Object.values(this.doc.channels ?? {}).find((c: Json) => c.address === address);
      if (!found) throw new Error(`${this.path} has no channel with address ${address}`);
      channel = this.resolved(found);
      this.channels.set(address, channel);
    }
    return channel;
  }

  private validator(schema: object): ValidateFunction {
    let v = this.compiled.get(schema);
    if (!v) {
      v = this.ajv.compile(schema);
      this.compiled.set(schema, v);
    }
    return v;
  }

  /** Errors of a schema (from this document, `#/components/schemas/X`) for a value; [] when valid. */
  check(schemaRef: string, value: unknown): string[] {
    let schema = this.refs.get(schemaRef);
    if (!schema) {
      schema = this.resolved({ $ref: schemaRef });
      this.refs.set(schemaRef, schema);
    }
    return this.run(schema, value);
  }

  /**
   * Validates one message consumed from `topic`: its headers must match one of the channel's
   * messages, and its payload that message's schema. Returns the problems ([] when valid).
   */
  validate(topic: string, message: { headers: Record<string, string>; payload: unknown }): string[] {
    const channel = this.channel(topic);
    const candidates = Object.entries(channel.messages ?? {}) as [string, Json][];
    const tried: string[] = [];
    for (const [name, m] of candidates) {
      const headerErrors = m.headers ? this.run(m.headers, message.headers) : [];
      if (headerErrors.length) {
        tried.push(`${name}: headers ${headerErrors.join('; ')}`);
        continue;
      }
      const payloadErrors = m.payload ? this.run(m.payload, message.payload) : [];
      return payloadErrors.map((e) => `${name} payload ${e}`);
    }
    return [`no message of channel ${topic} matches: ${tried.join(' | ')}`];
  }

  private run(schema: Json, value: unknown): string[] {
    const v = this.validator(schema);
    return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}`);
  }
}

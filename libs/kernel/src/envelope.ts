import type { Position } from './position.js';

export type Role = 'collector' | 'supervisor' | 'risk_manager' | 'auditor' | 'admin' | 'service' | 'customer' | 'agency' | 'system';

export interface Actor {
  readonly id: string;
  readonly role: Role;
}

/** What every stored event carries besides its data. */
export interface EventMetadata {
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: Actor;
  /** The command that produced the event, e.g. `RegisterLoan`. */
  readonly command: string;
  /** Business time of the fact (ISO-8601), taken from the command. */
  readonly occurredAt: string;
  /** The caller's idempotency key, when the command carried one. */
  readonly idempotencyKey?: string;
  /** Versions of the policies/strategies the decision applied, e.g. `{ gradingPolicy: "3" }`. */
  readonly policyVersions?: Readonly<Record<string, string>>;
  /** Anything else a context wants to record (reasons, source system, ...). No personal data. */
  readonly [extra: string]: unknown;
}

/** A domain event as a decider emits it: a past-tense fact. */
export interface DomainEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

/** An event ready to be appended. */
export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/** An event as read back from the store. */
export interface RecordedEvent<D = unknown> {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly streamId: string;
  /** 0-based position within its stream. */
  readonly revision: number;
  readonly globalPosition: Position;
  readonly data: D;
  readonly metadata: EventMetadata;
  /** Wall-clock time the store committed it (ISO-8601). */
  readonly recordedAt: string;
}

/** Streams are `<context>.<aggregate>-<id>`; a category is the part before the first dash. */
export function streamName(context: string, aggregate: string, id: string): string {
  return `${context}.${aggregate}-${id}`;
}

export function streamCategory(streamId: string): string {
  const i = streamId.indexOf('-');
  return i < 0 ? streamId : streamId.slice(0, i);
}

export function streamEntityId(streamId: string): string {
  const i = streamId.indexOf('-');
  return i < 0 ? '' : streamId.slice(i + 1);
}

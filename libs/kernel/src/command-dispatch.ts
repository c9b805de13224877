import type { Command } from './decider.js';
import { domainError, type DomainError } from './errors.js';

/** One handler per command type of an aggregate: what its `decide` hands each command to. */
export type CommandHandlers<C extends Command, S, R> = {
  readonly [T in C['type']]: (command: Extract<C, { readonly type: T }>, state: S) => R;
};

/**
 * A decider's `decide` as a table: each command goes to the handler for its type. A command of a
 * type the table does not name (one that came from outside the type system) is an UNKNOWN_COMMAND
 * domain error: `unknown <aggregate> command "<type>"`.
 */
export function decideByType<C extends Command, S, R>(aggregate: string, handlers: CommandHandlers<C, S, R>): (command: C, state: S) => R | DomainError {
  return (command, state) => {
    const type: C['type'] = command.type;
    if (!Object.hasOwn(handlers, type)) return domainError('UNKNOWN_COMMAND', `unknown ${aggregate} command ${JSON.stringify(type)}`);
    return (handlers[type] as (command: C, state: S) => R)(command, state);
  };
}

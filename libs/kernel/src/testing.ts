import { deepStrictEqual, fail, ok } from 'node:assert/strict';
import type { Decider } from './decider.js';
import type { DomainEvent } from './envelope.js';
import { isDomainError, type DomainError } from './errors.js';

/**
 * given(events).when(command).then(events) | .thenError(code) for decider tests.
 * Assertions come from node:assert, so any test runner reports them.
 */
export function deciderSpec<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        state,
        when(command: C) {
          const result = decider.decide(command, state);
          return {
            result,
            then(expected: readonly E[]) {
              if (isDomainError(result)) fail(`expected events, got error ${result.code}: ${result.message}`);
              deepStrictEqual(result, expected);
              return result;
            },
            /** Asserts only on the emitted events' types, in order. */
            thenTypes(types: readonly E['type'][]) {
              if (isDomainError(result)) fail(`expected events, got error ${result.code}: ${result.message}`);
              deepStrictEqual(
                result.map((e) => e.type),
                types,
              );
              return result;
            },
            thenError(code: string): DomainError {
              ok(isDomainError(result), `expected error ${code}, got events ${JSON.stringify(result)}`);
              deepStrictEqual(result.code, code);
              return result;
            },
          };
        },
      };
    },
  };
}

import { fold, type Command, type Decider } from './decider.js';
import type { DomainEvent } from './envelope.js';
import { isDomainError } from './errors.js';

/**
 * Runs commands one after another through a decider, from the `given` history, and returns that
 * history with every event they record (a test's `given`, a replay). Throws when one is refused:
 * a setup that does not hold is a broken test, not a result.
 */
export function decideAll<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>, commands: readonly C[], given: readonly E[] = []): E[] {
  const events = [...given];
  let state = fold(decider.evolve, decider.initialState(), events);
  for (const command of commands) {
    const result = decider.decide(command, state);
    if (isDomainError(result)) throw new Error(`setup command ${command.type} rejected: ${result.code} ${result.message}`);
    for (const e of result) {
      events.push(e);
      state = decider.evolve(state, e);
    }
  }
  return events;
}

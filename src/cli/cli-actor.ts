import type { Flowgate } from '../app/flowgate.js';
import type { Actor } from '../shared/actor.js';

/**
 * The person acting from this terminal: their account (and so their role) when one exists, marked
 * as the CLI's.
 */
export async function cliActor(flowgate: Flowgate, username: string): Promise<Actor> {
  return { ...(await flowgate.resolveActor(username)), channel: 'cli' };
}

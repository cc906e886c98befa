/**
 * What `flowgate hitl` needs from wherever the requests live: the database (as a client, without
 * workers) or a server's REST API. The command formats and prints; the two backends only fetch and
 * decide, so both modes print the same thing.
 */
import type { Page } from '../app/flowgate.js';
import type { HitlRequestView } from '../app/views.js';
import type { DecisionInput, DecisionResult } from '../app/views.js';
import { ApiClient, type HitlListFilter } from './api-client.js';
import { cliActor } from './cli-actor.js';
import type { HitlTarget } from './hitl-target.js';
import { withClient } from './with-client.js';

export interface HitlBackend {
  /** One page of requests, oldest first, paged as `GET /api/hitl` pages them. */
  listPage(filter: HitlListFilter): Promise<Page<HitlRequestView>>;
  /** Records one decision, and says whose it was (the name the messages show). */
  decide(requestId: string, input: DecisionInput): Promise<{ result: DecisionResult; by: string }>;
}

/** Opens the backend of the target for the work, and closes it whatever happens. */
export async function withHitlBackend<T>(
  target: HitlTarget,
  work: (backend: HitlBackend) => Promise<T>,
): Promise<T> {
  if (target.kind === 'server') {
    return work(serverBackend(new ApiClient({ server: target.server, apiKey: target.apiKey })));
  }
  return withClient(target.db, (flowgate) =>
    work({
      listPage: (filter) => flowgate.listHitl(filter),
      decide: async (requestId, input) => ({
        result: await flowgate.decide(requestId, await cliActor(flowgate, target.by), input),
        by: target.by,
      }),
    }),
  );
}

function serverBackend(client: ApiClient): HitlBackend {
  return {
    listPage: (filter) => client.listHitl(filter),
    async decide(requestId, input) {
      // Asked first: once the server has recorded the decision, a failed lookup must not make
      // the command report a failure.
      const { username } = await client.getMe();
      return { result: await client.decideHitl(requestId, input), by: username };
    },
  };
}

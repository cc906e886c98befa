import type { FlowgateOptions, RetentionPass } from '../app/flowgate.js';
import type { Config } from '../config/index.js';

/** The retention pass of `serve` and `worker`: FLOWGATE_RETENTION, and a line on stdout when a pass deleted rows. */
export function retentionOptions(config: Config): FlowgateOptions['retention'] {
  return {
    ...(config.retention !== undefined ? { defaultMs: config.retention } : {}),
    onPass: (pass) => {
      if (pass.workflows > 0 || pass.outbox_messages > 0) console.log(describePass(pass));
    },
  };
}

function describePass(pass: RetentionPass): string {
  return (
    `Retention: deleted ${pass.workflows} finished runs (${pass.workflow_events} events, ` +
    `${pass.workflow_nodes} nodes, ${pass.hitl_requests} requests) and ${pass.outbox_messages} outbox ` +
    `messages (${pass.outbox_attempts} attempts) in ${pass.batches} transactions.`
  );
}

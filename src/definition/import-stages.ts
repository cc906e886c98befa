import { readDagHeader } from './dag-header.js';
import { formatPath, isPlainObject, type PathSegment } from './document-path.js';
import { buildDag, buildNode, type ImportedDag, type NodeSource } from './imported-dag.js';
import type { DagProblem, NodeDefinition, NodeType, TriggerRule } from './model.js';
import { pickString, readCommonFields, resolveNodeType } from './node-fields.js';

type StageFlow = 'sequential' | 'parallel' | 'conditional';

/** The id of the approval gate placed before a stage. */
export function approvalGateId(stageId: string): string {
  return `${stageId}_approval`;
}

/**
 * Imports seed 003's stage workflow. Sequential stages run in order; parallel ones all at once;
 * conditional ones in order, each skipped when its condition is false without skipping the rest (so the
 * stages after the first use trigger rule `none_failed`). A stage needing approval gets a human node
 * `<id>_approval` before it, which takes over the stage's dependencies.
 */
export function importStages(document: Record<string, unknown>): ImportedDag {
  const problems: DagProblem[] = [];
  const header = readDagHeader(document, true, problems);
  const flow: StageFlow =
    document.type === 'parallel' || document.type === 'conditional' ? document.type : 'sequential';
  const nodes: NodeDefinition[] = [];
  const sources: NodeSource[] = [];
  const rawStages: unknown[] = Array.isArray(document.stages) ? document.stages : [];
  let previous: { id: string; path: string } | undefined;

  rawStages.forEach((raw, index) => {
    if (!isPlainObject(raw) || typeof raw.id !== 'string' || raw.id === '') return;
    const path = `stages[${index}]`;
    const holder = { value: raw, path };
    const upstream = flow !== 'parallel' && previous ? [previous] : [];
    // Only a chained stage can have a skipped upstream, and that is the case `none_failed` exists for.
    const triggerRule: TriggerRule =
      flow === 'conditional' && upstream.length > 0 ? 'none_failed' : 'all_success';

    const hasInput = raw.input !== undefined;
    const config = {
      ...(isPlainObject(raw.config) ? raw.config : {}),
      ...(hasInput ? { input: raw.input } : {}),
    };
    const configPath = (segments: readonly PathSegment[]) =>
      hasInput && segments[0] === 'input'
        ? formatPath(segments.slice(1), `${path}.input`)
        : formatPath(segments, `${path}.config`);
    const common = readCommonFields(
      [holder],
      holder,
      { value: config, path: `${path}.config` },
      triggerRule,
      problems,
    );
    const agent = pickString([holder], ['agent_id', 'agentId']);
    const tool = pickString([holder], ['tool_name', 'toolName']);
    const written = typeof raw.type === 'string' ? raw.type : undefined;
    let type: NodeType | undefined = tool ? 'tool' : 'agent';
    if (written !== undefined) {
      type = resolveNodeType(written);
      if (type === undefined) {
        problems.push({
          code: 'unknown_node_type',
          path: `${path}.type`,
          message: `unknown node type "${written}"`,
        });
      }
    }
    const stageName = typeof raw.name === 'string' && raw.name !== '' ? raw.name : raw.id;

    let dependencies = upstream;
    const approval = isPlainObject(raw.approval) ? raw.approval : undefined;
    const needsGate =
      raw.requiresApproval === true || (approval !== undefined && raw.requiresApproval !== false);
    if (needsGate) {
      const gateId = approvalGateId(raw.id);
      const gatePath = approval ? `${path}.approval` : `${path}.requiresApproval`;
      nodes.push(
        buildNode({
          id: gateId,
          type: 'human_in_loop',
          sourceType: 'approval',
          name: `Approval: ${stageName}`,
          config: gateConfig(approval, stageName),
          dependencies: upstream.map((entry) => entry.id),
          // Asking to approve a stage that will be skipped helps no one, so the gate shares its condition.
          common: {
            triggerRule,
            ...(common.condition !== undefined ? { condition: common.condition } : {}),
          },
        }),
      );
      sources.push({
        path: gatePath,
        idPath: `${path}.id`,
        typePath: gatePath,
        typeKnown: true,
        dependencyPaths: upstream.map(() => path),
        edgeConditionPaths: {},
        ...(common.conditionPath !== undefined ? { conditionPath: common.conditionPath } : {}),
        agentPath: gatePath,
        toolPath: gatePath,
        configPath: (segments) => formatPath(segments, `${path}.approval`),
      });
      dependencies = [{ id: gateId, path: gatePath }];
    }

    nodes.push(
      buildNode({
        id: raw.id,
        type: type ?? 'agent',
        sourceType: written ?? type ?? '',
        name: typeof raw.name === 'string' ? raw.name : undefined,
        agentId: agent?.value,
        toolName: tool?.value,
        config,
        dependencies: dependencies.map((entry) => entry.id),
        common,
      }),
    );
    sources.push({
      path,
      idPath: `${path}.id`,
      typePath: `${path}.type`,
      typeKnown: type !== undefined,
      dependencyPaths: dependencies.map(() => path),
      edgeConditionPaths: {},
      ...(common.conditionPath !== undefined ? { conditionPath: common.conditionPath } : {}),
      agentPath: agent?.path ?? `${path}.agent_id`,
      toolPath: tool?.path ?? `${path}.tool_name`,
      ...(common.compensatePath !== undefined ? { compensatePath: common.compensatePath } : {}),
      configPath,
    });
    previous = { id: raw.id, path };
  });

  return { dag: buildDag(header, 'stages', nodes), sources, problems };
}

/** The gate's config is the stage's `approval` object, with a bare timeout read as `{after}`. */
function gateConfig(
  approval: Record<string, unknown> | undefined,
  stageName: string,
): Record<string, unknown> {
  const config: Record<string, unknown> = { ...approval };
  if (config.message === undefined || config.message === null)
    config.message = `Approve stage ${stageName}?`;
  if (typeof config.timeout === 'number' || typeof config.timeout === 'string') {
    config.timeout = { after: config.timeout };
  }
  return config;
}

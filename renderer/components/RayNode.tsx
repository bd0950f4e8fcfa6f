// The Ray row's node as Ray reports it: node id, head, what it offers and uses, tasks running now.
import type { RayNodeStateView } from '../../preload/contract/index.ts';
import { RAY_NODE_PHASE_WORDS } from '../../preload/contract/words.ts';

function amount(name: string, value: number): string {
  return name === 'memory' || name === 'object_store_memory' ? `${(value / 1024 ** 3).toFixed(1)} GiB` : String(Math.round(value * 100) / 100);
}

const RESOURCE_NAMES: Record<string, string> = { CPU: 'CPU', GPU: 'GPU', memory: 'Memory', object_store_memory: 'Object store' };

export function RayNode({ node }: { node: RayNodeStateView }) {
  return (
    <dl className="ray-node" aria-label="Ray node">
      <dt>State</dt>
      <dd>{RAY_NODE_PHASE_WORDS[node.phase]}</dd>
      <dt>Node id</dt>
      <dd><code>{node.nodeId ?? 'none'}</code></dd>
      <dt>Head</dt>
      <dd><code>{node.headAddress}</code></dd>
      <dt>Tasks running</dt>
      <dd>{node.tasksRunning}</dd>
      {node.resources.map((r) => (
        <span key={r.name} style={{ display: 'contents' }}>
          <dt>{RESOURCE_NAMES[r.name] ?? `Resource ${r.name}`}</dt>
          <dd>{amount(r.name, r.used)} of {amount(r.name, r.total)} in use</dd>
        </span>
      ))}
    </dl>
  );
}

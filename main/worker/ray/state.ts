// The Ray node's real state, read from Ray: the head's view of this device's node (node id,
// status, resources offered and in use, through the autoscaler SDK that `ray status` uses) and
// the tasks running now (the node's worker processes, titled `ray::<task>` by Ray).
import { z } from 'zod';
import { processesOf } from './node.ts';
import { runCommand, type RunAs } from './run.ts';

const SCRIPT = `
import json, sys
address, device = sys.argv[1], sys.argv[2]
try:
    from ray.autoscaler.v2.sdk import get_cluster_status
    s = get_cluster_status(address, timeout=5)
except Exception as e:
    print(json.dumps({"reached": False, "error": (type(e).__name__ + ": " + str(e))[:200]}))
    sys.exit(0)
mine = [n for n in list(s.active_nodes) + list(s.idle_nodes) if (n.labels or {}).get("io.net/device") == device]
node = mine[0] if mine else None
out = {"reached": True, "node": None}
if node is not None:
    usage = {u.resource_name: {"total": u.total, "used": u.used} for u in node.resource_usage.usage if not u.resource_name.startswith("node:")}
    out["node"] = {"nodeId": node.node_id, "status": node.node_status, "resources": usage}
print(json.dumps(out))
`;

const ProbeSchema = z.object({
  reached: z.boolean(),
  error: z.string().optional(),
  node: z.object({ nodeId: z.string().max(128), status: z.string().max(32), resources: z.record(z.string().max(128), z.object({ total: z.number(), used: z.number() })) }).nullable().optional(),
});

export interface RayNodeState {
  /** `joined`: the head lists this node; `lost-head`: the head does not answer; `not-joined`: it answers without this node. */
  phase: 'joined' | 'lost-head' | 'not-joined';
  nodeId: string | null;
  headAddress: string;
  /** What the node offers and uses now: CPU, GPU, memory, object store, the device's resource. */
  resources: { name: string; total: number; used: number }[];
  tasksRunning: number;
  readAt: number;
  detail: string;
}

/** Reads the node's state from the head and this machine's process table. */
export async function readNodeState(o: { python: string; address: string; deviceId: string; as: RunAs | null; env: NodeJS.ProcessEnv; cwd: string; mark: string }): Promise<RayNodeState> {
  const run = await runCommand(o.python, ['-c', SCRIPT, o.address, o.deviceId], { as: o.as, env: o.env, cwd: o.cwd, timeoutMs: 20_000 });
  const tasks = o.as ? runningTasks(o.as.uid, o.mark) : 0;
  const base = { headAddress: o.address, tasksRunning: tasks, readAt: Date.now() };
  let probe: z.infer<typeof ProbeSchema> | null;
  try {
    probe = ProbeSchema.parse(JSON.parse(run.out.trim().split('\n').at(-1) ?? ''));
  } catch {
    probe = null;
  }
  if (!probe) return { ...base, phase: 'lost-head', nodeId: null, resources: [], detail: `Could not read Ray's state: ${run.err.trim().split('\n').at(-1)?.slice(0, 160) ?? `exit code ${run.code}`}` };
  if (!probe.reached) return { ...base, phase: 'lost-head', nodeId: null, resources: [], detail: `The Ray head at ${o.address} does not answer (${probe.error ?? 'no reply'}).` };
  if (!probe.node) return { ...base, phase: 'not-joined', nodeId: null, resources: [], detail: `The head at ${o.address} does not list this device's node yet.` };
  const resources = Object.entries(probe.node.resources).map(([name, r]) => ({ name, total: r.total, used: r.used }));
  return { ...base, phase: 'joined', nodeId: probe.node.nodeId, resources, detail: `Node ${probe.node.nodeId.slice(0, 12)} in the cluster at ${o.address}, ${probe.node.status.toLowerCase()}.` };
}

/** Ray titles a worker process `ray::<task or actor>`; idle ones and Ray's own agents are not tasks. */
export function runningTasks(uid: number, mark: string): number {
  return processesOf(uid, mark).filter((p) => /^ray::/.test(p.cmd) && !/^ray::(IDLE|DashboardAgent|RuntimeEnvAgent)\b/.test(p.cmd)).length;
}

/** The resources as people read them: "2 CPU, 1 GPU, 1.0 GiB memory". */
export function resourceWords(resources: RayNodeState['resources']): string {
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  const order = ['CPU', 'GPU', 'memory', 'object_store_memory'];
  return resources
    .filter((r) => order.includes(r.name) && r.total > 0)
    .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
    .map((r) => (r.name === 'memory' ? `${gib(r.total)} memory` : r.name === 'object_store_memory' ? `${gib(r.total)} object store` : `${r.total} ${r.name}`))
    .join(', ');
}

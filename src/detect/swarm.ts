// The engine's Docker Swarm facts for `berth doctor`, from the `docker info` answer detection already has (its
// Swarm part) and, on a manager only, the node list (GET /nodes, or `docker node inspect`): one more cheap call.

/** `Swarm` of `docker info`, the part berth reads. */
export interface InfoSwarm {
  NodeID?: string;
  LocalNodeState?: string;
  ControlAvailable?: boolean;
  Error?: string;
  Nodes?: number;
  Managers?: number;
}

/** A node as the engine API (GET /nodes, `docker node inspect`) describes it, the part berth reads. */
export interface ApiNode {
  ID: string;
  Spec?: { Labels?: Record<string, string> | null; Role?: string; Availability?: string };
  Description?: { Hostname?: string };
  Status?: { State?: string };
  ManagerStatus?: { Leader?: boolean } | null;
}

export interface SwarmNodeFact {
  id: string;
  hostname: string;
  role: string;
  /** ready, down, unknown, disconnected. */
  status: string;
  availability: string;
  leader: boolean;
  self: boolean;
  /** The node's berth.* labels (berth.<project>.data=true marks where a stack's volumes live). */
  labels: Record<string, string>;
}

export interface SwarmFacts {
  /** inactive, pending, active, locked, error. */
  state: string;
  /** manager (this engine can deploy stacks), worker, or none (not in a swarm). */
  role: 'manager' | 'worker' | 'none';
  nodeId?: string;
  nodes?: number;
  managers?: number;
  /** On a manager: every node, ready or not. */
  nodeList?: SwarmNodeFact[];
  error?: string;
}

/** Pure: the swarm facts from `docker info`'s Swarm and, on a manager, the nodes. */
export function swarmFacts(info: InfoSwarm | undefined, nodes?: readonly ApiNode[]): SwarmFacts {
  const state = info?.LocalNodeState || 'inactive';
  const active = state === 'active';
  const role = !active ? 'none' : info?.ControlAvailable ? 'manager' : 'worker';
  return {
    state,
    role,
    ...(active && info?.NodeID ? { nodeId: info.NodeID } : {}),
    ...(active && info?.Nodes !== undefined ? { nodes: info.Nodes } : {}),
    ...(active && info?.Managers !== undefined ? { managers: info.Managers } : {}),
    ...(nodes ? { nodeList: nodes.map((n) => nodeFact(n, info?.NodeID)) } : {}),
    ...(info?.Error ? { error: info.Error } : {}),
  };
}

function nodeFact(n: ApiNode, self: string | undefined): SwarmNodeFact {
  const labels = Object.entries(n.Spec?.Labels ?? {}).filter(([k]) => k.startsWith('berth.'));
  return {
    id: n.ID,
    hostname: n.Description?.Hostname ?? n.ID,
    role: n.Spec?.Role ?? 'unknown',
    status: n.Status?.State ?? 'unknown',
    availability: n.Spec?.Availability ?? 'unknown',
    leader: n.ManagerStatus?.Leader === true,
    self: n.ID === self,
    labels: Object.fromEntries(labels.sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The doctor line: "manager of 3 nodes (1 manager), ready: vm1, vm2; not ready: vm3 (down)". */
export function swarmLine(s: SwarmFacts, apiVersion: string | undefined): string {
  const api = apiVersion ? `, engine API ${apiVersion}` : '';
  if (s.role === 'none') return `not in a swarm (${s.state})${api}`;
  const size = `${s.nodes ?? '?'} node(s), ${s.managers ?? '?'} manager(s)`;
  if (s.role === 'worker') return `worker in a swarm of ${size}${api}: berth deploys from a manager`;
  const list = s.nodeList ?? [];
  const ready = list.filter((n) => n.status === 'ready').map((n) => n.hostname);
  const notReady = list.filter((n) => n.status !== 'ready').map((n) => `${n.hostname} (${n.status})`);
  const labels = list.flatMap((n) => Object.entries(n.labels).map(([k, v]) => `${k}=${v} on ${n.hostname}`));
  return [
    `manager of ${size}${api}`,
    ready.length ? `ready: ${ready.join(', ')}` : '',
    notReady.length ? `not ready: ${notReady.join(', ')}` : '',
    labels.length ? `labels: ${labels.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

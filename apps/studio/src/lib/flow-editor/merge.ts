import { type FlowDefinition, getNodeType, stepLabelWords } from '@tillflow/flow-model';

// Combining two people's drafts of one flow after a save conflict (three-way: what you started from, your
// version, theirs). Each step, connection and setting outside the graph is taken from whichever side changed it;
// when both changed the same one differently the drafts clash and the person chooses a whole version instead.
// Moving a step is never a clash: your position wins. A connection left pointing at a step the other side
// deleted is a clash too.

export type MergeResult = { ok: true; definition: FlowDefinition } | { ok: false; clashes: string[] };

type Node = FlowDefinition['graph']['nodes'][number];
type Edge = FlowDefinition['graph']['edges'][number];

/** Deep equality that ignores object key order (the database returns JSON keys in its own order). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ak.length === bk.length &&
    ak.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

const MISSING = Symbol('missing');
type Side<T> = T | typeof MISSING;

/** The three-way pick: the side that changed, or a clash when both changed differently. */
function pick<T>(base: Side<T>, mine: Side<T>, theirs: Side<T>): { value: Side<T> } | null {
  if (sameJson(mine, base)) return { value: theirs };
  if (sameJson(theirs, base) || sameJson(theirs, mine)) return { value: mine };
  return null;
}

const byId = <T extends { id: string }>(items: T[]) => new Map(items.map((x) => [x.id, x]));
const get = <T>(map: Map<string, T>, id: string): Side<T> => (map.has(id) ? (map.get(id) as T) : MISSING);

function stepName(node: Side<Node>, ...others: Side<Node>[]) {
  const n = [node, ...others].find((x): x is Node => x !== MISSING);
  return `the step “${stepLabelWords(n?.label ?? (n ? getNodeType(n.type)?.label : undefined) ?? 'unnamed')}”`;
}

export function mergeDrafts(base: FlowDefinition, mine: FlowDefinition, theirs: FlowDefinition): MergeResult {
  const clashes: string[] = [];
  const merged: Record<string, unknown> = {};
  // Everything outside the graph (the trigger, inputs, outputs…), key by key.
  const keys = new Set(
    [...Object.keys(base), ...Object.keys(mine), ...Object.keys(theirs)].filter((k) => k !== 'graph'),
  );
  for (const key of keys) {
    const side = (d: FlowDefinition): Side<unknown> => (key in d ? (d as Record<string, unknown>)[key] : MISSING);
    const chosen = pick(side(base), side(mine), side(theirs));
    if (!chosen) clashes.push(key === 'trigger' ? 'the trigger (when the flow runs)' : `the flow’s ${key}`);
    else if (chosen.value !== MISSING) merged[key] = chosen.value;
  }

  // Steps: what they are and do, then where they sit (your position wins).
  const [b, m, t] = [base, mine, theirs].map((d) => byId(d.graph.nodes));
  const ids = [...new Set([...t.keys(), ...m.keys(), ...b.keys()])];
  const nodes: Node[] = [];
  const clashed = new Set<string>();
  for (const id of ids) {
    const sides = [get(b, id), get(m, id), get(t, id)] as const;
    const core = (n: Side<Node>): Side<Omit<Node, 'position'>> => {
      if (n === MISSING) return MISSING;
      const { position: _position, ...rest } = n;
      return rest;
    };
    const chosen = pick(core(sides[0]), core(sides[1]), core(sides[2]));
    if (!chosen) {
      clashed.add(id);
      clashes.push(
        sides[1] === MISSING || sides[2] === MISSING
          ? `${stepName(sides[2], sides[1])}: one of you deleted it, the other changed it`
          : `${stepName(sides[0], sides[1])}: you both changed it`,
      );
      continue;
    }
    if (chosen.value === MISSING) continue;
    const position =
      (sides[1] !== MISSING ? sides[1].position : undefined) ??
      (sides[2] !== MISSING ? sides[2].position : undefined) ??
      (sides[0] !== MISSING ? sides[0].position : undefined);
    nodes.push({ ...chosen.value, position } as Node);
  }

  // Connections, by id.
  const [be, me, te] = [base, mine, theirs].map((d) => byId(d.graph.edges));
  const edges: Edge[] = [];
  for (const id of new Set([...te.keys(), ...me.keys(), ...be.keys()])) {
    const chosen = pick(get(be, id), get(me, id), get(te, id));
    if (!chosen) clashes.push('a connection you both changed');
    else if (chosen.value !== MISSING) edges.push(chosen.value);
  }
  // A step already named as a clash is not also reported through its connections.
  const kept = new Set([...nodes.map((n) => n.id), ...clashed]);
  if (edges.some((e) => !kept.has(e.source) || !kept.has(e.target)))
    clashes.push('a connection to a step the other version deleted');
  if (clashes.length) return { ok: false, clashes };
  return { ok: true, definition: { ...(merged as FlowDefinition), graph: { ...theirs.graph, nodes, edges } } };
}

/**
 * The import graph of a source tree, folder by folder, and the cycles in it. Imports are read
 * with TypeScript's own pre-parser (`ts.preProcessFile`), so comments and strings never count and
 * `import type`, `export … from` and dynamic `import()` all do: a type-only import is still a
 * dependency a reader has to follow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import: `from` imports `to`, both paths relative to the root, with `/` separators. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

/** Folder → folders it imports → the file imports that make each of those edges. */
export type FolderGraph = ReadonlyMap<string, ReadonlyMap<string, readonly ImportEdge[]>>;

const toPosix = (path: string): string => path.split(sep).join('/');

/**
 * Every relative import between the `.ts` files under `root` whose target is under `root` too
 * (package imports and imports that leave the root are left out; see {@link importsLeaving}).
 */
export function readImports(root: string): ImportEdge[] {
  return allImports(root).filter((edge) => !edge.to.startsWith('../'));
}

/** The relative imports of files under `root` that point outside it (`to` starts with `../`). */
export function importsLeaving(root: string): ImportEdge[] {
  return allImports(root).filter((edge) => edge.to.startsWith('../'));
}

function allImports(root: string): ImportEdge[] {
  const absoluteRoot = resolve(root);
  const files = readdirSync(absoluteRoot, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort();
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const path = resolve(absoluteRoot, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('./') && !fileName.startsWith('../')) continue;
      edges.push({ from: toPosix(file), to: toPosix(relative(absoluteRoot, resolve(dirname(path), fileName))) });
    }
  }
  return edges;
}

/** A file's folder: its first path segment, or the file itself when it sits at the root (e.g. `errors.ts`). */
export function folderOf(file: string): string {
  return file.split('/')[0];
}

/** The edges between different folders; imports inside one folder are that folder's own business. */
export function folderGraph(edges: readonly ImportEdge[]): FolderGraph {
  const graph = new Map<string, Map<string, ImportEdge[]>>();
  for (const edge of edges) {
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    if (from === to) continue;
    const targets = graph.get(from) ?? new Map<string, ImportEdge[]>();
    graph.set(from, targets);
    targets.set(to, [...(targets.get(to) ?? []), edge]);
  }
  return graph;
}

/**
 * One cycle per group of folders that import each other (a strongly connected component of two or
 * more folders): the shortest closed path through its first folder by name, e.g.
 * `['serving', 'steps', 'serving']`. Empty when the folders form a hierarchy.
 */
export function folderCycles(graph: FolderGraph): string[][] {
  return stronglyConnected(graph)
    .filter((component) => component.length > 1)
    .map((component) => shortestCycle(graph, component.sort()[0], new Set(component)));
}

/** Each cycle as one line: the path, then the file imports along it. */
export function describeCycles(graph: FolderGraph, cycles: readonly (readonly string[])[]): string {
  return cycles
    .map((cycle) => {
      const steps = cycle.slice(1).map((to, i) => {
        const made = graph.get(cycle[i])?.get(to) ?? [];
        return made.map((edge) => `${edge.from} imports ${edge.to}`).join(', ');
      });
      return `${cycle.join(' → ')}: ${steps.join('; ')}`;
    })
    .join('\n');
}

/** @throws Error listing every cycle between folders, with the imports that close it */
export function assertNoFolderCycles(edges: readonly ImportEdge[]): void {
  const graph = folderGraph(edges);
  const cycles = folderCycles(graph);
  if (cycles.length > 0) throw new Error(`import cycles between folders:\n${describeCycles(graph, cycles)}`);
}

/** Tarjan's algorithm over the folder graph; components in no particular order. */
function stronglyConnected(graph: FolderGraph): string[][] {
  const nodes = new Set<string>([...graph.keys(), ...[...graph.values()].flatMap((targets) => [...targets.keys()])]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** Breadth-first from `start` back to itself, inside `within` (a component, so a way back exists). */
function shortestCycle(graph: FolderGraph, start: string, within: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (!within.has(next)) continue;
      if (next === start) {
        const way: string[] = [];
        for (let at = node; at !== start; at = cameFrom.get(at)!) way.unshift(at);
        return [start, ...way, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  throw new Error(`${start} is in a component but on no cycle`);
}

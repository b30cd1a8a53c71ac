/**
 * The folders of lambdas/core form a hierarchy: no folder imports one that imports it back, and
 * the core imports nothing outside itself (no adapter, handler or CLI). See docs/layout.md.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNoFolderCycles,
  folderCycles,
  folderGraph,
  type ImportEdge,
  importsLeaving,
  readImports,
} from '../../support/import-graph.ts';

const CORE = fileURLToPath(new URL('../../../lambdas/core', import.meta.url));

describe('lambdas/core', () => {
  const edges = readImports(CORE);

  it('is read whole: the walker sees the imports the core is known to have', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual({ from: 'steps/gate.ts', to: 'registry/decision-record.ts' });
    expect(edges).toContainEqual({ from: 'serving/predictions.ts', to: 'ml/review.ts' });
  });

  it('has no import cycle between its folders', () => {
    expect(() => assertNoFolderCycles(edges)).not.toThrow();
  });

  it('imports nothing outside itself but packages', () => {
    expect(importsLeaving(CORE)).toEqual([]);
  });
});

describe('the cycle check', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to });

  it('fails on a cycle between two folders and names the imports that close it', () => {
    const edges = [
      edge('serving/champion-cache.ts', 'steps/evaluate.ts'),
      edge('steps/batch/score-file.ts', 'serving/review.ts'),
      edge('steps/gate.ts', 'ml/metrics.ts'),
    ];
    expect(folderCycles(folderGraph(edges))).toEqual([['serving', 'steps', 'serving']]);
    expect(() => assertNoFolderCycles(edges)).toThrow(
      'import cycles between folders:\nserving → steps → serving: serving/champion-cache.ts imports steps/evaluate.ts; steps/batch/score-file.ts imports serving/review.ts',
    );
  });

  it('finds a cycle through three folders, and each separate cycle', () => {
    const edges = [
      edge('a/x.ts', 'b/y.ts'),
      edge('b/y.ts', 'c/z.ts'),
      edge('c/z.ts', 'a/w.ts'),
      edge('d/p.ts', 'e/q.ts'),
      edge('e/q.ts', 'd/r.ts'),
      edge('d/p.ts', 'a/x.ts'),
    ];
    expect(folderCycles(folderGraph(edges)).sort()).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'e', 'd'],
    ]);
    expect(() => assertNoFolderCycles(edges)).toThrow(/a → b → c → a: a\/x\.ts imports b\/y\.ts; b\/y\.ts imports c\/z\.ts; c\/z\.ts imports a\/w\.ts\nd → e → d/);
  });

  it('passes a hierarchy, and cycles inside one folder (a file at the root is a folder of its own)', () => {
    const edges = [
      edge('steps/a.ts', 'steps/b.ts'),
      edge('steps/b.ts', 'steps/a.ts'),
      edge('steps/a.ts', 'ml/m.ts'),
      edge('serving/s.ts', 'ml/m.ts'),
      edge('ml/m.ts', 'errors.ts'),
    ];
    expect(folderCycles(folderGraph(edges))).toEqual([]);
    expect(() => assertNoFolderCycles(edges)).not.toThrow();
    expect(() => assertNoFolderCycles([...edges, edge('errors.ts', 'steps/a.ts')])).toThrow(/errors\.ts → steps → ml → errors\.ts/);
  });
});

describe('readImports', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'prognos-imports-'));
    await mkdir(join(root, 'a', 'deep'), { recursive: true });
    await mkdir(join(root, 'b'));
    await writeFile(
      join(root, 'a', 'deep', 'x.ts'),
      [
        "import { z } from 'zod';",
        "import type { T } from '../../b/t.ts';",
        "export { u } from '../../b/u.ts';",
        "// import { not } from '../../b/comment.ts';",
        "const text = \"import { no } from '../../b/string.ts'\";",
        "export const later = () => import('../sibling.ts');",
        "import { outside } from '../../../elsewhere/o.ts';",
      ].join('\n'),
    );
    await writeFile(join(root, 'b', 'types.d.ts'), "import type { X } from '../a/deep/x.ts';");
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads type-only imports, re-exports and dynamic imports; not comments, strings, packages or declaration files', () => {
    expect(readImports(root)).toEqual([
      { from: 'a/deep/x.ts', to: 'b/t.ts' },
      { from: 'a/deep/x.ts', to: 'b/u.ts' },
      { from: 'a/deep/x.ts', to: 'a/sibling.ts' },
    ]);
  });

  it('keeps the imports that leave the root apart', () => {
    expect(importsLeaving(root)).toEqual([{ from: 'a/deep/x.ts', to: '../elsewhere/o.ts' }]);
  });
});

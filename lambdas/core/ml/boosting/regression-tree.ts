import { z } from 'zod';

/**
 * One fitted tree of the ensemble, as flat arrays (node 0 is the root). An inner node sends a row
 * left when its value of `feature` is ≤ `threshold` (a bin boundary in the feature's own units);
 * a leaf (`feature` −1) adds `value` (already scaled by the learning rate) to the row's log-odds.
 */
export interface RegressionTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

/** The tree's contribution to the log-odds of the row at `data[offset …]`. */
export function treeOutput(tree: RegressionTree, data: Float64Array, offset: number): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    node = data[offset + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return tree.value[node];
}

export const regressionTreeJsonSchema = z
  .object({
    feature: z.array(z.int().min(-1)).min(1),
    threshold: z.array(z.number()),
    left: z.array(z.int().min(-1)),
    right: z.array(z.int().min(-1)),
    value: z.array(z.number()),
  })
  .superRefine((t, ctx) => {
    const n = t.feature.length;
    if ([t.threshold, t.left, t.right, t.value].some((a) => a.length !== n)) {
      ctx.addIssue({ code: 'custom', message: 'feature, threshold, left, right and value must have one entry per node' });
      return;
    }
    for (let k = 0; k < n; k++) {
      const leaf = t.feature[k] < 0;
      // Children come after their parent: every path ends, and no node is shared by two parents' paths into a loop.
      const childOk = (c: number) => (leaf ? c === -1 : c > k && c < n);
      if (!childOk(t.left[k]) || !childOk(t.right[k])) {
        ctx.addIssue({ code: 'custom', message: `node ${k}: ${leaf ? 'a leaf has children -1' : 'children must be later nodes of the tree'}` });
        return;
      }
    }
  });
export type RegressionTreeJson = z.infer<typeof regressionTreeJsonSchema>;

export function treeToJson(tree: RegressionTree): RegressionTreeJson {
  return {
    feature: Array.from(tree.feature),
    threshold: Array.from(tree.threshold),
    left: Array.from(tree.left),
    right: Array.from(tree.right),
    value: Array.from(tree.value),
  };
}

export function treeFromJson(json: RegressionTreeJson): RegressionTree {
  return {
    feature: Int32Array.from(json.feature),
    threshold: Float64Array.from(json.threshold),
    left: Int32Array.from(json.left),
    right: Int32Array.from(json.right),
    value: Float64Array.from(json.value),
  };
}

import { readFileSync } from 'node:fs';
import { readNumericCsv } from '../lambdas/core/data/csv.ts';
import { stratifiedSplit } from '../lambdas/core/ml/split.ts';
const ref = JSON.parse(readFileSync('/work/shared/reference/gpc_reference.json', 'utf8'));
const c = ref.cases.moons_200_iso;
const ds = readNumericCsv('/work/shared/reference/' + c.csv, { label: 'label' });
const s = stratifiedSplit(ds.y, { testFraction: 0.3, seed: 99 });
const a = new Set(Array.from(s.testIndex)); const b = c.split.test_idx as number[];
console.log(c.split.method, b.filter((i) => a.has(i)).length, b.length);

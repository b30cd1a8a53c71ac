#!/usr/bin/env node
// `npx prognos …` in a clone (package.json "bin"): an unsupported Node.js is refused first, with the
// README's remedy, then the TypeScript CLI runs through tsx, as `npm run prognos` runs it.
import './require-node.mjs';
import { register } from 'tsx/esm/api';

register();
await import('./prognos.ts');

// Preloaded before the CLI (`tsx --import ./bin/require-node.mjs …`): an unsupported Node.js is
// refused here, with the remedy, before any module that needs a newer one loads and fails late.
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const [wantMajor, wantMinor] = engines.node.replace(/^>=\s*/, '').split('.').map(Number);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < wantMajor || (major === wantMajor && minor < wantMinor)) {
  process.stderr.write(
    `prognos: Node.js ${process.versions.node} is too old: Prognos needs Node.js ${engines.node.replace(/^>=\s*/, '')} or newer.\n` +
      `Get Node 22 from the npm registry without touching the system one (README, Prerequisites):\n` +
      `  npm install --prefix ~/.local/node22 node@22 && export PATH="$HOME/.local/node22/node_modules/.bin:$PATH"\n`,
  );
  process.exit(1);
}

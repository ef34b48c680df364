#!/usr/bin/env node
// Runs the compiled test files (.build/test/**/*.test.js) with node's built-in test runner.
// Usage: node scripts/run-tests.mjs [test/subdir ...]   (paths are relative to the repo root, as in the sources)
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
}
for (const root of roots) {
  const built = join('.build', root.replace(/\.ts$/, '.js'));
  if (!existsSync(built)) { console.error(`no compiled tests at ${built}: run 'npm run build:dev' first`); process.exit(2); }
  if (statSync(built).isDirectory()) walk(built); else files.push(built);
}
if (files.length === 0) { console.error('no test files found'); process.exit(2); }
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);

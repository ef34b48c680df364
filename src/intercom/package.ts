// Files at the package root (spec.json, package.json), found from wherever the compiled code runs: dist/
// (image, npm package) or .build/src/ (development). Cheap on purpose: `spec` reads these and nothing else.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectorSpecification } from '../airbyte/protocol.js';

function packageFile(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`${name} not found next to the connector package`);
}

export function loadSpec(): ConnectorSpecification {
  return JSON.parse(readFileSync(packageFile('spec.json'), 'utf8')) as ConnectorSpecification;
}

/** The name and version of package.json (placeholders if it cannot be read: --help must not fail). */
export function packageInfo(): { name: string; version: string } {
  let pkg: { name?: unknown; version?: unknown } = {};
  try {
    pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as typeof pkg;
  } catch {
    // fall through to the placeholders
  }
  return { name: typeof pkg.name === 'string' ? pkg.name : 'source-intercom', version: typeof pkg.version === 'string' ? pkg.version : 'unknown' };
}

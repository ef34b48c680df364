// The project's shared reference folder: a sibling of the repository (as CI lays it out), else the shared
// checkout of this workplace.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function sharedPath(...parts: string[]): string {
  const sibling = resolve(process.cwd(), '..', 'shared', ...parts);
  return existsSync(sibling) ? sibling : join('/work/shared', ...parts);
}

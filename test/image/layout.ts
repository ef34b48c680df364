// Reproduces the image's final stage in a folder, without Docker: its COPY lines (context files, and build-stage
// outputs mapped back to the repository, since the build stage compiles the same sources) and its npm installs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { copies, finalStage, keyValues, lastValue, runs, stageNamed, type Stage } from './dockerfile.js';

export interface ImageLayout {
  /** The folder standing for WORKDIR. */
  root: string;
  workdir: string;
  /** AIRBYTE_ENTRYPOINT with the program and image paths mapped to this machine. */
  entrypoint: string[];
  /** What was done, step by step, for failure messages. */
  steps: string[];
}

/** Maps an absolute image path under WORKDIR to the layout folder. */
const inLayout = (root: string, workdir: string, imagePath: string) => {
  const rel = posix.relative(workdir, imagePath);
  if (rel.startsWith('..')) throw new Error(`${imagePath} lies outside WORKDIR ${workdir}`);
  return join(root, rel);
};

function copyInto(src: string, dest: string): void {
  if (!existsSync(src)) throw new Error(`the image would copy ${src}, which does not exist here (build first?)`);
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(src, dest, { recursive: true });
}

function npm(args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' }, timeout: 300_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** Builds the final stage of `stages` into `root`; `repo` is the build context (the repository). */
export function reproduceFinalStage(stages: Stage[], repo: string, root: string): ImageLayout {
  const final = finalStage(stages);
  const workdir = lastValue(final, 'WORKDIR') ?? '/';
  const steps: string[] = [];
  // Instructions in file order: COPY and RUN interleave (dependencies are installed before dist/ arrives).
  const copyList = copies(final);
  const runList = runs(final);
  const ordered = [...copyList.map((c) => ({ line: c.line, copy: c })), ...runList.map((r) => ({ line: r.line, run: r.args }))].sort((a, b) => a.line - b.line);
  for (const step of ordered) {
    if ('copy' in step && step.copy) {
      const c = step.copy;
      const destBase = inLayout(root, workdir, posix.resolve(workdir, c.dest));
      for (const source of c.sources) {
        let src: string;
        if (c.from) {
          const build = stageNamed(stages, c.from);
          if (!build) throw new Error(`COPY --from=${c.from} (line ${c.line}) names no stage`);
          const buildDir = lastValue(build, 'WORKDIR') ?? '/';
          src = join(repo, posix.relative(buildDir, posix.resolve(buildDir, source)));
        } else {
          src = join(repo, source);
        }
        if (!existsSync(src)) throw new Error(`line ${c.line} copies ${source}, which does not exist here as ${src} (build first?)`);
        // Docker: a directory's contents go to dest; a file goes into dest when dest is a folder ("x/" or many sources).
        const dest = statSync(src).isDirectory() ? destBase
          : c.dest.endsWith('/') || c.sources.length > 1 ? join(destBase, posix.basename(source)) : destBase;
        copyInto(src, dest);
        steps.push(`COPY ${relative(repo, src) || '.'} -> ${relative(root, dest)}`);
      }
    } else if ('run' in step && step.run) {
      for (const cmd of step.run.split(/&&|;/).map((x) => x.trim())) {
        const m = /^npm\s+(ci|install)\b(.*)$/.exec(cmd);
        if (!m) { steps.push(`skip RUN ${cmd}`); continue; }
        const args = [m[1]!, ...m[2]!.trim().split(/\s+/).filter(Boolean)];
        if (!args.includes('--ignore-scripts')) args.push('--ignore-scripts');
        let r = npm([...args, '--offline', '--no-audit', '--no-fund'], root);
        if (r.status !== 0) r = npm([...args, '--no-audit', '--no-fund'], root);
        if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${root}:\n${r.output.slice(-2000)}`);
        steps.push(`RUN npm ${args.join(' ')}`);
      }
    }
  }
  const env = keyValues(final, 'ENV');
  const declared = env.AIRBYTE_ENTRYPOINT?.trim().split(/\s+/);
  if (!declared?.length) throw new Error('the final stage declares no AIRBYTE_ENTRYPOINT');
  const [program, ...args] = declared;
  const entrypoint = [program === 'node' ? process.execPath : program!, ...args.map((a) => (a.startsWith(workdir) ? inLayout(root, workdir, a) : a))];
  return { root, workdir, entrypoint, steps };
}

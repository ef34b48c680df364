// A small Dockerfile reader (no engine needed): stages, their instructions, and the values the checks need.
export interface Instruction { keyword: string; args: string; line: number }
export interface Stage { image: string; name?: string; instructions: Instruction[] }
export interface CopyInstruction { from?: string; sources: string[]; dest: string; line: number }

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) line = line.replace(/\\\s*$/, ' ') + lines[++i]!.trim();
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read "${line}"`);
    const keyword = m[1]!.toUpperCase(), args = m[2]!.trim();
    if (keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`Dockerfile line ${start + 1}: cannot read FROM "${args}"`);
      stages.push({ image: f[1]!, name: f[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) {
      if (keyword === 'ARG') continue;
      throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
    }
    stages[stages.length - 1]!.instructions.push({ keyword, args, line: start + 1 });
  }
  if (stages.length === 0) throw new Error('Dockerfile has no FROM');
  return stages;
}

export const finalStage = (stages: Stage[]) => stages[stages.length - 1]!;
export const stageNamed = (stages: Stage[], name: string) => stages.find((s) => s.name === name) ?? stages[Number(name)];
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** key=value pairs of ENV or LABEL instructions (quotes removed); the legacy `ENV key value` form too. */
export function keyValues(stage: Stage, keyword: 'ENV' | 'LABEL'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ins of all(stage, keyword)) {
    if (keyword === 'ENV' && !/^[^\s=]+=/.test(ins.args)) {
      const [k, ...rest] = ins.args.split(/\s+/);
      out[k!] = rest.join(' ');
      continue;
    }
    for (const m of ins.args.matchAll(/([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S+)/g)) {
      const raw = m[2]!;
      out[m[1]!.replace(/^"|"$/g, '')] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.replace(/^'|'$/g, '');
    }
  }
  return out;
}

/** The ENTRYPOINT in exec form (a JSON array); throws for the shell form, which Airbyte cannot compare. */
export function entrypoint(stage: Stage): string[] {
  const ins = all(stage, 'ENTRYPOINT').pop();
  if (!ins) throw new Error('the final stage has no ENTRYPOINT');
  let value: unknown;
  try { value = JSON.parse(ins.args); } catch { value = undefined; }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`ENTRYPOINT (line ${ins.line}) is not the exec form ["prog", "arg"]`);
  return value as string[];
}

export const lastValue = (stage: Stage, keyword: string) => all(stage, keyword).pop()?.args;
export const runs = (stage: Stage) => all(stage, 'RUN');

export function copies(stage: Stage): CopyInstruction[] {
  return all(stage, 'COPY').map((ins) => {
    const parts = ins.args.startsWith('[') ? (JSON.parse(ins.args) as string[]) : ins.args.split(/\s+/);
    const flags = parts.filter((p) => p.startsWith('--'));
    const paths = parts.filter((p) => !p.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1]!, line: ins.line };
  });
}

/** Is `path` (relative to the build context) sent to the builder, given .dockerignore's patterns? */
export function inBuildContext(path: string, dockerignore: string): boolean {
  let included = true;
  const clean = path.replace(/^\.\//, '').replace(/\/$/, '');
  for (const rawLine of dockerignore.split('\n')) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/^\.\//, '').replace(/\/$/, '');
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}(/.*)?$`);
    if (re.test(clean)) included = negate;
  }
  return included;
}

// CAT "spec" rules as pure functions over a ConnectorSpecification (and a config that must match it).
import type { AirbyteMessage, ConnectorSpecification } from '../../../src/airbyte/protocol.js';
import { draft07Violations, forbiddenKeywordViolations, newValidator, subschemas, typesOf } from './json-schema.js';
import { canonicalJson, violation, type Violation } from './violation.js';

/** Property names that hold secrets (CAT's list); a name ending in `_<word>` counts too. */
export const SECRET_NAMES = ['token', 'access_token', 'api_token', 'client_token', 'client_secret', 'secret', 'password',
  'key', 'api_key', 'credentials', 'refresh_token', 'service_account', 'service_account_info', 'certificate', 'jwt'] as const;
const SECRET_SUFFIXES = ['_token', '_secret', '_password', '_key', '_credentials'];

export const SPEC_FORBIDDEN_KEYWORDS = ['$ref', 'anyOf', 'allOf', 'not', 'if', 'then', 'else', 'patternProperties'] as const;

const connectionSpecification = (spec: ConnectorSpecification) => spec.connectionSpecification as Record<string, unknown>;

export function specMessageViolations(messages: AirbyteMessage[]): Violation[] {
  const specs = messages.filter((m) => m.type === 'SPEC');
  return specs.length === 1 ? [] : [violation('spec.one-spec-message', 'stdout', `expected exactly one SPEC message, got ${specs.length}`)];
}

export function specIsDraft07Violations(spec: ConnectorSpecification): Violation[] {
  if (!spec.connectionSpecification) return [violation('spec.draft-07', '/connectionSpecification', 'missing')];
  return draft07Violations(newValidator(), spec.connectionSpecification, 'spec.draft-07', '/connectionSpecification');
}

function looksSecret(name: string): boolean {
  const n = name.toLowerCase();
  return (SECRET_NAMES as readonly string[]).includes(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s));
}

/** Every property that can hold a secret (string/number, no enum/const) and is named like one is airbyte_secret. */
export function secretsMarkedViolations(spec: ConnectorSpecification): Violation[] {
  const out: Violation[] = [];
  for (const sub of subschemas(connectionSpecification(spec))) {
    const props = sub.schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (!props || typeof props !== 'object') continue;
    for (const [name, prop] of Object.entries(props)) {
      const canHold = typesOf(prop).some((t) => t === 'string' || t === 'integer' || t === 'number') && prop.enum === undefined && prop.const === undefined;
      if (canHold && looksSecret(name) && prop.airbyte_secret !== true) {
        out.push(violation('spec.secrets-marked', `/connectionSpecification${sub.at === '/' ? '' : sub.at}/properties/${name}`, `"${name}" looks like a secret but is not marked airbyte_secret: true`));
      }
    }
  }
  return out;
}

/** `type` is one type or a pair [type, "null"]; objects declare properties (or oneOf variants). */
export function typeShapeViolations(spec: ConnectorSpecification): Violation[] {
  const out: Violation[] = [];
  for (const sub of subschemas(connectionSpecification(spec))) {
    const where = `/connectionSpecification${sub.at === '/' ? '' : sub.at}`;
    const t = sub.schema.type;
    if (Array.isArray(t)) {
      const ok = t.length === 2 && t.includes('null') && t.filter((x) => x !== 'null').length === 1;
      if (!ok) out.push(violation('spec.type-shape', where, `type ${JSON.stringify(t)} must be one type or [type, "null"]`));
    } else if (t !== undefined && typeof t !== 'string') {
      out.push(violation('spec.type-shape', where, `type ${JSON.stringify(t)} is neither a string nor a list`));
    }
    if (typesOf(sub.schema).includes('object') && !sub.schema.properties && !sub.schema.oneOf) {
      out.push(violation('spec.object-properties', where, 'an object without "properties"'));
    }
  }
  return out;
}

export function specForbiddenKeywordViolations(spec: ConnectorSpecification): Violation[] {
  return forbiddenKeywordViolations(connectionSpecification(spec), SPEC_FORBIDDEN_KEYWORDS, 'spec.forbidden-keywords', '/connectionSpecification');
}

export function additionalPropertiesViolations(spec: ConnectorSpecification): Violation[] {
  return subschemas(connectionSpecification(spec))
    .filter((sub) => 'additionalProperties' in sub.schema && sub.schema.additionalProperties !== true)
    .map((sub) => violation('spec.additional-properties', `/connectionSpecification${sub.at === '/' ? '' : sub.at}`,
      `additionalProperties is ${JSON.stringify(sub.schema.additionalProperties)}, must be true`));
}

/** oneOf variants are objects sharing one property that is a `const` in every variant, whose default equals it. */
export function oneOfViolations(spec: ConnectorSpecification): Violation[] {
  const out: Violation[] = [];
  for (const sub of subschemas(connectionSpecification(spec))) {
    const variants = sub.schema.oneOf as Array<Record<string, unknown>> | undefined;
    if (!Array.isArray(variants)) continue;
    const where = `/connectionSpecification${sub.at === '/' ? '' : sub.at}/oneOf`;
    const propsOf = (v: Record<string, unknown>) => (v.properties ?? {}) as Record<string, Record<string, unknown>>;
    const shared = Object.keys(propsOf(variants[0] ?? {})).filter((name) => variants.every((v) => propsOf(v)[name]?.const !== undefined));
    if (shared.length !== 1) {
      out.push(violation('spec.oneof', where, `variants must share exactly one property with "const" (found ${shared.length}: ${shared.join(', ') || 'none'})`));
      continue;
    }
    const name = shared[0]!;
    const consts = variants.map((v) => canonicalJson(propsOf(v)[name]!.const));
    if (new Set(consts).size !== consts.length) out.push(violation('spec.oneof', where, `variants repeat a "${name}" const`));
    variants.forEach((v, i) => {
      const p = propsOf(v)[name]!;
      if (canonicalJson(p.default) !== canonicalJson(p.const)) {
        out.push(violation('spec.oneof', `${where}/${i}/properties/${name}`, `default ${JSON.stringify(p.default)} must equal const ${JSON.stringify(p.const)}`));
      }
    });
  }
  return out;
}

/** No duplicate values in an enum; no duplicate `order` among sibling properties. */
export function enumAndOrderViolations(spec: ConnectorSpecification): Violation[] {
  const out: Violation[] = [];
  for (const sub of subschemas(connectionSpecification(spec))) {
    const where = `/connectionSpecification${sub.at === '/' ? '' : sub.at}`;
    if (Array.isArray(sub.schema.enum)) {
      const seen = new Set<string>();
      for (const value of sub.schema.enum) {
        const key = canonicalJson(value);
        if (seen.has(key)) out.push(violation('spec.enum-unique', `${where}/enum`, `duplicate value ${key}`));
        seen.add(key);
      }
    }
    const props = sub.schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (props && typeof props === 'object') {
      const byOrder = new Map<unknown, string>();
      for (const [name, prop] of Object.entries(props)) {
        if (prop?.order === undefined) continue;
        if (!Number.isInteger(prop.order)) out.push(violation('spec.order', `${where}/properties/${name}`, `order ${JSON.stringify(prop.order)} is not an integer`));
        if (byOrder.has(prop.order)) out.push(violation('spec.order', `${where}/properties/${name}`, `order ${String(prop.order)} repeats the order of "${byOrder.get(prop.order)}"`));
        byOrder.set(prop.order, name);
      }
    }
  }
  return out;
}

/** The config must validate against connectionSpecification. */
export function configMatchesSpecViolations(spec: ConnectorSpecification, config: unknown, configName: string): Violation[] {
  const ajv = newValidator();
  let validate;
  try { validate = ajv.compile(connectionSpecification(spec)); } catch (e) {
    return [violation('spec.config-matches', configName, `connectionSpecification does not compile: ${(e as Error).message}`)];
  }
  if (validate(config)) return [];
  return (validate.errors ?? []).map((e) => violation('spec.config-matches', `${configName}${e.instancePath || '/'}`, e.message ?? 'invalid'));
}

/** All spec rules that need only the spec. */
export function specRuleViolations(spec: ConnectorSpecification): Violation[] {
  return [
    ...specIsDraft07Violations(spec), ...secretsMarkedViolations(spec), ...typeShapeViolations(spec),
    ...specForbiddenKeywordViolations(spec), ...additionalPropertiesViolations(spec), ...oneOfViolations(spec),
    ...enumAndOrderViolations(spec),
  ];
}

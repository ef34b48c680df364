/**
 * Intercom's search query language, as the sandbox serves it on POST /contacts/search,
 * /conversations/search and /tickets/search (OpenAPI 2.14 `search_request`; FIELD-NOTES section 2).
 *
 * `compileSearch` validates a request body once and turns it into a `match(doc)` closure tree that the
 * server calls for every candidate record; nothing is parsed or allocated per call.
 *
 * Documented behaviour kept here:
 * - a query is a filter `{field, operator, value}` or a group `{operator: 'AND'|'OR', value: [...]}`;
 *   at most 2 levels of groups, at most 15 entries per group;
 * - operators depend on the field type (string: = != IN NIN ~ !~ ^ $; integer/float: = != IN NIN > < >= <=;
 *   boolean: = != IN NIN; date: = != IN NIN > < >= <=);
 * - contacts ('day' semantics) match dates by UTC calendar day: `=` is the whole day, `>` starts at the next
 *   day, `<` ends before the start of the day; the docs say `!=`, `>=`, `<=`, IN and NIN "are not supported
 *   on Date fields and return an error", so they are rejected unless `lenientDayOperators` is set, in which
 *   case `>=` means from the start of the day and `<=` until its end;
 * - conversations/tickets ('second') compare dates exactly. The docs call `>` "Greater (or equal) than";
 *   that is unverified, so `inclusiveDateComparisons` makes `>`/`<` inclusive on date fields.
 * - numeric values may be sent as digit strings (the docs' own example sends `"1306054154"`).
 * - errors are HTTP 400 `parameter_invalid` with a message naming the field and operator.
 */

export type FieldType = 'string' | 'integer' | 'float' | 'boolean' | 'date';
export type SearchOperator = '=' | '!=' | 'IN' | 'NIN' | '>' | '<' | '>=' | '<=' | '~' | '!~' | '^' | '$';

export interface SearchModel {
  name: 'contact' | 'conversation' | 'ticket';
  /** Searchable fields, dotted names allowed ('custom_attributes.plan'). */
  fields: Record<string, FieldType>;
  /** contacts: 'day' (calendar day, UTC used as the workspace tz); conversations/tickets: 'second'. */
  dateSemantics: 'day' | 'second';
  /** Per-field operator lists that replace the type's (e.g. contacts' `tag_id`: only `=` and `!=`). */
  fieldOperators?: Record<string, readonly SearchOperator[]>;
  /** 'day' models: also accept `!=`, `>=`, `<=`, IN, NIN on dates (Intercom documents an error). */
  lenientDayOperators?: boolean;
  /** 'second' models: `>` and `<` on dates include the given second (unverified reading of the docs). */
  inclusiveDateComparisons?: boolean;
}

export interface CompiledSearch {
  /** doc: flat record of searchable values (dates as unix seconds); an array value matches per element. */
  match(doc: Record<string, unknown>): boolean;
  sort: { field: string; order: 'ascending' | 'descending' } | undefined;
  perPage: number;
  /** Opaque cursor from pagination.starting_after. */
  startingAfter: string | undefined;
  /** Index hint: inclusive unix-second bounds on one date field that every matching doc satisfies. */
  range: { field: string; min?: number; max?: number } | undefined;
}

export interface SearchErrorDetail { code: string; message: string; field?: string }

export class SearchError extends Error {
  readonly status: number;
  readonly errors: SearchErrorDetail[];
  constructor(message: string, field?: string, code = 'parameter_invalid', status = 400) {
    super(message);
    this.name = 'SearchError';
    this.status = status;
    this.errors = [field === undefined ? { code, message } : { code, message, field }];
  }
}

/** Documented limits. */
export const MAX_PER_PAGE = 150;
export const MAX_FILTERS_PER_GROUP = 15;
export const MAX_NESTING = 2;
/** Documented default page sizes: contacts 50, conversations and tickets 20. */
export const DEFAULT_PER_PAGE: Record<SearchModel['name'], number> = { contact: 50, conversation: 20, ticket: 20 };

const DAY = 86_400;
const ALL_OPERATORS: readonly SearchOperator[] = ['=', '!=', 'IN', 'NIN', '>', '<', '>=', '<=', '~', '!~', '^', '$'];
const OPERATORS_BY_TYPE: Record<FieldType, readonly SearchOperator[]> = {
  string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
  integer: ['=', '!=', 'IN', 'NIN', '>', '<', '>=', '<='],
  float: ['=', '!=', 'IN', 'NIN', '>', '<', '>=', '<='],
  boolean: ['=', '!=', 'IN', 'NIN'],
  date: ['=', '!=', 'IN', 'NIN', '>', '<', '>=', '<='],
};
const DAY_DATE_OPERATORS: readonly SearchOperator[] = ['=', '>', '<'];
/** Each negated operator matches exactly the docs its positive twin does not (including missing values). */
const NEGATION: Partial<Record<SearchOperator, SearchOperator>> = { '!=': '=', NIN: 'IN', '!~': '~' };

type Predicate = (doc: Record<string, unknown>) => boolean;
type ValueTest = (value: unknown) => boolean;
type Bounds = { min?: number; max?: number };

export function compileSearch(body: unknown, model: SearchModel): CompiledSearch {
  if (!isPlainObject(body)) throw new SearchError('Request body must be a JSON object with a query');
  const compiler = new QueryCompiler(model);
  if (body.query === undefined || body.query === null) throw new SearchError('query is required', 'query');
  const match = compiler.node(body.query, 0, 'query');
  const { perPage, startingAfter } = pagination(body.pagination, model);
  return {
    match,
    sort: sortOf(body.sort, model),
    perPage,
    startingAfter,
    range: compiler.range(body.sort),
  };
}

class QueryCompiler {
  /** Bounds per date field implied by conditions every match must satisfy. */
  private readonly bounds = new Map<string, Bounds>();

  constructor(private readonly model: SearchModel) {}

  /** depth: number of groups enclosing this node. `required`: every match must satisfy this node. */
  node(node: unknown, depth: number, where: string, required = true): Predicate {
    if (!isPlainObject(node)) throw new SearchError(`${where} must be an object: a filter {field, operator, value} or a group {operator, value}`);
    if ('field' in node) return this.filter(node, where, required);
    return this.group(node, depth, where, required);
  }

  private group(node: Record<string, unknown>, depth: number, where: string, required: boolean): Predicate {
    const operator = node.operator;
    if (operator !== 'AND' && operator !== 'OR') {
      throw new SearchError(`${where}: a group's operator must be AND or OR (got ${show(operator)}); a filter needs a field`);
    }
    if (depth >= MAX_NESTING) {
      throw new SearchError(`${where}: too much nesting, a query allows at most ${MAX_NESTING} levels of AND/OR groups`);
    }
    const children = node.value;
    if (!Array.isArray(children) || children.length === 0) {
      throw new SearchError(`${where}: an ${operator} group's value must be a non-empty array of filters`);
    }
    if (children.length > MAX_FILTERS_PER_GROUP) {
      throw new SearchError(`${where}: an ${operator} group allows at most ${MAX_FILTERS_PER_GROUP} filters (got ${children.length})`);
    }
    const childRequired = required && (operator === 'AND' || children.length === 1);
    const parts = children.map((child, i) => this.node(child, depth + 1, `${where}.value[${i}]`, childRequired));
    if (parts.length === 1) return parts[0];
    if (parts.length === 2) {
      const [a, b] = parts;
      return operator === 'AND' ? (doc) => a(doc) && b(doc) : (doc) => a(doc) || b(doc);
    }
    const n = parts.length;
    return operator === 'AND'
      ? (doc) => { for (let i = 0; i < n; i++) if (!parts[i](doc)) return false; return true; }
      : (doc) => { for (let i = 0; i < n; i++) if (parts[i](doc)) return true; return false; };
  }

  private filter(node: Record<string, unknown>, where: string, required: boolean): Predicate {
    const field = node.field;
    if (typeof field !== 'string' || field === '') throw new SearchError(`${where}: field must be a non-empty string`, 'field');
    const type = Object.prototype.hasOwnProperty.call(this.model.fields, field) ? this.model.fields[field] : undefined;
    if (type === undefined) throw new SearchError(`${field} is not a searchable ${this.model.name} field`, field);
    const operator = node.operator;
    if (typeof operator !== 'string' || !(ALL_OPERATORS as readonly string[]).includes(operator)) {
      throw new SearchError(`${show(operator)} is not a search operator (field ${field}); use one of ${ALL_OPERATORS.join(' ')}`, field);
    }
    const op = operator as SearchOperator;
    const allowed = this.operatorsFor(field, type);
    if (!allowed.includes(op)) {
      throw new SearchError(`operator ${op} is not supported on ${type} field ${field}; use one of ${allowed.join(' ')}`, field);
    }
    if (!('value' in node)) throw new SearchError(`${where}: filter on ${field} needs a value`, field);
    const value = node.value;
    const positive = NEGATION[op] ?? op;
    const test = this.valueTest(field, type, positive, value, op);
    if (required && type === 'date') this.addBounds(field, op, value);
    const key = field;
    const matchValue = (v: unknown): boolean => {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (test(v[i])) return true;
        return false;
      }
      return test(v);
    };
    if (value === null) {
      // `= null` matches null, missing and empty lists; `!= null` matches present values.
      const isNull = (doc: Record<string, unknown>) => { const v = doc[key]; return v == null || (Array.isArray(v) && v.length === 0); };
      return op === '=' ? isNull : (doc) => !isNull(doc);
    }
    return positive === op ? (doc) => matchValue(doc[key]) : (doc) => !matchValue(doc[key]);
  }

  private operatorsFor(field: string, type: FieldType): readonly SearchOperator[] {
    const declared = this.model.fieldOperators?.[field];
    if (declared) return declared;
    if (type === 'date' && this.model.dateSemantics === 'day' && !this.model.lenientDayOperators) return DAY_DATE_OPERATORS;
    return OPERATORS_BY_TYPE[type];
  }

  /** Returns the positive test of one scalar doc value (negation is applied by the caller). */
  private valueTest(field: string, type: FieldType, op: SearchOperator, value: unknown, asked: SearchOperator): ValueTest {
    if (value === null) {
      if (op !== '=') throw new SearchError(`operator ${asked} on ${field} needs a value, not null (only = and != accept null)`, field);
      return () => false; // unused: null filters are answered by the caller
    }
    if (op === 'IN') {
      if (!Array.isArray(value)) throw new SearchError(`operator ${asked} on ${field} needs an array value (got ${show(value)})`, field);
      const wanted = value.map((v, i) => this.scalar(field, type, v, `${field}[${i}]`));
      if (type === 'date' && this.model.dateSemantics === 'day') {
        const days = new Set(wanted.map((v) => dayIndex(v as number)));
        return (v) => typeof v === 'number' && days.has(dayIndex(v));
      }
      const set = new Set(wanted);
      return (v) => set.has(v as string | number | boolean);
    }
    if (Array.isArray(value)) throw new SearchError(`operator ${asked} on ${field} needs a single value; only IN and NIN take arrays`, field);
    const wanted = this.scalar(field, type, value, field);
    switch (type) {
      case 'string': return stringTest(op, wanted as string);
      case 'boolean': return (v) => v === wanted;
      case 'integer':
      case 'float': return numberTest(op, wanted as number);
      case 'date': {
        const [lo, hi] = this.dateInterval(op, wanted as number);
        return (v) => typeof v === 'number' && v >= lo && v <= hi;
      }
    }
  }

  /** Inclusive [lo, hi] unix-second interval of a date comparison (`=`, `>`, `<`, `>=`, `<=`). */
  private dateInterval(op: SearchOperator, t: number): [number, number] {
    const inf = Number.POSITIVE_INFINITY;
    if (this.model.dateSemantics === 'day') {
      const start = dayIndex(t) * DAY;
      const next = start + DAY;
      switch (op) {
        case '=': return [start, next - 1];
        case '>': return [next, inf];
        case '>=': return [start, inf];
        case '<': return [-inf, start - 1];
        case '<=': return [-inf, next - 1];
      }
    } else {
      const inclusive = this.model.inclusiveDateComparisons === true;
      switch (op) {
        case '=': return [t, t];
        case '>': return [inclusive ? t : t + 1, inf];
        case '>=': return [t, inf];
        case '<': return [-inf, inclusive ? t : t - 1];
        case '<=': return [-inf, t];
      }
    }
    throw new Error(`no date interval for operator ${op}`);
  }

  /** Checks and converts one filter value to the field's type. */
  private scalar(field: string, type: FieldType, value: unknown, label: string): string | number | boolean {
    switch (type) {
      case 'string':
        if (typeof value === 'string') return value;
        if (typeof value === 'number' && Number.isFinite(value)) return String(value);
        throw new SearchError(`value of ${label} must be a string (got ${show(value)})`, field);
      case 'boolean':
        if (typeof value === 'boolean') return value;
        throw new SearchError(`value of ${label} must be true or false (got ${show(value)})`, field);
      case 'integer':
      case 'date': {
        const n = toNumber(value);
        if (n === undefined || !Number.isInteger(n)) {
          const what = type === 'date' ? 'a unix timestamp in seconds' : 'an integer';
          throw new SearchError(`value of ${label} must be ${what} (got ${show(value)})`, field);
        }
        return n;
      }
      case 'float': {
        const n = toNumber(value);
        if (n === undefined) throw new SearchError(`value of ${label} must be a number (got ${show(value)})`, field);
        return n;
      }
    }
  }

  private addBounds(field: string, op: SearchOperator, value: unknown): void {
    if (value === null) return;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    if (op === 'IN') {
      const values = value as unknown[];
      if (values.length === 0) return; // matches nothing; no bound is still a safe hint
      for (const v of values) {
        const [a, b] = this.dateInterval('=', toNumber(v) as number);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
    } else if (op === '=' || op === '>' || op === '<' || op === '>=' || op === '<=') {
      [lo, hi] = this.dateInterval(op, toNumber(value) as number);
    } else {
      return; // != and NIN bound nothing
    }
    const b = this.bounds.get(field) ?? {};
    if (Number.isFinite(lo)) b.min = b.min === undefined ? lo : Math.max(b.min, lo);
    if (Number.isFinite(hi)) b.max = b.max === undefined ? hi : Math.min(b.max, hi);
    this.bounds.set(field, b);
  }

  /** The bound on the sort field when it has one, else the first bounded date field in query order. */
  range(sort: unknown): CompiledSearch['range'] {
    if (this.bounds.size === 0) return undefined;
    const sortField = isPlainObject(sort) && typeof sort.field === 'string' ? sort.field : undefined;
    const field = sortField !== undefined && this.bounds.has(sortField) ? sortField : this.bounds.keys().next().value as string;
    const b = this.bounds.get(field) as Bounds;
    const range: { field: string; min?: number; max?: number } = { field };
    if (b.min !== undefined) range.min = b.min;
    if (b.max !== undefined) range.max = b.max;
    return range;
  }
}

function stringTest(op: SearchOperator, wanted: string): ValueTest {
  const escaped = wanted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  switch (op) {
    case '=': return (v) => v === wanted;
    case '~': { const re = new RegExp(escaped, 'i'); return (v) => typeof v === 'string' && re.test(v); }
    case '^': { const re = new RegExp(`^${escaped}`, 'i'); return (v) => typeof v === 'string' && re.test(v); }
    case '$': { const re = new RegExp(`${escaped}$`, 'i'); return (v) => typeof v === 'string' && re.test(v); }
  }
  throw new Error(`no string test for operator ${op}`);
}

function numberTest(op: SearchOperator, wanted: number): ValueTest {
  switch (op) {
    case '=': return (v) => v === wanted;
    case '>': return (v) => typeof v === 'number' && v > wanted;
    case '<': return (v) => typeof v === 'number' && v < wanted;
    case '>=': return (v) => typeof v === 'number' && v >= wanted;
    case '<=': return (v) => typeof v === 'number' && v <= wanted;
  }
  throw new Error(`no number test for operator ${op}`);
}

function pagination(value: unknown, model: SearchModel): { perPage: number; startingAfter: string | undefined } {
  const perPageDefault = DEFAULT_PER_PAGE[model.name];
  if (value === undefined || value === null) return { perPage: perPageDefault, startingAfter: undefined };
  if (!isPlainObject(value)) throw new SearchError('pagination must be an object {per_page, starting_after}', 'pagination');
  let perPage = perPageDefault;
  if (value.per_page !== undefined && value.per_page !== null) {
    const n = value.per_page;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new SearchError(`per_page must be an integer (got ${show(n)})`, 'per_page');
    if (n < 1 || n > MAX_PER_PAGE) throw new SearchError(`per_page must be between 1 and ${MAX_PER_PAGE} (got ${n})`, 'per_page');
    perPage = n;
  }
  const cursor = value.starting_after;
  if (cursor !== undefined && cursor !== null && typeof cursor !== 'string') {
    throw new SearchError(`starting_after must be a string cursor from pages.next.starting_after (got ${show(cursor)})`, 'starting_after');
  }
  return { perPage, startingAfter: typeof cursor === 'string' && cursor !== '' ? cursor : undefined };
}

function sortOf(value: unknown, model: SearchModel): CompiledSearch['sort'] {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw new SearchError('sort must be an object {field, order}', 'sort');
  const field = value.field;
  if (typeof field !== 'string' || !Object.prototype.hasOwnProperty.call(model.fields, field)) {
    throw new SearchError(`cannot sort on ${show(field)}: not a searchable ${model.name} field`, 'sort');
  }
  const order = value.order ?? 'ascending';
  if (order !== 'ascending' && order !== 'descending') {
    throw new SearchError(`sort order must be ascending or descending (got ${show(order)})`, 'sort');
  }
  return { field, order };
}

function dayIndex(t: number): number {
  return Math.floor(t / DAY);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// Small JSON Schema builders for tests that walk schemas (timestamps, records as text).

/** A nullable object schema with these properties, open to others. */
export const obj = (properties: Record<string, unknown>) => ({ type: ['null', 'object'], additionalProperties: true, properties });
/** A nullable array schema of `items`. */
export const arr = (items: unknown) => ({ type: ['null', 'array'], items });

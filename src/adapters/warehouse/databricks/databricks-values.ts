/** JSON-safe preview values from @databricks/sql rows (bigint and decimals exact, dates as ISO text). */
export function jsonSafe(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) {
    return type === 'DATE' ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'object' && value !== null && 'toNumber' in value && 'toOctetString' in value) {
    // node-int64
    return String((value as { toString(): string }).toString());
  }
  return value;
}

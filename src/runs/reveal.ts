/**
 * Attributes from state with every secret marker replaced by the value its reference reads now. Runs read
 * the applied state, so secrets come from the references apply recorded (never from config).
 */
import { isSensitive, readSecret } from '../config/secrets';

export function revealFromState(value: unknown, configDir: string, where: string): unknown {
  if (isSensitive(value)) return readSecret(value.$sensitive.ref, configDir, where);
  if (Array.isArray(value)) return value.map((v, i) => revealFromState(v, configDir, `${where}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = revealFromState(v, configDir, `${where}.${k}`);
    return out;
  }
  return value;
}

/** Every secret value in `value` once revealed (for scrubbing messages). */
export function secretValuesOf(original: unknown, revealed: unknown, out: string[] = []): string[] {
  if (isSensitive(original)) {
    if (typeof revealed === 'string' && revealed !== '') out.push(revealed);
    return out;
  }
  if (
    typeof original === 'object' &&
    original !== null &&
    typeof revealed === 'object' &&
    revealed !== null
  ) {
    for (const k of Object.keys(original)) {
      secretValuesOf((original as Record<string, unknown>)[k], (revealed as Record<string, unknown>)[k], out);
    }
  }
  return out;
}

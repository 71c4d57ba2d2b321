import { badInput } from './errors';

/** Trims and bounds a free-text input; the error names the field, never echoes the value. */
export function text(value: string, field: string, { min = 1, max }: { min?: number; max: number }): string {
  const trimmed = value.trim();
  if (trimmed.length < min) throw badInput(`${field} must not be empty`, field, 'TOO_SHORT');
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters`, field, 'TOO_LONG');
  return trimmed;
}

export function optionalText(value: string | null | undefined, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  return text(value, field, { min: 0, max }) || undefined;
}

/** Money is integer fen; anything else is refused rather than rounded. */
export function amountFen(value: number, field = 'amount'): number {
  if (!Number.isSafeInteger(value)) throw badInput(`${field} must be a whole number of fen`, field, 'NOT_INTEGER');
  if (value <= 0) throw badInput(`${field} must be positive`, field, 'NOT_POSITIVE');
  return value;
}

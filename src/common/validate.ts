import { badInput } from './errors';

export interface TextRule {
  /** In characters (code points), after trimming; 1 unless given. */
  min?: number;
  max: number;
  /** Long text (reasons, comments, descriptions, citations) may hold newlines and tabs; a single line may not. */
  multiline?: boolean;
}

/** C0 controls, DEL and C1 controls (U+0080–U+009F); long text keeps newline and tab. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_IN_LONG_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Length in characters as a person counts them: 中 and 😀 are one each, not one and two UTF-16 units. */
export const characters = (value: string): number => [...value].length;

/**
 * The one rule for free-text input: Unicode NFC (a decomposed é is stored composed), CRLF as LF, trimmed,
 * no control characters, bounded in characters. Errors name the field, never echo the value.
 */
export function text(value: string, field: string, { min = 1, max, multiline = false }: TextRule): string {
  const clean = controlFree(value, field, multiline).trim();
  const length = characters(clean);
  if (length < min) throw badInput(`${field} must not be empty`, field, 'TOO_SHORT');
  if (length > max) throw badInput(`${field} must be at most ${max} characters`, field, 'TOO_LONG');
  return clean;
}

export function optionalText(value: string | null | undefined, field: string, rule: Omit<TextRule, 'min'>): string | undefined {
  if (value === undefined || value === null) return undefined;
  return text(value, field, { ...rule, min: 0 }) || undefined;
}

/**
 * Free-form JSON input (a resubmission's corrected fields): every key and string held to the long-text
 * character rule and normalised, before any of it is stored. Lengths and meaning are the receiver's to check.
 */
export function jsonText<T>(value: T, field: string): T {
  if (typeof value === 'string') return controlFree(value, field, true) as T;
  if (Array.isArray(value)) return value.map((v, i) => jsonText(v, `${field}[${i}]`)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [controlFree(k, field, false), jsonText(v, `${field}.${k.normalize('NFC')}`)]),
    ) as T;
  }
  return value;
}

function controlFree(value: string, field: string, multiline: boolean): string {
  const nfc = value.normalize('NFC');
  const lines = multiline ? nfc.replace(/\r\n/g, '\n') : nfc;
  if ((multiline ? CONTROL_IN_LONG_TEXT : CONTROL).test(lines)) {
    const allowed = multiline ? ' other than newline and tab' : '';
    throw badInput(`${field} must not contain control characters${allowed}`, field, 'CONTROL_CHARACTER');
  }
  return lines;
}

/** Money is integer fen; anything else is refused rather than rounded. */
export function amountFen(value: number, field = 'amount'): number {
  if (!Number.isSafeInteger(value)) throw badInput(`${field} must be a whole number of fen`, field, 'NOT_INTEGER');
  if (value <= 0) throw badInput(`${field} must be positive`, field, 'NOT_POSITIVE');
  return value;
}

/**
 * Masking of personal data. The API shows these masked unless the viewer may see them in full; the raw values
 * never go into logs or error messages.
 */
export const maskNationalId = (id: string) => `${id.slice(0, 6)}${'*'.repeat(Math.max(0, id.length - 10))}${id.slice(-4)}`;

export const maskPhone = (phone: string) =>
  phone.length > 7 ? `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}` : '*'.repeat(phone.length);

/** Free text that is personal (an applicant's circumstances): its first character, the rest starred (at most 8). */
export const maskText = (value: string) => {
  const chars = [...value];
  return chars.length ? `${chars[0]}${'*'.repeat(Math.min(8, chars.length - 1))}` : value;
};

/**
 * National ids and mobile numbers written into free text (a comment, a reason), masked where they stand: for
 * exports and history details, which leave the API's per-field masking behind.
 */
export const maskPersonalDataInText = (value: string) =>
  value.replace(/(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g, (id) => maskNationalId(id)).replace(/(?<!\d)1[3-9]\d{9}(?!\d)/g, (phone) => maskPhone(phone));

/** How national ids and phones are stored and looked up: upper-case X, no spaces or dashes. */
export const normalizeNationalId = (id: string) => id.trim().toUpperCase();
export const normalizePhone = (phone: string) => phone.replace(/[\s-]/g, '');

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The 18-character resident identity number with its ISO 7064 MOD 11-2 check character (GB 11643). */
export function isValidNationalId(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return CHECK[sum % 11] === id[17];
}

export const isValidPhone = (phone: string) => /^1[3-9]\d{9}$/.test(phone);

import { createCipheriv, createDecipheriv, createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/env';
import { maskNationalId, maskPhone } from './personal-data';

/** The personal data a member row holds encrypted. */
export enum PersonalDataField {
  NATIONAL_ID = 'NATIONAL_ID',
  PHONE = 'PHONE',
}

/** What `member` stores for a member's national id and phone: ciphertexts, the blind index, the masked forms. */
export interface SealedPersonalData {
  nationalIdCipher: string;
  nationalIdIndex: Buffer;
  nationalIdMasked: string;
  phoneCipher: string | null;
  phoneMasked: string | null;
}

/** The keys, as configured (PII_KEYS, PII_ACTIVE_KEY_ID, PII_INDEX_KEY). */
export interface KeyRing {
  keys: ReadonlyMap<string, Buffer>;
  activeKeyId: string;
  indexKey: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs are drawn from a pool refilled in one call: a random 96-bit IV per value, at bulk speed. */
const IV_POOL_BYTES = IV_BYTES * 4096;

/**
 * AES-256-GCM for a member's national id and phone, with a keyed blind index for exact lookups.
 *
 * A ciphertext is `<key id>:<base64 of iv | ciphertext | tag>`: the key id says which key opens it, so a new
 * active key encrypts new values while every listed older key still decrypts the rows it wrote. The member's id
 * and the field are authenticated data, so a ciphertext copied onto another member or field fails to open.
 * The blind index is HMAC-SHA256 under a key of its own over the normalised value: equal ids give equal
 * indexes (uniqueness, lookup) without the database holding anything it could invert.
 */
export class PersonalDataCipher {
  private ivPool = Buffer.alloc(0);
  private ivOffset = 0;
  /** Key objects rather than raw buffers: OpenSSL gets them ready once, not on every value. */
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly activeKeyId: string;
  private readonly activeKey: KeyObject;
  private readonly indexKey: Buffer;

  constructor(ring: KeyRing) {
    this.keys = new Map([...ring.keys].map(([id, key]) => [id, createSecretKey(key)]));
    const active = this.keys.get(ring.activeKeyId);
    if (!active) throw new Error(`the active personal-data key ${ring.activeKeyId} is not among the keys`);
    this.activeKeyId = ring.activeKeyId;
    this.activeKey = active;
    this.indexKey = ring.indexKey;
  }

  static fromConfig(config: Pick<AppConfig, 'PII_KEYS' | 'PII_ACTIVE_KEY_ID' | 'PII_INDEX_KEY'>): PersonalDataCipher {
    return new PersonalDataCipher({ keys: config.PII_KEYS, activeKeyId: config.PII_ACTIVE_KEY_ID, indexKey: config.PII_INDEX_KEY });
  }

  /** Everything a member row stores for these (already validated and normalised) values. */
  seal(memberId: string, nationalId: string, phone: string | null | undefined): SealedPersonalData {
    return { ...this.sealNationalId(memberId, nationalId), ...this.sealPhone(memberId, phone) };
  }

  sealNationalId(memberId: string, nationalId: string): Pick<SealedPersonalData, 'nationalIdCipher' | 'nationalIdIndex' | 'nationalIdMasked'> {
    return {
      nationalIdCipher: this.encrypt(memberId, PersonalDataField.NATIONAL_ID, nationalId),
      nationalIdIndex: this.nationalIdIndex(nationalId),
      nationalIdMasked: maskNationalId(nationalId),
    };
  }

  sealPhone(memberId: string, phone: string | null | undefined): Pick<SealedPersonalData, 'phoneCipher' | 'phoneMasked'> {
    if (!phone) return { phoneCipher: null, phoneMasked: null };
    return { phoneCipher: this.encrypt(memberId, PersonalDataField.PHONE, phone), phoneMasked: maskPhone(phone) };
  }

  /** The blind index of a normalised national id (see MemberService for the normalisation). */
  nationalIdIndex(nationalId: string): Buffer {
    return createHmac('sha256', this.indexKey).update(`${PersonalDataField.NATIONAL_ID}:${nationalId}`).digest();
  }

  encrypt(memberId: string, field: PersonalDataField, plaintext: string): string {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.activeKey, iv);
    cipher.setAAD(aad(memberId, field));
    const text = cipher.update(plaintext, 'utf8');
    cipher.final(); // GCM is a stream mode: nothing is held back
    const body = Buffer.concat([iv, text, cipher.getAuthTag()], IV_BYTES + text.length + TAG_BYTES);
    return `${this.activeKeyId}:${body.toString('base64')}`;
  }

  /** Throws when the key id is unknown or the ciphertext, member or field does not match (never with the value). */
  decrypt(memberId: string, field: PersonalDataField, sealed: string): string {
    const colon = sealed.indexOf(':');
    const key = colon > 0 ? this.keys.get(sealed.slice(0, colon)) : undefined;
    if (!key) throw new Error(`personal data of member ${memberId} is sealed with a key that is not configured`);
    const body = Buffer.from(sealed.slice(colon + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
    decipher.setAAD(aad(memberId, field));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  private nextIv(): Buffer {
    if (this.ivOffset + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomBytes(IV_POOL_BYTES);
      this.ivOffset = 0;
    }
    const iv = this.ivPool.subarray(this.ivOffset, this.ivOffset + IV_BYTES);
    this.ivOffset += IV_BYTES;
    return iv;
  }
}

const aad = (memberId: string, field: PersonalDataField) => Buffer.from(`member:${memberId}:${field}`, 'utf8');

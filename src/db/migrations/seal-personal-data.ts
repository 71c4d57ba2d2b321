import type { ClientBase } from 'pg';
import { normalizeNationalId, normalizePhone } from '../../members/personal-data';
import type { PersonalDataCipher } from '../../members/personal-data.cipher';

/** The migration that drops the plaintext columns: `migrate()` seals every row right before it runs. */
export const PLAINTEXT_DROPPED = 'Migration20261126010000_personal_data_plaintext_dropped';

const BATCH = 5_000;

/**
 * Encrypts the national ids and phones still held in plaintext, a batch per statement pair, each batch committed
 * on its own: an interrupted run resumes where it stopped, and a sealed row's plaintext is cleared in the same
 * statement that seals it.
 */
export async function sealPlaintextPersonalData(client: ClientBase, cipher: PersonalDataCipher): Promise<number> {
  let sealed = 0;
  for (;;) {
    const { rows } = await client.query<{ id: string; national_id: string; phone: string | null }>(
      `select id, national_id, phone from member where national_id_cipher is null limit ${BATCH}`,
    );
    if (!rows.length) return sealed;
    const values = rows.map((r) => cipher.seal(r.id, normalizeNationalId(r.national_id), r.phone && normalizePhone(r.phone)));
    await client.query(
      `update member m
          set national_id_cipher = s.nc, national_id_index = s.ni, national_id_masked = s.nm, phone_cipher = s.pc, phone_masked = s.pm,
              national_id = null, phone = null
         from unnest($1::uuid[], $2::text[], $3::bytea[], $4::text[], $5::text[], $6::text[]) as s (id, nc, ni, nm, pc, pm)
        where m.id = s.id`,
      [
        rows.map((r) => r.id),
        values.map((v) => v.nationalIdCipher),
        values.map((v) => v.nationalIdIndex),
        values.map((v) => v.nationalIdMasked),
        values.map((v) => v.phoneCipher),
        values.map((v) => v.phoneMasked),
      ],
    );
    sealed += rows.length;
  }
}

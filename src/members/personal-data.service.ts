import type { EntityManager } from '@mikro-orm/postgresql';
import { may, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { PageArgs, paginate } from '../common/connection';
import { badInput, forbidden } from '../common/errors';
import { parseId } from '../common/ids';
import { inSubtrees } from '../common/subtree';
import { memberTarget } from './member.entity';
import type { MemberRow } from './member.repository';
import { PersonalDataAccess } from './personal-data-access.entity';
import { PersonalDataCipher, PersonalDataField } from './personal-data.cipher';
import type { PersonalDataAccessFilter } from './personal-data.types';

/** One unmasked read, as the access log records it. */
export interface PersonalDataRead {
  accountId: string;
  memberId: string;
  orgPath: string;
  field: PersonalDataField;
  operationName: string | null;
}

/** Records reads; per request it batches them into one insert (see Loaders). */
export interface ReadRecorder {
  load(read: PersonalDataRead): Promise<void>;
}

/**
 * Shows a member's national id and phone: the stored masked form to most viewers (nothing decrypted, nothing
 * logged), the decrypted value to the member and the APPROVERs/ADMINs over their union, after the read is
 * recorded: if the log cannot be written, the value is not shown.
 */
export class PersonalDataService {
  constructor(private readonly cipher: PersonalDataCipher) {}

  show(viewer: Viewer, member: MemberRow, field: PersonalDataField, operationName: string | null, recorder: ReadRecorder): string | null | Promise<string> {
    const [sealed, masked] =
      field === PersonalDataField.NATIONAL_ID ? [member.nationalIdCipher, member.nationalIdMasked] : [member.phoneCipher, member.phoneMasked];
    if (sealed === null || masked === null) return null;
    if (!may(viewer, 'member.readPersonalData', memberTarget(member))) return masked;
    return recorder
      .load({ accountId: viewer.accountId, memberId: member.id, orgPath: member.orgPath, field, operationName })
      .then(() => this.cipher.decrypt(member.id, field, sealed));
  }

  /** Writes a batch of reads in one statement, all at the same time. */
  async record(em: EntityManager, reads: readonly PersonalDataRead[]): Promise<void> {
    const at = new Date();
    await em.insertMany(PersonalDataAccess, reads.map((read) => ({ ...read, at })));
  }

  /** The unmasked reads of members in the viewer's subtrees (as an AUDITOR or ADMIN), newest first. */
  async accessLog(em: EntityManager, viewer: Viewer, filter: PersonalDataAccessFilter = {}, page: PageArgs) {
    const scope = scopes(viewer, 'personalData.readAccessLog');
    if (!scope.subtrees.length) throw forbidden('The personal data access log is for auditors and administrators');
    const where: object[] = [inSubtrees('orgPath', scope.subtrees)];
    if (filter.memberId) where.push({ memberId: parseId(filter.memberId, 'filter.memberId') });
    if (filter.accountId) where.push({ accountId: parseId(filter.accountId, 'filter.accountId') });
    if (filter.field) where.push({ field: filter.field });
    if (filter.from) where.push({ at: { $gte: filter.from } });
    if (filter.to) where.push({ at: { $lt: filter.to } });
    if (filter.from && filter.to && filter.from >= filter.to) throw badInput('from must be before to', 'filter.from', 'BAD_RANGE');
    return paginate(em, PersonalDataAccess, { $and: where }, { id: 'desc' }, page);
  }
}

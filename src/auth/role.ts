export enum Role {
  MEMBER = 'MEMBER',
  APPROVER = 'APPROVER',
  FINANCE = 'FINANCE',
  /** The review committee (经审委员会). */
  AUDITOR = 'AUDITOR',
  ADMIN = 'ADMIN',
}

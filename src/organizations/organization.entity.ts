import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { ancestorIdsOf } from '../common/subtree';

export enum OrganizationLevel {
  PROVINCE = 'PROVINCE',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
  TOWN = 'TOWN',
  PARK = 'PARK',
  SECTOR = 'SECTOR',
  INDUSTRY = 'INDUSTRY',
  GRASSROOTS = 'GRASSROOTS',
}

/** What sort of body the union is, independent of where it sits in the tree. */
export enum OrganizationKind {
  FEDERATION = 'FEDERATION',
  ENTERPRISE = 'ENTERPRISE',
  PUBLIC_INSTITUTION = 'PUBLIC_INSTITUTION',
  JOINT = 'JOINT',
  SECTOR = 'SECTOR',
  INDUSTRY = 'INDUSTRY',
}

/** Which levels may sit under which: keeps the tree shaped like a real federation. */
export const ALLOWED_PARENT_LEVELS: Record<OrganizationLevel, OrganizationLevel[]> = {
  PROVINCE: [],
  CITY: [OrganizationLevel.PROVINCE],
  COUNTY: [OrganizationLevel.CITY],
  TOWN: [OrganizationLevel.COUNTY],
  PARK: [OrganizationLevel.COUNTY, OrganizationLevel.CITY],
  SECTOR: [OrganizationLevel.CITY, OrganizationLevel.COUNTY],
  INDUSTRY: [OrganizationLevel.CITY, OrganizationLevel.COUNTY],
  GRASSROOTS: [
    OrganizationLevel.COUNTY,
    OrganizationLevel.TOWN,
    OrganizationLevel.PARK,
    OrganizationLevel.SECTOR,
    OrganizationLevel.INDUSTRY,
    OrganizationLevel.CITY,
  ],
};

/**
 * A union organisation. `path` is the materialized path of ancestor ids ("/a/b/c/"), so a subtree is one
 * index-backed prefix scan and the ancestors are the ids in the path.
 */
@Entity({ tableName: 'organization' })
export class Organization {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'depth' | 'ancestorIds';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'string', length: 32, unique: true })
  code!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Enum({ items: () => OrganizationLevel })
  level!: OrganizationLevel;

  @Enum({ items: () => OrganizationKind })
  kind!: OrganizationKind;

  @ManyToOne(() => Organization, { nullable: true, fieldName: 'parent_id' })
  parent?: Organization;

  @Index()
  @Property({ type: 'text' })
  path!: string;

  @Property({ type: 'integer' })
  depth: number = 0;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** Ids of the ancestors, root first, excluding this organisation. */
  get ancestorIds(): string[] {
    return ancestorIdsOf(this.path);
  }
}

export const childPath = (parentPath: string | undefined, id: string) => `${parentPath ?? '/'}${id}/`;

/** An organisation as the authorization policy sees it. */
export const organizationTarget = (o: { path: string }) => ({ path: o.path });

import { Field, ID, InterfaceType } from 'type-graphql';

/** The concrete type of each object `node(id)` returned, for the interface's resolveType (values are entities). */
export const nodeTypes = new WeakMap<object, string>();

/**
 * Relay-style object identification under a name that breaks nothing: every `id` stays the raw UUID that the
 * queries and mutations take, and `nodeId` is the global id (graphql-relay `toGlobalId(type, id)`), the one
 * `node(id)` takes, unique across types, so a client cache can key every object on it.
 */
@InterfaceType('Node', {
  description: '可全局寻址的对象 · An object with a global id that `node(id)` refetches.',
  resolveType: (value: object) => nodeTypes.get(value),
})
export abstract class NodeInterface {
  @Field(() => ID, { description: '全局标识 · The global id (type and id, base64): what `node(id)` takes. `id` stays the raw UUID.' })
  nodeId!: string;
}

import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { WorkflowTaskType } from '../workflow/workflow.types';
import { InboxChangeKind } from './live.feeds';

registerEnumType(InboxChangeKind, {
  name: 'InboxChangeKind',
  description: '收件箱变化 · How a task changed for my inbox.',
  valuesConfig: {
    ROUTED: { description: '新到待办 · The task was routed to me (or to a role I hold there) and waits for me.' },
    CLOSED: { description: '已办结 · The task left my inbox: decided, cancelled, or my vote on it was cast.' },
  },
});

@ObjectType('InboxChange', { description: '收件箱变化 · A task that arrived in or left my inbox; re-read the inbox counts after it.' })
export class InboxChangeType {
  @Field(() => InboxChangeKind, { description: 'Arrived or left.' })
  change!: InboxChangeKind;

  @Field(() => WorkflowTaskType, { description: 'The task as it is now (its status says whether it is still open).' })
  task!: WorkflowTaskType;
}

/**
 * An instance's timeline: each visit of a step, from the transition that entered it to the one that left it,
 * with the time spent there, the step's deadline and whether it ran over. Pure: the rows come from the
 * history and the tasks (HistoryRepository.timelineRows), the clock from the caller.
 */

export interface TimelineTransition {
  seq: number;
  at: Date;
  fromState: string | null;
  toState: string;
  action: string;
}

export interface TimelineTask {
  /** The seq of the transition that opened it (its key is `<instance>:<seq>:<step>`). */
  openedSeq: number;
  dueAt: Date;
  escalated: boolean;
}

export interface StepVisit {
  step: string;
  enteredAt: Date;
  enteredBy: string;
  leftAt: Date | null;
  leftBy: string | null;
  /** Whole seconds from entering to leaving (to `now` while the step is current). */
  secondsSpent: number;
  /** The deadline the step was entered with: its first task's due time; null for steps without one. */
  dueAt: Date | null;
  /** Left after the deadline, or still there past it. */
  overran: boolean;
  /** Its task was reopened higher up after the deadline passed. */
  escalated: boolean;
}

/**
 * Transitions that stay in their state (a reminder, an escalation) belong to the visit they happen in; a
 * visit ends with the first transition out of the state.
 */
export function buildTimeline(
  transitions: readonly TimelineTransition[],
  tasks: readonly TimelineTask[],
  at: { now: Date; completed: boolean },
): StepVisit[] {
  const visits: (StepVisit & { fromSeq: number; toSeq: number })[] = [];
  for (const t of transitions) {
    const open = visits.at(-1);
    if (open && open.leftAt === null && t.fromState === open.step && t.toState === open.step) continue;
    if (open && open.leftAt === null) {
      open.leftAt = t.at;
      open.leftBy = t.action;
      open.toSeq = t.seq;
    }
    visits.push({
      step: t.toState, enteredAt: t.at, enteredBy: t.action, leftAt: null, leftBy: null, secondsSpent: 0, dueAt: null, overran: false,
      escalated: false, fromSeq: t.seq, toSeq: Number.POSITIVE_INFINITY,
    });
  }
  // A completed instance's last visit is its final state, entered and never left: no time spent, nothing ran over.
  const last = visits.at(-1);
  if (last && at.completed) last.leftAt = last.enteredAt;
  return visits.map(({ fromSeq, toSeq, ...v }) => {
    const own = tasks.filter((task) => task.openedSeq >= fromSeq && task.openedSeq < toSeq).sort((a, b) => a.openedSeq - b.openedSeq);
    const end = v.leftAt ?? at.now;
    const dueAt = own[0]?.dueAt ?? null;
    return {
      ...v,
      secondsSpent: Math.max(0, Math.floor((end.getTime() - v.enteredAt.getTime()) / 1000)),
      dueAt,
      overran: dueAt !== null && end.getTime() > dueAt.getTime(),
      escalated: own.some((task) => task.escalated),
    };
  });
}

/**
 * Segment movement: current members (from the engine) and entries/exits logged by syncs in the period.
 */
import type { SegmentEvent } from '../../store/types.ts';
import { inPeriod, type Period, type SegmentMovement } from '../schema.ts';

export interface SegmentMoves {
  addMember(segmentId: string): void;
  addEvent(e: SegmentEvent): void;
  result(): SegmentMovement[];
}

export function createSegmentMoves(segments: ReadonlyArray<{ id: string; label: string }>, period: Period): SegmentMoves {
  const rows = new Map(segments.map((s) => [s.id, { id: s.id, label: s.label, customers: 0, entered: 0, exited: 0 }]));
  return {
    addMember(id) {
      const r = rows.get(id);
      if (r) r.customers++;
    },
    addEvent(e) {
      const r = rows.get(e.segmentId);
      if (!r || !inPeriod(e.at, period)) return;
      if (e.type === 'entered') r.entered++;
      else r.exited++;
    },
    result: () => [...rows.values()],
  };
}

import { InMemoryBackend } from '../in-memory-backend.js';
import { failure, type Result } from '../result.js';

type FallibleOp = 'map' | 'unmap' | 'protect' | 'canSplit';

/**
 * An InMemoryBackend that fails on demand: `failOn('protect', 2, 'ENOMEM')`
 * makes the 2nd protect call from now on answer ENOMEM without changing
 * anything. Calls are always recorded.
 */
export class FailingBackend extends InMemoryBackend<number> {
  private readonly plan = new Map<FallibleOp, { countdown: number; errno: string }>();

  constructor() {
    super({ record: true });
  }

  failOn(op: FallibleOp, nth: number, errno: string): void {
    this.plan.set(op, { countdown: nth, errno });
  }

  private shouldFail(op: FallibleOp): Result | undefined {
    const p = this.plan.get(op);
    if (p === undefined) return undefined;
    if (--p.countdown > 0) return undefined;
    this.plan.delete(op);
    return failure(p.errno);
  }

  override map(start: number, end: number, flags: number): Result {
    const f = this.shouldFail('map');
    if (f !== undefined) {
      this.calls.push({ op: 'map', args: [start, end, flags, -1] });
      return f;
    }
    return super.map(start, end, flags);
  }

  override unmap(start: number, end: number, flags: number): Result {
    const f = this.shouldFail('unmap');
    if (f !== undefined) {
      this.calls.push({ op: 'unmap', args: [start, end, flags, -1] });
      return f;
    }
    return super.unmap(start, end, flags);
  }

  override protect(start: number, end: number, oldFlags: number, newFlags: number): Result {
    const f = this.shouldFail('protect');
    if (f !== undefined) {
      this.calls.push({ op: 'protect', args: [start, end, oldFlags, newFlags, -1] });
      return f;
    }
    return super.protect(start, end, oldFlags, newFlags);
  }

  override canSplit(start: number, at: number, end: number, flags: number): Result {
    const f = this.shouldFail('canSplit');
    if (f !== undefined) {
      this.calls.push({ op: 'canSplit', args: [start, at, end, flags, -1] });
      return f;
    }
    return super.canSplit(start, at, end, flags);
  }
}

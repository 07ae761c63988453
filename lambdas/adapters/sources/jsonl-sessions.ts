/**
 * Scan sessions: the segments of one scan share one snapshot of the source, whether they run
 * side by side or one after the other, so they partition one version of it.
 */

/** One scan's snapshot and which of its segments have run. */
export interface ScanSession<T> {
  snapshot: T;
  totalSegments: number;
  /** Segments that were scanned to the end on this snapshot. */
  completed: Set<number>;
  active: number;
  idle: NodeJS.Timeout | undefined;
}

/**
 * How long a session with no segment running waits for the next one before it closes. Segments
 * scanned one after the other start within milliseconds; a scan that stopped half-way (a failed
 * build) must not pin an old version of the file for the next one.
 */
export const SESSION_IDLE_MS = 5_000;

/**
 * Hands out snapshots by session. A segment joins the open session when it has the same
 * `totalSegments` and that segment has not yet been scanned on it; otherwise a new session (a new
 * snapshot) starts, and the old one closes once its last segment ends. A session closes when all
 * its segments are done, or after `SESSION_IDLE_MS` with none running.
 */
export class ScanSessions<T> {
  private current: Promise<ScanSession<T>> | undefined;
  private currentSession: ScanSession<T> | undefined;

  constructor(
    private readonly open: () => Promise<T>,
    private readonly close: (snapshot: T) => Promise<void>,
  ) {}

  /** The session segment `segment` of `totalSegments` scans on; call `leave` when it ends. */
  async join(segment: number, totalSegments: number): Promise<ScanSession<T>> {
    const open = this.currentSession;
    if (this.current && (!open || (open.totalSegments === totalSegments && !open.completed.has(segment)))) {
      const session = await this.current.catch(() => undefined);
      if (session && session === this.currentSession && session.totalSegments === totalSegments && !session.completed.has(segment)) return this.enter(session);
    }
    const previous = this.currentSession;
    this.currentSession = undefined;
    const starting = this.open().then((snapshot) => {
      const session: ScanSession<T> = { snapshot, totalSegments, completed: new Set(), active: 0, idle: undefined };
      if (this.current === starting) this.currentSession = session;
      return session;
    });
    this.current = starting;
    starting.catch(() => {
      if (this.current === starting) this.current = undefined;
    });
    if (previous && previous.active === 0) await this.shut(previous);
    return this.enter(await starting);
  }

  /** Ends a segment's use of `session`; `completed` when it was scanned to its end. */
  leave(session: ScanSession<T>, segment: number, completed: boolean): void {
    session.active -= 1;
    if (completed) session.completed.add(segment);
    if (session.active > 0) return;
    if (session !== this.currentSession || session.completed.size === session.totalSegments) {
      void this.shut(session);
      return;
    }
    session.idle = setTimeout(() => void this.shut(session), SESSION_IDLE_MS);
    session.idle.unref();
  }

  private enter(session: ScanSession<T>): ScanSession<T> {
    if (session.idle) clearTimeout(session.idle);
    session.idle = undefined;
    session.active += 1;
    return session;
  }

  private async shut(session: ScanSession<T>): Promise<void> {
    if (session.idle) clearTimeout(session.idle);
    if (session === this.currentSession) {
      this.currentSession = undefined;
      this.current = undefined;
    }
    await this.close(session.snapshot).catch(() => {});
  }
}

import { describe, expect, it } from 'vitest';
import { acquireLease, LeaseHeldError, LeaseKeeper, LeaseLostError, realSleep, silentLog } from '../../../lambdas/core/rebuild/index.ts';
import { MemoryControl } from '../../support/memory/index.ts';

const timing = { ttlMs: 200, heartbeatMs: 20, waitMs: 400 };
// A live holder's lease outlasts the contender's whole wait many times over, so even a starved
// event loop (a stall of over a second) cannot make a heartbeating lease look expired.
const liveTiming = { ttlMs: 1_500, heartbeatMs: 50, waitMs: 600 };

describe('build lease', () => {
  it('takes over a lease whose holder stopped heartbeating once it expires', async () => {
    // Prepare
    const leases = new MemoryControl();
    await acquireLease(leases, { type: 't', buildId: 'crashed', holder: 'h1' }, timing, Date.now, realSleep);

    // Act
    const lease = await acquireLease(leases, { type: 't', buildId: 'next', holder: 'h2' }, timing, Date.now, realSleep);

    // Assess
    expect(lease.buildId).toBe('next');
    expect((await leases.read('t'))?.buildId).toBe('next');
  });

  it('refuses while the holder keeps heartbeating', async () => {
    // Prepare
    const leases = new MemoryControl();
    const held = await acquireLease(leases, { type: 't', buildId: 'alive', holder: 'h1' }, liveTiming, Date.now, realSleep);
    const keeper = new LeaseKeeper(leases, held, liveTiming, Date.now, silentLog, () => {});
    keeper.start();

    // Act
    const attempt = acquireLease(leases, { type: 't', buildId: 'next', holder: 'h2' }, liveTiming, Date.now, realSleep);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LeaseHeldError);
    await keeper.release();
    expect(await leases.read('t')).toBeUndefined();
  });

  it('tells its build when another build took the lease', async () => {
    // Prepare
    const leases = new MemoryControl();
    const held = await acquireLease(leases, { type: 't', buildId: 'slow', holder: 'h1' }, timing, Date.now, realSleep);
    const lost: LeaseLostError[] = [];
    const keeper = new LeaseKeeper(leases, held, timing, Date.now, silentLog, (error) => lost.push(error));
    leases.leases.set('t', { ...held, buildId: 'other' });

    // Act
    const confirmation = keeper.confirm();

    // Assess
    await expect(confirmation).rejects.toBeInstanceOf(LeaseLostError);
    expect(lost).toHaveLength(1);
  });
});

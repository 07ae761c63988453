/**
 * One rebuild per type from the moment it is requested. The build lease (lease.ts) is only taken
 * once the job runs, which on AWS Batch can be minutes after the ops API submitted it; a second
 * request in between would start a second, back-to-back rebuild. So the API first *reserves*
 * the type's next build (one conditional write), and only then submits the job:
 *
 * 1. reserve: refused (409) while an unexpired reservation exists;
 * 2. read the lease: refused (409, reservation withdrawn) while a build runs;
 * 3. submit the job and record its id on the reservation (withdrawn if the submission fails);
 * 4. the job settles the reservation when it takes the lease, or when it gives up because another
 *    build holds it. A job that never starts leaves the reservation to expire (`expiresAt`).
 *
 * Reserving before reading the lease closes the race with a job taking it: a build that took
 * the lease before step 2 is seen there, and one that takes it later is the reserved one.
 */
import { ConflictError } from '../errors.ts';
import type { Clock } from '../ports.ts';
import { LeaseHeldError } from './errors.ts';
import type { Lease, LeaseStore } from './ports.ts';

/** A type's next build, requested and not started yet. */
export interface BuildReservation {
  type: string;
  /** Unique per request. */
  id: string;
  reservedAt: number;
  /** Epoch ms. After it, the reservation no longer holds: its job never started. */
  expiresAt: number;
  /** Who asked (the caller's IAM ARN), when known. */
  requestedBy?: string;
  /** The job submitted for it, once known. */
  jobId?: string;
}

/** The build reservation of each type (the control table on AWS). */
export interface ReservationStore {
  /** Stores `reservation` unless the type holds one that has not expired at `now`; throws `ConflictError` then. */
  reserve(reservation: BuildReservation, now: number): Promise<void>;
  /** Records the submitted job on `reservation`, if it is still the type's. */
  attach(reservation: BuildReservation, jobId: string): Promise<void>;
  /** Withdraws `reservation`, if it is still the type's. */
  cancel(reservation: BuildReservation): Promise<void>;
  /** Removes the type's reservation if it names `jobId` or no job yet: that job has started (or given up). */
  settle(type: string, jobId: string | undefined): Promise<void>;
  /** The type's reservation, expired or not. */
  read(type: string): Promise<BuildReservation | undefined>;
}

/** A rebuild of the type was requested and its job has not taken the lease yet. */
export class BuildPendingError extends ConflictError {
  readonly reservation: BuildReservation | undefined;
  constructor(type: string, reservation: BuildReservation | undefined) {
    super(
      reservation
        ? `a rebuild of "${type}" was requested at ${iso(reservation.reservedAt)}${reservation.jobId ? ` (job ${reservation.jobId})` : ''} and has not started yet; ` +
            `a new request is accepted once it has run, or from ${iso(reservation.expiresAt)} if its job never starts`
        : `a rebuild of "${type}" was just requested`,
      { type, ...(reservation ? { reservedAt: reservation.reservedAt, jobId: reservation.jobId } : {}) },
    );
    this.name = 'BuildPendingError';
    this.reservation = reservation;
  }
}

/** What reserving a build reads and writes. */
export interface ReserveDeps {
  reservations: ReservationStore;
  leases?: Pick<LeaseStore, 'read'> | undefined;
  clock: Clock;
}

/**
 * Reserves the type's next build (steps 1 and 2 above). Throws `BuildPendingError` while another
 * request's job has not started, `LeaseHeldError` while a build runs; both are 409s.
 */
export async function reserveBuild(deps: ReserveDeps, wanted: Pick<BuildReservation, 'type' | 'id' | 'requestedBy'>, ttlMs: number): Promise<BuildReservation> {
  const now = deps.clock();
  const reservation: BuildReservation = { ...wanted, reservedAt: now, expiresAt: now + ttlMs };
  try {
    await deps.reservations.reserve(reservation, now);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    throw new BuildPendingError(wanted.type, await deps.reservations.read(wanted.type));
  }
  const lease: Lease | undefined = await deps.leases?.read(wanted.type);
  if (lease && lease.expiresAt > deps.clock()) {
    await deps.reservations.cancel(reservation);
    throw new LeaseHeldError(wanted.type, lease);
  }
  return reservation;
}

/**
 * The job's lease store: taking the lease also settles the reservation of `jobId` (step 4). A
 * failed settle is reported to `onError` and left to the reservation's expiry: the build goes on.
 */
export function settlingReservation(leases: LeaseStore, reservations: Pick<ReservationStore, 'settle'>, jobId: string | undefined, onError: (error: unknown) => void): LeaseStore {
  return {
    async acquire(lease, now) {
      await leases.acquire(lease, now);
      await reservations.settle(lease.type, jobId).catch(onError);
    },
    renew: (lease, expiresAt) => leases.renew(lease, expiresAt),
    release: (lease) => leases.release(lease),
    read: (type) => leases.read(type),
  };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

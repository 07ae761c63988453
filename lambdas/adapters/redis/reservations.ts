import { ConflictError } from '../../core/errors.ts';
import type { BuildReservation, ReservationStore } from '../../core/rebuild/reservation.ts';
import { redisCall } from './errors.ts';
import type { ControlKeys } from './keys.ts';
import type { ScriptedRedis } from './scripts.ts';

/** How long past its expiry Redis may drop a reservation nobody settled, as on DynamoDB. */
const LEFT_BEHIND_SECONDS = 24 * 3600;

/**
 * The build reservation of each type on Redis, next to its lease (see
 * lambdas/core/rebuild/reservation.ts for the protocol): one HASH `rv:{type}` with `id`,
 * `reservedAt`, `expiresAt` (epoch ms) and, when known, `requestedBy` and `jobId`. Redis drops it
 * a day after it expired. Every change is one Lua script (control-scripts.ts) with the condition
 * of lambdas/adapters/dynamodb/reservations.ts.
 */
export class RedisBuildReservations implements ReservationStore {
  constructor(
    private readonly client: ScriptedRedis,
    private readonly keys: ControlKeys,
  ) {}

  async reserve(reservation: BuildReservation, now: number): Promise<void> {
    const fields = ['id', reservation.id, 'reservedAt', reservation.reservedAt, 'expiresAt', reservation.expiresAt, ...(reservation.requestedBy ? ['requestedBy', reservation.requestedBy] : [])];
    const dropAt = Math.ceil(reservation.expiresAt / 1000) + LEFT_BEHIND_SECONDS;
    const taken = await redisCall('reserve', { type: reservation.type }, () =>
      this.client.freshindexTakeUnlessHeld(this.keys.reservation(reservation.type), now, 'id', '', dropAt, ...fields),
    );
    if (taken !== 1) throw new ConflictError(`a rebuild of "${reservation.type}" is already reserved`, { type: reservation.type });
  }

  async attach(reservation: BuildReservation, jobId: string): Promise<void> {
    await redisCall('attach(reservation)', { type: reservation.type }, () =>
      this.client.freshindexIfField(this.keys.reservation(reservation.type), 'id', reservation.id, '0', 'set', 'jobId', jobId),
    );
  }

  async cancel(reservation: BuildReservation): Promise<void> {
    await redisCall('cancel(reservation)', { type: reservation.type }, () =>
      this.client.freshindexIfField(this.keys.reservation(reservation.type), 'id', reservation.id, '0', 'delete'),
    );
  }

  async settle(type: string, jobId: string | undefined): Promise<void> {
    // No job id: only a reservation without a job is settled (the absent field matches, no value does).
    await redisCall('settle(reservation)', { type }, () =>
      this.client.freshindexIfField(this.keys.reservation(type), 'jobId', jobId ?? '', '1', 'delete'),
    );
  }

  async read(type: string): Promise<BuildReservation | undefined> {
    const fields = await redisCall('HGETALL(reservation)', { type }, () => this.client.hgetall(this.keys.reservation(type)));
    if (fields['id'] === undefined) return undefined;
    return {
      type,
      id: fields['id'],
      reservedAt: Number(fields['reservedAt']),
      expiresAt: Number(fields['expiresAt']),
      ...(fields['requestedBy'] === undefined ? {} : { requestedBy: fields['requestedBy'] }),
      ...(fields['jobId'] === undefined ? {} : { jobId: fields['jobId'] }),
    };
  }
}

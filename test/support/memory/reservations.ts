/** The build reservations in memory, for unit tests: the contract of test/integration/store/reservation-store.contract.test.ts, as DynamoDB and Redis. */
import { ConflictError } from '../../../lambdas/core/errors.ts';
import type { BuildReservation, ReservationStore } from '../../../lambdas/core/rebuild/reservation.ts';

export class MemoryReservations implements ReservationStore {
  readonly byType = new Map<string, BuildReservation>();

  async reserve(reservation: BuildReservation, now: number): Promise<void> {
    const held = this.byType.get(reservation.type);
    if (held && held.expiresAt >= now) throw new ConflictError(`a rebuild of "${reservation.type}" is already reserved`, { type: reservation.type });
    this.byType.set(reservation.type, { ...reservation });
  }

  async attach(reservation: BuildReservation, jobId: string): Promise<void> {
    const held = this.byType.get(reservation.type);
    if (held?.id === reservation.id) held.jobId = jobId;
  }

  async cancel(reservation: BuildReservation): Promise<void> {
    if (this.byType.get(reservation.type)?.id === reservation.id) this.byType.delete(reservation.type);
  }

  async settle(type: string, jobId: string | undefined): Promise<void> {
    const held = this.byType.get(type);
    if (held && (held.jobId === undefined || held.jobId === jobId)) this.byType.delete(type);
  }

  async read(type: string): Promise<BuildReservation | undefined> {
    const held = this.byType.get(type);
    return held ? { ...held } : undefined;
  }
}

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../core/errors.ts';
import type { BuildReservation, ReservationStore } from '../../core/rebuild/reservation.ts';
import { isConditionFailure, translateDynamoError } from './errors.ts';

/** How long past its expiry the table's TTL may delete a reservation item left behind. */
const LEFT_BEHIND_SECONDS = 24 * 3600;

/**
 * The build reservation of each type in the control table, next to its lease (see
 * lambdas/core/rebuild/reservation.ts for the protocol):
 *
 * | item              | pk     | sk            |
 * |-------------------|--------|---------------|
 * | build reservation | `type` | `reservation` |
 *
 * Its expiry is `reservationExpiresAt` (epoch ms); the TTL attribute `expiresAt` (epoch seconds,
 * a day later) only tidies items nobody settled. Every change is a conditional write.
 */
export class DynamoBuildReservations implements ReservationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly controlTable: string,
  ) {}

  async reserve(reservation: BuildReservation, now: number): Promise<void> {
    const item = {
      pk: reservation.type,
      sk: 'reservation',
      reservationId: reservation.id,
      reservedAt: reservation.reservedAt,
      reservationExpiresAt: reservation.expiresAt,
      expiresAt: Math.ceil(reservation.expiresAt / 1000) + LEFT_BEHIND_SECONDS,
      ...(reservation.requestedBy ? { requestedBy: reservation.requestedBy } : {}),
    };
    await this.#send('PutItem(reservation)', reservation.type, new PutCommand({
      TableName: this.controlTable,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk) OR reservationExpiresAt < :now',
      ExpressionAttributeValues: { ':now': now },
    }), () => {
      throw new ConflictError(`a rebuild of "${reservation.type}" is already reserved`, { type: reservation.type });
    });
  }

  async attach(reservation: BuildReservation, jobId: string): Promise<void> {
    await this.#send('UpdateItem(reservation)', reservation.type, new UpdateCommand({
      TableName: this.controlTable,
      Key: { pk: reservation.type, sk: 'reservation' },
      UpdateExpression: 'SET jobId = :job',
      ConditionExpression: 'reservationId = :id',
      ExpressionAttributeValues: { ':job': jobId, ':id': reservation.id },
    }));
  }

  async cancel(reservation: BuildReservation): Promise<void> {
    await this.#send('DeleteItem(reservation)', reservation.type, new DeleteCommand({
      TableName: this.controlTable,
      Key: { pk: reservation.type, sk: 'reservation' },
      ConditionExpression: 'reservationId = :id',
      ExpressionAttributeValues: { ':id': reservation.id },
    }));
  }

  async settle(type: string, jobId: string | undefined): Promise<void> {
    await this.#send('DeleteItem(reservation)', type, new DeleteCommand({
      TableName: this.controlTable,
      Key: { pk: type, sk: 'reservation' },
      ConditionExpression: jobId === undefined ? 'attribute_not_exists(jobId)' : 'attribute_not_exists(jobId) OR jobId = :job',
      ...(jobId === undefined ? {} : { ExpressionAttributeValues: { ':job': jobId } }),
    }));
  }

  async read(type: string): Promise<BuildReservation | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      ({ Item: item } = await this.client.send(new GetCommand({ TableName: this.controlTable, Key: { pk: type, sk: 'reservation' }, ConsistentRead: true })));
    } catch (error) {
      throw translateDynamoError(error, 'GetItem(reservation)', { type });
    }
    if (!item) return undefined;
    return {
      type,
      id: String(item['reservationId']),
      reservedAt: Number(item['reservedAt']),
      expiresAt: Number(item['reservationExpiresAt']),
      ...(typeof item['requestedBy'] === 'string' ? { requestedBy: item['requestedBy'] } : {}),
      ...(typeof item['jobId'] === 'string' ? { jobId: item['jobId'] } : {}),
    };
  }

  /** Sends one conditional write; a failed condition calls `onCondition` (default: nothing to do). */
  async #send(operation: string, type: string, command: PutCommand | UpdateCommand | DeleteCommand, onCondition: () => void = () => {}): Promise<void> {
    try {
      await this.client.send(command as PutCommand);
    } catch (error) {
      if (isConditionFailure(error)) return onCondition();
      throw translateDynamoError(error, operation, { type });
    }
  }
}

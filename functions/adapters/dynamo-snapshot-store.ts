/**
 * SnapshotStore on the riskguard table: one item per account, `sk = SNAPSHOT`, overwritten by
 * every accepted tick. The snapshot is stored gzip-compressed (a Binance tier table is long and
 * repetitive): a book of a few positions is about 1 KB, one write unit.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { AccountSnapshotSchema } from '../domain/snapshot.ts';
import type { SnapshotStore, StoredSnapshot } from '../ports.ts';
import { PK, SK, accountPk } from './table-schema.ts';

/** Sort key of the last accepted snapshot. */
export const SNAPSHOT_SK = 'SNAPSHOT';

const StoredSchema = z.object({
  accountId: z.string().min(1),
  at: z.number().int().nonnegative(),
  lotSteps: z.record(z.string(), z.number().positive()),
  snapshot: AccountSnapshotSchema,
});

export class DynamoSnapshotStore implements SnapshotStore {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;

  constructor({ tableName, client }: { tableName: string; client: DynamoDBDocumentClient }) {
    this.tableName = tableName;
    this.client = client;
  }

  async put(s: StoredSnapshot): Promise<void> {
    const body = gzipSync(Buffer.from(JSON.stringify({ snapshot: s.snapshot, lotSteps: s.lotSteps })));
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { [PK]: accountPk(s.accountId), [SK]: SNAPSHOT_SK, accountId: s.accountId, at: s.at, body: new Uint8Array(body) },
      }),
    );
  }

  async get(accountId: string): Promise<StoredSnapshot | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { [PK]: accountPk(accountId), [SK]: SNAPSHOT_SK } }));
    if (!out.Item) return null;
    const item = out.Item as { accountId: unknown; at: unknown; body: Uint8Array };
    const inner = JSON.parse(gunzipSync(Buffer.from(item.body)).toString('utf8')) as { snapshot: unknown; lotSteps: unknown };
    return StoredSchema.parse({ accountId: item.accountId, at: item.at, snapshot: inner.snapshot, lotSteps: inner.lotSteps });
  }
}

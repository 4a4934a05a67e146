/**
 * The agents' audit log: one item per `check_order` (and `request_halt`) answer, in its own
 * partition `AGENTLOG#<accountId>` so a role that writes it (the status function) can be limited
 * by `dynamodb:LeadingKeys` to these partitions and can never touch guard state. Items carry the
 * table's TTL attribute (`expiresAt`, 90 days by default) like every audit event.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETENTION_DAYS, EVENT_SK_PREFIX, PK, SK, TTL_ATTRIBUTE, eventSk } from './table-schema.ts';

/** Partition of an account's agent log. */
export const agentLogPk = (accountId: string): string => `AGENTLOG#${accountId}`;

export interface AgentLogEntry {
  accountId: string;
  /** ms */
  at: number;
  type: 'check_order' | 'request_halt';
  /** The answer's id (`decisionId`), unique. */
  id: string;
  message: string;
  data: Record<string, unknown>;
  /** The TTL attribute (epoch seconds), as read back. */
  expiresAt?: number;
}

export interface AgentLog {
  append(e: AgentLogEntry): Promise<void>;
  /** Newest first. */
  recent(accountId: string, limit: number): Promise<AgentLogEntry[]>;
}

export class DynamoAgentLog implements AgentLog {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly retentionDays: number;

  constructor({ tableName, client, retentionDays = DEFAULT_RETENTION_DAYS }: { tableName: string; client: DynamoDBDocumentClient; retentionDays?: number }) {
    this.tableName = tableName;
    this.client = client;
    this.retentionDays = retentionDays;
  }

  async append(e: AgentLogEntry): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [PK]: agentLogPk(e.accountId),
          [SK]: eventSk(e.at, randomBytes(6).toString('hex')),
          ...JSON.parse(JSON.stringify({ ...e, expiresAt: undefined })),
          [TTL_ATTRIBUTE]: Math.floor(e.at / 1000) + this.retentionDays * 86_400,
        },
      }),
    );
  }

  async recent(accountId: string, limit: number): Promise<AgentLogEntry[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': agentLogPk(accountId), ':prefix': EVENT_SK_PREFIX },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({ accountId: i.accountId, at: i.at, type: i.type, id: i.id, message: i.message, data: i.data, expiresAt: i[TTL_ATTRIBUTE] }) as AgentLogEntry);
  }
}

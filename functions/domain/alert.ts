/** An alert for people: what the guard says on every channel (SNS, chat, console). */
export interface Alert {
  accountId: string;
  kind: 'escalation' | 'de-escalation' | 'all-clear' | 'reminder' | 'trip' | 'blind' | 'auth' | 'liquidation' | 'residual' | 'test' | 'info' | 'dead-man';
  level: string;
  /** One line: the number that matters and the action taken. */
  summary: string;
  /** Full text: metrics, reasons, orders, residuals, how to re-arm. */
  body: string;
  at: number;
}

import type { Animation, AnimationChange, AnimationLog, AnimationStatus, WebhookDelivery } from '../domain/animation.js';
import type { AppliedChange } from '../domain/state-machine.js';

export interface PageRequest {
  /** Page size, already capped by the caller. */
  first: number;
  /** Opaque cursor from a previous page's `endCursor`. */
  after: string | null;
  status: AnimationStatus | null;
}

export interface Page {
  items: { animation: Animation; cursor: string }[];
  hasNextPage: boolean;
}

/** Thrown by `list` for a cursor it did not issue. */
export class InvalidCursorError extends Error {
  constructor() {
    super('Unknown cursor.');
    this.name = 'InvalidCursorError';
  }
}

export type NewAnimation = Omit<Animation, 'version' | 'logCount' | 'updatedAt'>;

/** How many animations an owner may have: unfinished at once, and created since `windowStart`. */
export interface Quota {
  maxUnfinished: number;
  maxInWindow: number;
  /** ISO-8601 start of the rolling window. */
  windowStart: string;
  /** GPU seconds the owner's animations created since `dayStart` may have used; undefined: no cap. */
  maxInferenceSeconds?: number;
  dayStart?: string;
}

/** Who waits for the account's slots at fal, and who is there. */
export interface AdmissionLine {
  /** Animations held by the gateway (uploaded, not yet admitted), oldest first. */
  held: Animation[];
  /** Per owner, the animations admitted and not yet reported finished by fal. */
  atFal: Record<string, number>;
}

/** How many unfinished animations are at each stage of their way through fal. */
export interface WorkInProgress {
  /** Held by the gateway for a slot at fal (uploaded, not yet admitted). */
  held: number;
  /** Admitted, and fal has not reported a result yet. */
  atFal: number;
  /** fal's result is ready, and the gateway has not kept its video yet. */
  awaitingCopy: number;
}

/** An owner's animations created since a time, by outcome. */
export interface Usage {
  animations: number;
  completed: number;
  failed: number;
  cancelled: number;
  inferenceSeconds: number;
}

export type InsertOutcome =
  | { kind: 'created'; animation: Animation }
  /** The owner already has an animation with this idempotency key. */
  | { kind: 'existing'; animation: Animation }
  /** Nothing written: the quota is used up. `oldestInWindow` is when the window's first animation was created. */
  | { kind: 'overQuota'; limit: 'unfinished' | 'window' | 'inference'; oldestInWindow: string | null };

/**
 * Durable record of animations, their log lines and status history.
 * Implementations apply their migrations in `open()`; every method may throw on
 * storage failure, which callers treat as an internal error.
 */
export interface AnimationStore {
  /**
   * Records a new animation, atomically with respect to other inserts for the same owner.
   * When the owner already has an animation with the same `idempotencyKey`, nothing is
   * written and that one is returned (`existing`), whatever the quota. Otherwise, when
   * `quota` is given and used up, nothing is written (`overQuota`).
   */
  insert(animation: NewAnimation, quota?: Quota): Promise<InsertOutcome>;

  /** The animation with this id, whoever owns it; undefined when there is none. */
  get(id: string): Promise<Animation | undefined>;

  /** The owner's animations, newest first. Throws InvalidCursorError for a foreign cursor. */
  list(owner: string, page: PageRequest): Promise<Page>;

  /** Log lines of an animation with seq greater than `afterSeq`, in order. */
  logs(id: string, afterSeq?: number): Promise<AnimationLog[]>;

  /**
   * Atomically reads the animation, asks `decide` what it becomes, and writes the result
   * (row, appended log lines, status history) unless `decide` returns null. Returns the
   * recorded change, or null when nothing was written or the animation does not exist.
   */
  update(id: string, decide: (current: Animation) => AppliedChange | null): Promise<AnimationChange | null>;

  /** The animation fal knows by this request id, whoever owns it. */
  findByRequestId(requestId: string): Promise<Animation | undefined>;

  /** Records one attempt to deliver the owner's webhook; a repeated attempt number is ignored. */
  recordWebhookDelivery(id: string, delivery: WebhookDelivery): Promise<void>;

  /** Every attempt to deliver the animation's webhook, in order. */
  webhookDeliveries(id: string): Promise<WebhookDelivery[]>;

  /** Finished animations with a webhook that no attempt has delivered yet. */
  listUndeliveredWebhooks(): Promise<Animation[]>;

  /** Forgets an animation's idempotency key, so the owner may use it again. */
  releaseIdempotencyKey(id: string): Promise<void>;

  /** How many animations have each status. */
  countByStatus(): Promise<Partial<Record<AnimationStatus, number>>>;

  /** Every animation not in a terminal status, oldest first. */
  listUnfinished(): Promise<Animation[]>;

  /** Status history: each status the animation entered, with when. */
  statusHistory(id: string): Promise<{ status: AnimationStatus; at: string }[]>;

  /**
   * Removes the animation with its log lines, status history and webhook deliveries, and
   * remembers that `owner` deleted it. Deleting what is already gone changes nothing.
   */
  delete(id: string, owner: string, at: string): Promise<void>;

  /** True when `owner` deleted the animation with this id. */
  wasDeleted(id: string, owner: string): Promise<boolean>;

  /** Held animations and what is at fal now. */
  admissionLine(): Promise<AdmissionLine>;

  /**
   * In one transaction that excludes every other admission (across replicas): when fewer
   * than `limit` animations are at fal, admits the held one `pick` chooses from the line,
   * and returns it; otherwise (or when `pick` chooses none) undefined.
   */
  admit(limit: number, at: string, pick: (line: AdmissionLine) => string | undefined): Promise<Animation | undefined>;

  /** The owner's animations created since `since`, counted from the (owner, created_at) index. */
  usage(owner: string, since: string): Promise<Usage>;

  /** Animations whose kept video expired at or before `now`, soonest first, at most `limit`. */
  listExpired(now: string, limit: number): Promise<Animation[]>;

  /** Counts of what is held, at fal and waiting for its copy, in one statement: the whole database's (every replica's). */
  workInProgress(): Promise<WorkInProgress>;

  /** True when the database answers. */
  ping(): Promise<boolean>;

  close(): Promise<void>;
}

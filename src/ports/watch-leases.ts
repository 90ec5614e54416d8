/**
 * Who follows which animation upstream, across every replica sharing the database: a
 * lease per animation, held by one replica until it lets go or stops renewing it.
 */
export interface WatchLeases {
  /**
   * Takes the lease for this holder, or extends it if it already holds it. Fails (null)
   * while another holder's lease has not expired. `takenOver` says an expired lease of
   * another holder was taken.
   */
  acquire(animationId: string): Promise<{ takenOver: boolean } | null>;
  /** Extends the leases this holder has on these animations; returns the ids it no longer holds. */
  renew(animationIds: string[]): Promise<string[]>;
  /** In-flight animations (known to fal) whose lease is missing or expired: nobody watches them. */
  unheld(): Promise<string[]>;
  /** Lets go of the lease, if this holder has it. */
  release(animationId: string): Promise<void>;
}

package dev.cairn.amqp;

/** The RabbitMQ queue type of a {@link WorkQueue}'s main queue. */
public enum QueueType {
  /** A classic queue: lowest latency; redeliveries after consumer crashes are not counted. */
  CLASSIC,
  /**
   * A replicated quorum queue: the broker counts deliveries and dead-letters a message redelivered
   * more than the queue's delivery limit (a guard against messages that crash their consumer).
   */
  QUORUM
}

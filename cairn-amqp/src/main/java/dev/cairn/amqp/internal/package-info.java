/**
 * Internals of {@link dev.cairn.amqp}: the confirming publisher with its in-flight window and
 * held-during-recovery queue ({@link dev.cairn.amqp.internal.ConfirmingPublisher}), first-connect
 * retry ({@link dev.cairn.amqp.internal.Connector}), queue topology ({@link
 * dev.cairn.amqp.internal.Topology}), the retrying consumer ({@link
 * dev.cairn.amqp.internal.QueueConsumer}) and request/reply plumbing.
 */
package dev.cairn.amqp.internal;

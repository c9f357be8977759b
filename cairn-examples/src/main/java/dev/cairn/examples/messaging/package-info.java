/**
 * The messaging example: an order service publishes {@code OrderCreated}; an email service and an
 * inventory service each receive it; a worker pool shares a job queue; a request/reply call with a
 * deadline. Start with {@link dev.cairn.examples.messaging.Main}.
 */
package dev.cairn.examples.messaging;

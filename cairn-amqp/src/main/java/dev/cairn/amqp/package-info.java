/**
 * Asynchronous messaging over RabbitMQ (AMQP 0-9-1), with the broker discovered through Cairn.
 *
 * <p>Start with {@link dev.cairn.amqp.Messaging#builder(BrokerAddressSource)}. Destinations are
 * described by {@link dev.cairn.amqp.Topic} (publish/subscribe), {@link dev.cairn.amqp.WorkQueue}
 * (competing consumers, retry tiers, dead-letter queue) and {@link dev.cairn.amqp.RpcEndpoint}
 * (request/reply); bodies are encoded by a {@link dev.cairn.amqp.MessageCodec} (JSON, protobuf or
 * bytes). {@link dev.cairn.amqp.CairnBrokerAddresses} finds the broker through the Cairn registry.
 * Guarantees and defaults are described in {@code docs/messaging.md}.
 */
package dev.cairn.amqp;

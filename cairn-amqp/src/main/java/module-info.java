/**
 * Messaging over RabbitMQ (AMQP 0-9-1) with broker discovery through Cairn. The {@code internal}
 * package is not exported (decision 0095).
 */
module dev.cairn.amqp {
  requires transitive dev.cairn.client;
  requires transitive com.rabbitmq.client;
  requires transitive com.fasterxml.jackson.databind;
  requires transitive com.google.protobuf;
  requires transitive micrometer.core;
  requires transitive org.slf4j;

  exports dev.cairn.amqp;
}

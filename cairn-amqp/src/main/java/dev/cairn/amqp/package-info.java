/** Asynchronous messaging over RabbitMQ (AMQP 0-9-1), with the broker discovered through Cairn. */
package dev.cairn.amqp;

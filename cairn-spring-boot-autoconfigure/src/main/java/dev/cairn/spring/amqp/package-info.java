/** Spring AMQP on Cairn: broker addresses from the registry ({@code rabbitmq}), failing over. */
package dev.cairn.spring.amqp;

/**
 * The durable command log on Apache Ratis. Start with {@link
 * dev.cairn.server.ratis.RatisCommandLog#builder}.
 */
package dev.cairn.server.ratis;
